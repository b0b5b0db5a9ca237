"""Pages for people without an account: public registration, its manage link, claiming.

Both are public and rate-limited; what a registrant is told never depends on
whose address they typed (see :mod:`lms.enrollment.public`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..auth import operations as auth_operations
from ..auth.links import duration_words
from ..auth.policy import PUBLIC, allow, require
from ..calendar.web_links import session_links
from ..core import acting_person, commit_keeping_values, db_session
from ..models import utcnow
from ..ratelimit import Limit, browser_session_key, hit_all, rate_limited
from . import manage, operations, places, public, queries, rules
from .forms import CancelForm, ClaimAccountForm, PublicRegistrationForm
from .places import EnrollmentError
from .views import refused, session_or_404


def _render_registered(result: public.Registration, typed_name: str):
    # Built from the session and the typed name only: it must read the same whoever
    # the email belongs to (see lms.enrollment.public).
    page = url_for("lms.catalog.session_detail", session_id=result.session.id, _external=True)
    return render_template(
        "lms/enrollment/registered.html",
        session=result.session,
        seated=result.seated,
        name=typed_name,
        web_links=session_links(result.session, page),
    )


def _registration_limits(email: str) -> tuple[Limit, ...]:
    # Per email, so a stranger cannot fill someone's inbox with confirmations; per browser
    # session, so one person can still register a class of people; not per network, since
    # a school's, church's or office's people all arrive from one address. The ceiling per
    # address only stops a machine flooding us with a fresh session each time (the honeypot
    # catches simpler bots); it is far above what one building registers in an hour.
    return (
        Limit("public_registration_email", "5/hour", email),
        Limit("public_registration_browser", "30/hour", browser_session_key()),
        Limit("public_registration_address", "200/hour"),
    )


LIMITED = {
    "public_registration_email": "This email was used for several registrations in the last hour.",
    "public_registration_browser": "This browser sent many registrations in the last hour.",
    "public_registration_address": "Many registrations came from your network in the last hour.",
}


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@allow(PUBLIC)
def register(session_id: int):
    session = session_or_404(session_id, None, places.SEAT_DECISION)
    require(session.is_public, hide=True)
    if acting_person() is not None:
        flash("You are signed in: enroll from this page.", "info")
        return redirect(url_for("lms.catalog.session_detail", session_id=session.id))
    form = PublicRegistrationForm()
    problem = rules.timing_problem(session, utcnow())
    limited, headers = None, {}
    if form.validate_on_submit():
        if form.website.data:
            # A bot filled the hidden field: answer as if it worked, keep nothing.
            result = public.Registration(session, seated=public.seat_free(session))
            return _render_registered(result, form.full_name.data)
        full = hit_all(_registration_limits(form.email.data))
        if full is not None:
            # The form comes back as typed, to send again once the wait is over.
            wait = full.retry_after()
            limited = (
                f"{LIMITED[full.scope]} Wait {_minutes(wait)} and send the form again: "
                "what you typed is kept below."
            )
            headers = {"Retry-After": str(wait)}
        else:
            try:
                result = public.register_public(
                    session.id,
                    full_name=form.full_name.data,
                    email=form.email.data,
                    affiliation=form.organization.data or None,
                )
            except EnrollmentError as exc:
                problem = refused(exc)
            else:
                commit_keeping_values()
                return _render_registered(result, form.full_name.data)
    status = 429 if limited else 400 if request.method == "POST" else 200
    page = render_template(
        "lms/enrollment/register.html", session=session, form=form, problem=problem, limited=limited
    )
    return page, status, headers


def _claim_link_gone():
    # 410, like a used password-reset link: it existed and is gone for good (404: never was).
    return render_template(
        "lms/auth/link_gone.html",
        reset=False,
        valid_for=duration_words(operations.claim_link_lifetime()),
    ), 410


@allow(PUBLIC)
@rate_limited("10/minute", scope="claim_account", methods=("POST",))
def claim(token: str):
    row = operations.find_claim(token)
    if row is None:
        abort(
            404,
            description="There is no such sign-up link. Check that the whole link was copied, "
            "or ask whoever sent it to you for a new one.",
        )
    if not operations.is_claimable(row):
        return _claim_link_gone()
    form = ClaimAccountForm()
    if form.validate_on_submit():
        try:
            person = operations.claim_account(row, form.new_password.data)
        except auth_operations.AccountError as exc:
            form.new_password.errors.append(refused(exc))
        except EnrollmentError:
            db_session().rollback()
            return _claim_link_gone()
        else:
            db_session().commit()
            flash(f"Your password is set. Sign in with {person.email}.", "success")
            return redirect(url_for("lms.auth.sign_in"))
    return render_template("lms/enrollment/claim.html", form=form, person=row.person)


def _manage_link_gone(link):
    # 410 like the other links: it existed and is gone for good (404: never was).
    return render_template("lms/enrollment/manage_gone.html", link=link), 410


#: Cancels sent from one address: a person cancels once; guessing links takes many.
MANAGE_LIMIT = Limit("manage_booking", "10/minute")


@allow(PUBLIC)
def manage_booking(token: str):
    """A public registrant's booking, from the link in their confirmation: see it, cancel it."""
    wait = None  # seconds until this address may send again, once over the limit
    if request.method == "POST" and hit_all([MANAGE_LIMIT]) is not None:
        wait = MANAGE_LIMIT.retry_after()
    link = manage.find_manage_link(token)
    if link is None:
        if wait is not None:  # a guess like any other: counted, and nothing typed to keep
            abort(
                429,
                description=f"Too many requests from your address. Wait {_minutes(wait)} "
                "and try again.",
                retry_after=wait,
            )
        abort(
            404,
            description="There is no such booking link. Check that the whole link was copied "
            "from your confirmation message.",
        )
    if not link.is_live:
        return _manage_link_gone(link)
    limited, headers = None, {}
    if wait is not None:
        limited = (
            f"Too many requests from your address. Wait {_minutes(wait)} and send the form "
            "again: what you typed is kept below."
        )
        headers = {"Retry-After": str(wait)}
    enrollment = link.enrollment
    form = CancelForm()
    if limited is None and form.validate_on_submit():
        try:
            manage.cancel_by_link(link, form.reason.data or None)
        except manage.ManageLinkGone:
            db_session().rollback()
            return _manage_link_gone(link)
        except EnrollmentError as exc:
            flash(refused(exc), "error")
        else:
            db_session().commit()
            return render_template("lms/enrollment/manage.html", enrollment=enrollment, done=True)
    problem = None
    if enrollment.is_active:
        problem = rules.self_cancel_problem(enrollment, utcnow())
    status = 429 if limited else 400 if request.method == "POST" else 200
    return (
        render_template(
            "lms/enrollment/manage.html",
            enrollment=enrollment,
            form=form,
            problem=problem,
            limited=limited,
            position=queries.waitlist_position(enrollment),
            done=False,
        ),
        status,
        headers,
    )
