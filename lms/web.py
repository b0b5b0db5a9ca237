"""The parent blueprint: templates, static files, CSRF, filters and error pages."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from . import core
from .auth.forms import SignOutForm
from .auth.policy import has_any_role, is_staff
from .formatting import format_local_date, format_local_datetime, format_local_time
from .models import Role
from .resources import static_dir, templates_dir

_csrf = CSRFProtect()

ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    429: "Too many requests",
    500: "Something went wrong",
}


def make_blueprint() -> Blueprint:
    """The ``lms`` blueprint that carries every feature blueprint under one prefix."""
    bp = Blueprint(
        "lms",
        __name__,
        template_folder=str(templates_dir()),
        static_folder=str(static_dir()),
        static_url_path="/static",
    )
    bp.before_request(_protect_from_csrf)
    bp.after_request(_security_headers)
    bp.app_template_filter("local_dt")(format_local_datetime)
    bp.app_template_filter("local_date")(format_local_date)
    bp.app_template_filter("local_time")(format_local_time)
    bp.app_context_processor(_template_context)
    for code in ERROR_TITLES:
        bp.register_error_handler(code, render_error)
    bp.register_error_handler(CSRFError, render_error)
    return bp


def _protect_from_csrf() -> None:
    # Every state-changing request to the LMS must carry the form's CSRF token.
    if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
        _csrf.protect()


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    return response


def _template_context() -> dict:
    person = core.acting_person()
    return {
        "lms_site_name": current_app.config["LMS_SITE_NAME"],
        "lms_department": current_app.config["LMS_DEPARTMENT_NAME"],
        "lms_timezone": current_app.config["LMS_TIMEZONE"],
        "viewer": person,
        "viewer_is_staff": bool(person and is_staff(person)),
        "viewer_is_instructor": bool(person and has_any_role(person, Role.INSTRUCTOR)),
        "viewer_is_group_coordinator": bool(
            person and has_any_role(person, Role.GROUP_COORDINATOR)
        ),
        "sign_out_form": SignOutForm() if person else None,
        "Role": Role,
    }


def render_error(error):
    """A plain error page that names the problem and leaks no internals."""
    if isinstance(error, CSRFError):
        code, reason = 400, "The form expired or was not sent from this site. Reload and try again."
    elif isinstance(error, HTTPException):
        code, reason = error.code or 500, error.description
    else:
        code, reason = 500, None
    if code >= 500:
        reason = "The error was logged. Please try again later."
    title = ERROR_TITLES.get(code, "Error")
    return render_template("lms/error.html", code=code, title=title, reason=reason), code
