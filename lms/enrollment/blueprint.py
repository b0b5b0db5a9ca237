"""URL rules of the enrollment feature, and its panels on shared pages."""

from flask import Blueprint

from .. import panels as slots
from . import group_views, panels, public_views, views

bp = Blueprint("enrollment", __name__)

# Self-service
bp.add_url_rule("/sessions/<lms_id:session_id>/enroll", "enroll", views.enroll, methods=["POST"])
bp.add_url_rule("/my/enrollments", "my_enrollments", views.my_enrollments)
bp.add_url_rule(
    "/enrollments/<lms_id:enrollment_id>/cancel", "cancel", views.cancel, methods=["GET", "POST"]
)

# Training coordinators
bp.add_url_rule(
    "/sessions/<lms_id:session_id>/enrollments", "session_enrollments", views.session_enrollments
)
bp.add_url_rule(
    "/sessions/<lms_id:session_id>/enrollments/add",
    "coordinator_enroll",
    views.coordinator_enroll,
    methods=["POST"],
)
bp.add_url_rule(
    "/sessions/<lms_id:session_id>/enrollments/cap",
    "set_seat_cap",
    views.set_seat_cap,
    methods=["POST"],
)

# Community groups
bp.add_url_rule("/groups/", "groups", group_views.groups)
bp.add_url_rule("/groups/<lms_id:organization_id>/", "group_home", group_views.group_home)
bp.add_url_rule(
    "/groups/<lms_id:organization_id>/sessions/<lms_id:session_id>",
    "group_session",
    group_views.group_session,
)
bp.add_url_rule(
    "/groups/<lms_id:organization_id>/sessions/<lms_id:session_id>/reserve",
    "reserve_seats",
    group_views.reserve_seats,
    methods=["POST"],
)
bp.add_url_rule(
    "/groups/<lms_id:organization_id>/sessions/<lms_id:session_id>/people",
    "add_group_member",
    group_views.add_group_member,
    methods=["POST"],
)
bp.add_url_rule(
    "/groups/<lms_id:organization_id>/sessions/<lms_id:session_id>/roster",
    "upload_roster",
    group_views.upload_roster,
    methods=["POST"],
)
bp.add_url_rule("/groups/roster-template.csv", "roster_template", group_views.roster_template)
bp.add_url_rule(
    "/groups/<lms_id:organization_id>/people/<lms_id:person_id>/claim-link",
    "claim_link",
    group_views.claim_link,
    methods=["POST"],
)

# People without an account
bp.add_url_rule(
    "/sessions/<lms_id:session_id>/register",
    "register",
    public_views.register,
    methods=["GET", "POST"],
)
bp.add_url_rule(
    "/bookings/<lms_text:token>",
    "manage_booking",
    public_views.manage_booking,
    methods=["GET", "POST"],
)
bp.add_url_rule("/claim/<lms_text:token>", "claim", public_views.claim, methods=["GET", "POST"])

bp.add_app_template_global(panels.cancel_problem, "enrollment_cancel_problem")
slots.session_page.register("lms/enrollment/_session_panel.html", panels.session_panel, order=10)
slots.dashboard.register("lms/enrollment/_dashboard.html", panels.dashboard_panel, order=20)
