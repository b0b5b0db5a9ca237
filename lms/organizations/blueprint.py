"""URL rules of the organizations feature."""

from flask import Blueprint

from . import views

bp = Blueprint("organizations", __name__, url_prefix="/organizations")
bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/new", "new", views.new_organization, methods=["GET", "POST"])
bp.add_url_rule("/<lms_id:organization_id>", "organization", views.organization_page)
bp.add_url_rule(
    "/<lms_id:organization_id>/edit", "edit", views.edit_organization, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/<lms_id:organization_id>/deactivate", "deactivate", views.deactivate, methods=["POST"]
)
bp.add_url_rule(
    "/<lms_id:organization_id>/reactivate", "reactivate", views.reactivate, methods=["POST"]
)
bp.add_url_rule(
    "/<lms_id:organization_id>/coordinators",
    "add_coordinator",
    views.add_coordinator,
    methods=["POST"],
)
