"""URL rules of the credentials feature."""

from flask import Blueprint

from .. import panels as slots
from . import panels, views

bp = Blueprint("credentials", __name__)

# Public: anyone may check a certificate and fetch the keys that sign them.
bp.add_url_rule("/verify/", "verify_home", views.verify_home)
bp.add_url_rule("/verify/keys.json", "public_keys", views.public_keys)
bp.add_url_rule("/verify/<lms_text:serial>", "verify", views.verify)

bp.add_url_rule("/certificates/<lms_text:serial>", "certificate_detail", views.certificate_detail)
bp.add_url_rule(
    "/certificates/<lms_text:serial>/download", "certificate_pdf", views.certificate_pdf
)
bp.add_url_rule("/certificates/<lms_text:serial>/revoke", "revoke", views.revoke, methods=["POST"])
bp.add_url_rule(
    "/certificates/<lms_text:serial>/correct", "correct", views.correct, methods=["POST"]
)

bp.add_url_rule(
    "/sessions/<lms_id:session_id>/certificates", "session_certificates", views.session_certificates
)
bp.add_url_rule(
    "/sessions/<lms_id:session_id>/certificates/issue", "issue", views.issue, methods=["POST"]
)
bp.add_url_rule("/sessions/<lms_id:session_id>/certificates.zip", "session_zip", views.session_zip)
bp.add_url_rule(
    "/sessions/<lms_id:session_id>/certificates.pdf", "session_printable", views.session_printable
)
bp.add_url_rule("/groups/<lms_id:organization_id>/certificates.zip", "group_zip", views.group_zip)

slots.dashboard.register("lms/credentials/_dashboard.html", panels.dashboard_context, order=30)
# The instructor's next step once a roster is final, so it comes before participants' panels.
slots.session_page.register("lms/credentials/_session.html", panels.session_context, order=2)
slots.roster_page.register("lms/credentials/_session.html", panels.session_context)
