"""URL rules of the auth feature."""

from flask import Blueprint

from . import views

bp = Blueprint("auth", __name__)
bp.add_url_rule("/sign-in", "sign_in", views.sign_in, methods=["GET", "POST"])
bp.add_url_rule("/sign-out", "sign_out", views.sign_out, methods=["POST"])
bp.add_url_rule("/account", "account", views.account, methods=["GET", "POST"])
bp.add_url_rule(
    "/forgot-password", "forgot_password", views.forgot_password, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/reset-password/<lms_text:token>",
    "reset_password",
    views.reset_password,
    methods=["GET", "POST"],
)
