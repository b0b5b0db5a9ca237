"""URL rules of the calendar feature, and its panels on the session and account pages."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from .. import panels
from . import redaction, views

bp = Blueprint("calendar", __name__)
bp.add_url_rule("/calendar/", "index", views.index)
bp.add_url_rule("/calendar/public.ics", "public_feed", views.public_feed)
bp.add_url_rule("/calendar/courses/<lms_text:code>.ics", "course_feed", views.course_feed)
bp.add_url_rule("/calendar/private/<lms_text:token>.ics", "private_feed", views.private_feed)
bp.add_url_rule("/calendar/private-link", "new_link", views.new_link, methods=["POST"])
bp.add_url_rule("/calendar/private-link/off", "stop_feed", views.stop_feed, methods=["POST"])
bp.add_url_rule("/sessions/<lms_id:session_id>/calendar.ics", "session_ics", views.session_ics)


@bp.record_once
def _on_register(state: BlueprintSetupState) -> None:
    # Feed tokens travel in URL paths: keep them out of every request log.
    redaction.install(state.app.logger)


panels.session_page.register("lms/calendar/_session_panel.html", views.session_panel, order=60)
panels.account_page.register("lms/calendar/_account_panel.html", views.account_panel)
panels.dashboard.register("lms/calendar/_dashboard.html", views.account_panel, order=40)
