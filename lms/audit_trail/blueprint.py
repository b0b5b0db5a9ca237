"""URL rules of the audit trail."""

from flask import Blueprint

from . import views

bp = Blueprint("audit_trail", __name__, url_prefix="/audit")
bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/events.csv", "export_csv", views.export_csv)
