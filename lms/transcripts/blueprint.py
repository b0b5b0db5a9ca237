"""URL rules of the transcripts feature, and its dashboard panel."""

from flask import Blueprint

from .. import panels as slots
from . import panels, views

bp = Blueprint("transcripts", __name__)

bp.add_url_rule("/transcripts/", "index", views.index)
bp.add_url_rule("/transcripts/people/<lms_id:person_id>", "person", views.person_page)
bp.add_url_rule(
    "/transcripts/people/<lms_id:person_id>/issue", "issue", views.issue, methods=["POST"]
)
bp.add_url_rule("/transcripts/<lms_text:serial>/download", "download", views.download)
bp.add_url_rule(
    "/transcripts/organizations/<lms_id:organization_id>",
    "organization",
    views.organization_page,
)
bp.add_url_rule(
    "/transcripts/organizations/<lms_id:organization_id>/transcripts.zip",
    "organization_zip",
    views.organization_zip,
    methods=["POST"],
)

# Public: anyone may check a transcript's serial and signature.
bp.add_url_rule("/verify/transcripts/", "verify_home", views.verify_home)
bp.add_url_rule("/verify/transcripts/<lms_text:serial>", "verify", views.verify)

slots.dashboard.register("lms/transcripts/_dashboard.html", panels.dashboard_context, order=35)
