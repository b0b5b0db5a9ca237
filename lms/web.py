"""The parent blueprint: templates, static files, CSRF, filters and error pages."""

from __future__ import annotations

import contextlib

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    make_response,
    render_template,
    request,
)
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.exceptions import HTTPException

from . import core
from .auth.policy import PUBLIC, access_of, allow, has_any_role, is_staff
from .formatting import (
    format_local_date,
    format_local_datetime,
    format_local_time,
    format_session_name,
)
from .forms import error_links
from .models import Role
from .resources import static_dir, templates_dir
from .tables import stacked

_csrf = CSRFProtect()

ERROR_TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    422: "Cannot be done",
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
    bp.after_request(security_headers)
    bp.app_template_filter("local_dt")(format_local_datetime)
    bp.app_template_filter("local_date")(format_local_date)
    bp.app_template_filter("local_time")(format_local_time)
    bp.app_template_filter("stacked")(stacked)
    bp.app_template_filter("session_name")(format_session_name)
    bp.add_app_template_global(error_links, "lms_error_links")  # for macros.error_summary
    # Scoped to the LMS's own pages: a host's templates never see these names.
    bp.context_processor(_template_context)
    for code in ERROR_TITLES:
        bp.register_error_handler(code, render_error)
    bp.register_error_handler(CSRFError, render_error)
    return bp


def declare_static_access(app: Flask) -> None:
    """Static files (stylesheets) are public; say so, as every other LMS route does."""
    for endpoint, view in list(app.view_functions.items()):
        static = endpoint.startswith("lms.") and endpoint.endswith(".static")
        if static and access_of(view) is None:
            app.view_functions[endpoint] = allow(PUBLIC)(view)


def check_every_route_declares_access(app: Flask) -> None:
    """Refuse to start when an LMS route has no access declared (see ``policy.allow``)."""
    missing = sorted(
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("lms.") and access_of(app.view_functions[rule.endpoint]) is None
    )
    if missing:
        raise RuntimeError(
            "these LMS routes declare no access; wrap each view in "
            "lms.auth.policy.allow(...): " + ", ".join(missing)
        )


def _protect_from_csrf() -> None:
    # Every state-changing request to the LMS must carry the form's CSRF token, but for
    # a view marked ``lms_csrf_exempt`` whose URL holds its own proof (a signed token).
    if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "lms_csrf_exempt", False):
            _csrf.protect()


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    ),
}


def security_headers(response: Response) -> Response:
    """The headers every LMS response carries; pages are never stored by any cache.

    A page may show a secret (a claim link, a private feed address) or a
    person's records, so HTML is ``no-store``. Responses that set their own
    caching (calendar feeds with ETags, static files) keep it.
    """
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def secure_unrouted_answers(app: Flask, url_prefix: str) -> None:
    """Give the security headers to answers under the LMS's prefix that no LMS view made.

    Werkzeug's routing answers some URLs itself (``/training/groups//`` is redirected
    to ``/training/groups/``), and Flask sends such a redirect past every error
    handler and blueprint hook. This app-wide hook touches only those answers, for
    paths under the prefix: the host's own pages are left as they are.
    """
    if not url_prefix:  # mounted at the root: every unrouted path is the host's too
        return

    def headers_on_unrouted_answer(response: Response) -> Response:
        path = request.path
        if request.url_rule is None and (path == url_prefix or path.startswith(url_prefix + "/")):
            security_headers(response)
        return response

    app.after_request(headers_on_unrouted_answer)


def _template_context() -> dict:
    # An error page after a failed transaction must not query: no viewer then.
    person = None if g.get("lms_error_page") else core.acting_person()
    return {
        "lms_site_name": current_app.config["LMS_SITE_NAME"],
        "lms_department": (
            current_app.config["LMS_DEPARTMENT_NAME"]
            if g.get("lms_error_page")
            else core.department_name()
        ),
        "lms_timezone": current_app.config["LMS_TIMEZONE"],
        "viewer": person,
        "viewer_is_staff": bool(person and is_staff(person)),
        "viewer_is_instructor": bool(person and has_any_role(person, Role.INSTRUCTOR)),
        "viewer_is_group_coordinator": bool(
            person and has_any_role(person, Role.GROUP_COORDINATOR)
        ),
        # The sign-out form is a button and its token: the token alone, not a form object
        # built on every page (``lms.auth.views.sign_out`` checks it with SignOutForm).
        "sign_out_csrf_token": generate_csrf if person else None,
        "Role": Role,
    }


def render_error(error) -> Response:
    """A plain error page that names the problem, leaks no internals and never fails.

    It keeps the headers the error carries (``Allow`` on 405, ``Retry-After`` on
    429). A server error may come from a failed database transaction: the
    session is rolled back and the page shows no signed-in person, so rendering
    it reads nothing from the database.
    """
    if isinstance(error, CSRFError):
        code, reason = 400, "The form expired or was not sent from this site. Reload and try again."
    elif isinstance(error, HTTPException):
        code, reason = error.code or 500, error.description
    else:
        code, reason = 500, None
    if code >= 500:
        reason = "The error was logged. Please try again later."
        g.lms_error_page = True
        with contextlib.suppress(Exception):
            core.db_session().rollback()
    title = ERROR_TITLES.get(code, "Error")
    try:
        body = render_template(
            "lms/error.html", code=code, title=title, reason=reason, **_template_context()
        )
    except Exception:  # the page itself failed (a database that is down): plain text
        current_app.logger.exception("the error page could not be rendered")
        body = f"<!doctype html><title>{code} {title}</title><h1>{title}</h1>"
    response = make_response(body, code)
    if isinstance(error, HTTPException):
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    return security_headers(response)
