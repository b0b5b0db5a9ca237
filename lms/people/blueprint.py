"""URL rules of the people feature: the directory and a page per person."""

from flask import Blueprint

from . import views

bp = Blueprint("people", __name__, url_prefix="/people")
bp.add_url_rule("/", "directory", views.directory)
bp.add_url_rule("/new", "new", views.new_person, methods=["GET", "POST"])
bp.add_url_rule("/<lms_id:person_id>", "person", views.person_page)
bp.add_url_rule("/<lms_id:person_id>/edit", "edit", views.edit_person, methods=["GET", "POST"])
bp.add_url_rule("/<lms_id:person_id>/roles", "grant_role", views.grant_role, methods=["POST"])
bp.add_url_rule(
    "/<lms_id:person_id>/roles/remove", "remove_role", views.remove_role, methods=["POST"]
)
bp.add_url_rule("/<lms_id:person_id>/invite", "invite", views.invite, methods=["POST"])
bp.add_url_rule("/<lms_id:person_id>/deactivate", "deactivate", views.deactivate, methods=["POST"])
bp.add_url_rule("/<lms_id:person_id>/reactivate", "reactivate", views.reactivate, methods=["POST"])
