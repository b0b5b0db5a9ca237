"""URL rules of the compliance feature, and its panel on the dashboard."""

from flask import Blueprint

from .. import panels
from . import views

bp = Blueprint("compliance", __name__, url_prefix="/compliance")
bp.add_url_rule("/", "overview", views.overview)
bp.add_url_rule("/compliance.csv", "export_csv", views.export_csv)
bp.add_url_rule("/hours", "hours", views.hours)
bp.add_url_rule("/hours.csv", "hours_csv", views.hours_csv)
bp.add_url_rule("/post-roster.csv", "post_roster", views.post_roster)

panels.dashboard.register("lms/compliance/_dashboard.html", views.dashboard_panel, order=20)
