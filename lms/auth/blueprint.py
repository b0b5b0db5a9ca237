"""URL rules of the auth feature."""

from flask import Blueprint

from . import views

bp = Blueprint("auth", __name__)
bp.add_url_rule("/sign-in", "sign_in", views.sign_in, methods=["GET", "POST"])
bp.add_url_rule("/sign-out", "sign_out", views.sign_out, methods=["POST"])
bp.add_url_rule("/account", "account", views.account, methods=["GET", "POST"])
