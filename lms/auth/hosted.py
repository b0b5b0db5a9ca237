"""Signing in when a host app owns the login: the LMS's own sign-in pages hand over.

Used by ``LMS.init_app`` when the host passes ``person_for_user`` (see the README).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_url, logout_user

from ..core import acting_person

#: The LMS's own sign-in pages, which a host with its own login replaces.
OWN_SIGN_IN_ENDPOINTS = ("lms.auth.sign_in", "lms.auth.sign_out", "lms.auth.account")
#: The LMS's password-reset pages: a host with its own login has its own way back in.
OWN_PASSWORD_RESET_ENDPOINTS = ("lms.auth.forgot_password", "lms.auth.reset_password")

NOT_LINKED = "Your account is not linked to a training record here. Ask a training coordinator."


def defer_sign_in_to_host(parent: Blueprint) -> None:
    """With the host's login, the LMS's sign-in pages hand over to the host's."""

    @parent.context_processor
    def _sign_in_is_the_hosts() -> dict:
        return {"lms_host_signs_in": True}

    @parent.before_request
    def _host_signs_in():
        endpoint = request.endpoint
        if endpoint in OWN_PASSWORD_RESET_ENDPOINTS:
            abort(404, description="Passwords are managed by the host application.")
        if endpoint not in OWN_SIGN_IN_ENDPOINTS:
            return None
        if endpoint == "lms.auth.sign_out":
            # One sign-in, so one sign-out: the host's session ends, through Flask-Login.
            if current_user.is_authenticated:
                logout_user()
            return redirect(url_for("lms.catalog.session_list"))
        if not current_user.is_authenticated:
            if endpoint == "lms.auth.sign_in":
                return _to_host_sign_in(request.args.get("next"))
            return _to_host_sign_in(request.path)
        if acting_person() is None:
            # Signed in to the host, unknown to the LMS: sending them to sign in again
            # would only go round in circles.
            abort(403, description=NOT_LINKED)
        if endpoint == "lms.auth.sign_in":
            return redirect(url_for("lms.dashboard.home"))
        if request.method != "GET":
            abort(403, description="Passwords are managed by the host application.")
        return None


def _to_host_sign_in(next_url: str | None):
    # The host's sign-in page checks ``next`` as it does for its own pages: anyone can
    # reach it with any ``next`` directly, so passing one through adds nothing.
    view = current_app.login_manager.login_view
    if not view:
        abort(404, description="Sign-in is handled by the host application.")
    return redirect(login_url(view, next_url=next_url or url_for("lms.dashboard.home")))
