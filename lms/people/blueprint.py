"""URL rules of the people feature (for now: an administrator's page per person)."""

from flask import Blueprint

from . import views

bp = Blueprint("people", __name__, url_prefix="/people")
bp.add_url_rule("/<lms_id:person_id>", "person", views.person_page)
bp.add_url_rule("/<lms_id:person_id>/deactivate", "deactivate", views.deactivate, methods=["POST"])
bp.add_url_rule("/<lms_id:person_id>/reactivate", "reactivate", views.reactivate, methods=["POST"])
