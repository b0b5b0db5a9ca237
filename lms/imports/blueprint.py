"""URL rules of the imports feature: people from an HR export, past training records."""

from flask import Blueprint

from . import views

bp = Blueprint("imports", __name__, url_prefix="/imports")
bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/people/template.csv", "people_template", views.people_template)
bp.add_url_rule("/people/preview", "people_preview", views.people_preview, methods=["POST"])
bp.add_url_rule("/people/apply", "people_apply", views.people_apply, methods=["POST"])
bp.add_url_rule("/records/template.csv", "records_template", views.records_template)
bp.add_url_rule("/records/preview", "records_preview", views.records_preview, methods=["POST"])
bp.add_url_rule("/records/apply", "records_apply", views.records_apply, methods=["POST"])
