"""URL rules of the scheduling feature, and its panels on shared pages."""

from flask import Blueprint

from .. import panels as slots
from . import panels, views

bp = Blueprint("scheduling", __name__)

bp.add_url_rule("/schedule/", "index", views.index)
bp.add_url_rule("/schedule/courses/new", "new_course", views.new_course, methods=["GET", "POST"])
bp.add_url_rule(
    "/schedule/courses/<lms_text:code>/edit",
    "edit_course",
    views.edit_course,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/schedule/courses/<lms_text:code>/active",
    "set_course_active",
    views.set_course_active,
    methods=["POST"],
)
bp.add_url_rule("/schedule/sessions/new", "new_session", views.new_session, methods=["GET", "POST"])
bp.add_url_rule(
    "/schedule/sessions/<lms_id:session_id>/edit",
    "edit_session",
    views.edit_session,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/schedule/sessions/<lms_id:session_id>/cancel",
    "cancel_session",
    views.cancel_session,
    methods=["GET", "POST"],
)

slots.session_page.register("lms/scheduling/_session_panel.html", panels.session_panel, order=5)
slots.dashboard.register("lms/scheduling/_dashboard.html", panels.dashboard_panel, order=15)
