"""URL rules of the rosters feature, and its panels on shared pages."""

from flask import Blueprint

from .. import panels
from . import views

bp = Blueprint("rosters", __name__, url_prefix="/rosters")
bp.add_url_rule("/", "roster_list", views.roster_list)
bp.add_url_rule("/<lms_id:session_id>", "roster", views.roster)
bp.add_url_rule(
    "/<lms_id:session_id>/meetings/<lms_id:meeting_id>/attendance",
    "record_attendance",
    views.record_attendance,
    methods=["POST"],
)
bp.add_url_rule(
    "/<lms_id:session_id>/evaluations",
    "record_evaluations",
    views.record_evaluations,
    methods=["POST"],
)
bp.add_url_rule("/<lms_id:session_id>/finalize", "finalize", views.finalize, methods=["POST"])
bp.add_url_rule(
    "/<lms_id:session_id>/enrollments/<lms_id:enrollment_id>/correction",
    "correction",
    views.correction,
    methods=["GET", "POST"],
)

panels.dashboard.register("lms/rosters/_dashboard.html", views.dashboard_panel, order=30)
# The staff's next action (attendance, finalizing) before the participants' enrollment panel.
panels.session_page.register("lms/rosters/_session_panel.html", views.session_panel, order=1)
