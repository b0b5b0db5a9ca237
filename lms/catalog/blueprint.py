"""URL rules of the catalog feature."""

from flask import Blueprint

from . import views

bp = Blueprint("catalog", __name__)
bp.add_url_rule("/courses/", "course_list", views.course_list)
bp.add_url_rule("/courses/<lms_text:code>", "course_detail", views.course_detail)
bp.add_url_rule("/sessions/", "session_list", views.session_list)
bp.add_url_rule("/sessions/<lms_id:session_id>", "session_detail", views.session_detail)
