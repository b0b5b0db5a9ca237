"""URL rules of the programs feature (administrators only)."""

from flask import Blueprint

from . import views

bp = Blueprint("programs", __name__, url_prefix="/programs")
bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/tracks/new", "new_track", views.new_track, methods=["GET", "POST"])
bp.add_url_rule("/tracks/<lms_id:track_id>", "track", views.track_page)
bp.add_url_rule(
    "/tracks/<lms_id:track_id>/edit", "edit_track", views.edit_track, methods=["GET", "POST"]
)
bp.add_url_rule("/courses/<lms_text:code>", "course", views.course_program, methods=["GET", "POST"])
