"""URL rules of the dashboard feature."""

from flask import Blueprint

from . import views

bp = Blueprint("dashboard", __name__)
bp.add_url_rule("/", "home", views.home)
