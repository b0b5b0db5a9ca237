"""Sign in, sign out and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for

from .. import panels
from ..core import acting_person, db_session
from ..ratelimit import allowed, client_address, hit, retry_after
from . import operations
from .forms import ChangePasswordForm, SignInForm, SignOutForm
from .policy import PUBLIC, SIGNED_IN, allow, current_person

GENERIC_FAILURE = "That email and password do not match an active account."
TOO_MANY_ATTEMPTS = "Too many sign-in attempts for this account. Wait a minute and try again."
TOO_MANY_FAILURES = "Too many failed sign-ins from your address. Wait a minute and try again."
# Per address and account: slows password guessing without locking the owner out.
SIGN_IN_LIMIT = "10/minute"
# Per address across accounts: a password or two on every account is guessing too. Only
# failures count, so an office behind one address is not held up by its own sign-ins.
FAILED_SIGN_IN_LIMIT = "20/minute"


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
