"""Sign in, sign out, the account page, and a way back in after a forgotten password."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from .. import panels
from ..core import acting_person, db_session
from ..models import TokenPurpose
from ..ratelimit import allowed, client_address, hit, rate_limited, retry_after
from . import links, operations
from .forms import ChangePasswordForm, ForgotPasswordForm, NewPasswordForm, SignInForm, SignOutForm
from .policy import PUBLIC, SIGNED_IN, allow, current_person

GENERIC_FAILURE = "That email and password do not match an active account."
TOO_MANY_ATTEMPTS = "Too many sign-in attempts for this account. Wait a minute and try again."
TOO_MANY_FAILURES = "Too many failed sign-ins from your address. Wait a minute and try again."
# Per address and account: slows password guessing without locking the owner out.
SIGN_IN_LIMIT = "10/minute"
# Per address across accounts: a password or two on every account is guessing too. Only
# failures count, so an office behind one address is not held up by its own sign-ins.
FAILED_SIGN_IN_LIMIT = "20/minute"
# Asking for a reset link, per address and per account: every request counts (each
# may send a message). Five an hour per email also keeps a mailbox from being flooded.
RESET_REQUEST_LIMIT = "10/minute"
RESET_EMAIL_LIMIT = "5/hour"
TOO_MANY_RESET_REQUESTS = "Too many requests for a reset link. Wait a while and try again."
UNKNOWN_RESET_LINK = (
    "There is no such password-reset link. Check that the whole link was copied from the "
    "message, or ask for a new one from the sign-in page."
)


#: The longest query string a sign-in link carries back in its ``next`` (characters):
#: a page's own filters are far shorter; past this, ``next`` keeps only the path.
NEXT_QUERY_LIMIT = 2000


def sign_in_first():
    """Flask-Login's answer to someone who must sign in first (``unauthorized_handler``):
    the sign-in page, with a ``next`` that brings them back.

    As Flask-Login's own, but ``next`` is the path and query of the page (not the
    whole URL, whose scheme and host it would drop anyway), and a query string longer
    than :data:`NEXT_QUERY_LIMIT` is left out: a link of megabytes would make a
    ``Location`` header no browser or proxy takes, and cost the server a
    percent-decoding of the whole query.
    """
    manager = current_app.login_manager
    if manager.login_message:
        flash(manager.login_message, manager.login_message_category)
    query = request.query_string
    target = request.script_root + request.path
    if query and len(query) <= NEXT_QUERY_LIMIT:
        target = f"{target}?{query.decode('utf-8', 'replace')}"
    return redirect(url_for(manager.login_view, next=target))


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths may be redirected to after sign-in."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "\\" not in target:
            return target
    return url_for("lms.dashboard.home")


@allow(PUBLIC)
def sign_in():
    if acting_person() is not None:
        return redirect(url_for("lms.dashboard.home"))
    form = SignInForm()
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        address = client_address()
        attempt_key = f"{address}|{operations.normalize_email(form.email.data)}"
        if not allowed("sign_in_failures", FAILED_SIGN_IN_LIMIT, key=address):
            error, status = TOO_MANY_FAILURES, 429
            headers["Retry-After"] = str(
                retry_after("sign_in_failures", FAILED_SIGN_IN_LIMIT, address)
            )
        elif not hit("sign_in", SIGN_IN_LIMIT, key=attempt_key):
            error, status = TOO_MANY_ATTEMPTS, 429
            headers["Retry-After"] = str(retry_after("sign_in", SIGN_IN_LIMIT, attempt_key))
        else:
            person = operations.authenticate(form.email.data, form.password.data)
            if person is None:
                hit("sign_in_failures", FAILED_SIGN_IN_LIMIT, key=address)
                error = GENERIC_FAILURE
            else:
                operations.start_login_session(person)
                db_session().commit()
                return redirect(_safe_next(request.args.get("next")))
    return render_template("lms/auth/sign_in.html", form=form, error=error), status, headers


@allow(SIGNED_IN)
def sign_out():
    form = SignOutForm()
    if form.validate_on_submit():
        operations.end_login_session(current_person())
        db_session().commit()
        flash("You are signed out.", "info")
    return redirect(url_for("lms.auth.sign_in"))


@allow(SIGNED_IN)
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.change_password(
                current_person(),
                form.current_password.data,
                form.new_password.data,
            )
        except operations.AccountError as exc:
            db_session().rollback()
            field = getattr(form, exc.field or "new_password", form.new_password)
            field.errors = [*field.errors, str(exc)]
        else:
            db_session().commit()
            flash("Your password is changed. Every other sign-in has ended.", "success")
            return redirect(url_for("lms.auth.account"))
    return render_template(
        "lms/auth/account.html",
        form=form,
        panels=panels.account_page.render(current_person()),
    )


# --- a forgotten password ---------------------------------------------------------------------


@allow(PUBLIC)
def forgot_password():
    if acting_person() is not None:
        flash("You are signed in: change your password here.", "info")
        return redirect(url_for("lms.auth.account"))
    started = time.monotonic()
    form = ForgotPasswordForm()
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        address = client_address()
        email = operations.normalize_email(form.email.data)
        if not hit("password_reset_request", RESET_REQUEST_LIMIT, key=address):
            limited = ("password_reset_request", RESET_REQUEST_LIMIT, address)
        elif not hit("password_reset_email", RESET_EMAIL_LIMIT, key=email):
            limited = ("password_reset_email", RESET_EMAIL_LIMIT, email)
        else:
            limited = None
        if limited is not None:
            error, status = TOO_MANY_RESET_REQUESTS, 429
            headers["Retry-After"] = str(retry_after(*limited))
        else:
            # The same page whether or not an account has this address: only the
            # typed address is in it. Nor does its time tell: no path hashes a
            # password, and the answer waits out the writing of a link.
            links.request_password_reset(email)
            db_session().commit()
            floor = current_app.config["LMS_PASSWORD_RESET_ANSWER_MS"] / 1000
            time.sleep(max(0.0, started + floor - time.monotonic()))
            return render_template(
                "lms/auth/reset_requested.html",
                email=email,
                valid_for=links.duration_words(links.reset_lifetime()),
            )
    elif form.is_submitted():
        status = 400
    return (
        render_template("lms/auth/forgot_password.html", form=form, error=error),
        status,
        headers,
    )


def _reset_link_gone():
    # 410: the link existed and is gone for good, unlike a link that never was (404).
    return render_template(
        "lms/auth/link_gone.html",
        reset=True,
        valid_for=links.duration_words(links.reset_lifetime()),
    ), 410


@allow(PUBLIC)
@rate_limited("10/minute", scope="reset_password", methods=("POST",))
def reset_password(token: str):
    row = links.find_link(token, TokenPurpose.RESET_PASSWORD)
    if row is None:
        abort(404, description=UNKNOWN_RESET_LINK)
    if not row.is_live:
        return _reset_link_gone()
    form = NewPasswordForm()
    if form.validate_on_submit():
        viewer = acting_person()
        if viewer is not None and viewer.id != row.person_id:
            operations.end_login_session(viewer)  # this browser is about to be theirs
        try:
            person = links.reset_password(row, form.new_password.data)
        except links.LinkGone:
            db_session().rollback()
            return _reset_link_gone()
        except operations.AccountError as exc:
            db_session().rollback()
            form.new_password.errors = [*form.new_password.errors, str(exc)]
        else:
            db_session().commit()
            flash(
                f"Your new password is set and you are signed in as {person.email}. "
                "Every other sign-in has ended.",
                "success",
            )
            return redirect(url_for("lms.dashboard.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("lms/auth/reset_password.html", form=form, person=row.person), status
