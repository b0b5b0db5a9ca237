"""URL rules of the Outbox (administrators) and of everyone's mail settings."""

from flask import Blueprint

from . import preference_views, views

bp = Blueprint("mail", __name__, url_prefix="/outbox")
bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/test", "send_test", views.send_test, methods=["POST"])
bp.add_url_rule("/<lms_id:message_id>", "message", views.message)
bp.add_url_rule("/<lms_id:message_id>/body.html", "message_html", views.message_html)
bp.add_url_rule("/<lms_id:message_id>/message.eml", "message_eml", views.message_eml)
bp.add_url_rule("/<lms_id:message_id>/parts/<lms_id:number>", "part", views.part)
bp.add_url_rule("/<lms_id:message_id>/retry", "retry", views.retry, methods=["POST"])

preferences_bp = Blueprint("mail_preferences", __name__, url_prefix="/mail")
preferences_bp.add_url_rule("/settings", "edit", preference_views.edit, methods=["GET", "POST"])
preferences_bp.add_url_rule(
    "/unsubscribe/<lms_text:token>",
    "unsubscribe",
    preference_views.unsubscribe,
    methods=["GET", "POST"],
)
