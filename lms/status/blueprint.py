"""URL rules of the status feature, and its panel on the dashboard."""

from flask import Blueprint

from .. import panels
from . import views

bp = Blueprint("status", __name__, url_prefix="/status")
bp.add_url_rule("/", "mine", views.mine)
bp.add_url_rule("/people/<lms_id:person_id>", "person", views.person_status)

# First on the dashboard: "am I current, and when am I due?"
panels.dashboard.register("lms/status/_dashboard.html", views.dashboard_panel, order=10)
