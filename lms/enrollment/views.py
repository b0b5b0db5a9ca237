"""Enrolling: self-enrollment, coordinators' rosters, community groups, public registration.

Views are thin: they parse the form, ask :mod:`lms.auth.policy` who may do it,
call an operation (which locks, checks, writes and audits) and commit once.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..auth import operations as auth_operations
from ..auth.links import duration_words
from ..auth.policy import (
    PUBLIC,
    SIGNED_IN,
    STAFF,
    allow,
    can_manage_organization,
    cancel_mode,
    coordinates_session,
    current_person,
    is_session_staff,
    is_staff,
    require,
)
from ..catalog.queries import session_by_id
from ..core import acting_person, db_session
from ..models import (
    CourseSession,
    Enrollment,
    Organization,
    OrganizationKind,
    Person,
    utcnow,
)
from ..ratelimit import hit, rate_limited
from . import operations, public, queries, rules
from .forms import (
    CancelForm,
    ClaimAccountForm,
    ClaimLinkForm,
    CoordinatorEnrollForm,
    EnrollForm,
    GroupMemberForm,
    PublicRegistrationForm,
    ReserveSeatsForm,
    RosterUploadForm,
    SeatCapForm,
    StaffCancelForm,
    select_choices,
)

SOURCE_LABELS = {
    "self": "Themselves",
    "group": "Their group",
    "public": "Public registration",
    "coordinator": "A coordinator",
}


def _viewer() -> Person:
    return current_person()


def _session_or_404(session_id: int, viewer: Person | None) -> CourseSession:
    session = session_by_id(session_id, viewer)
    if session is None:
        abort(404)
    return session


def _placed_message(enrollment: Enrollment, who: str = "You are") -> str:
    title = enrollment.session.course.title
    if enrollment.is_waitlisted:
        position = queries.waitlist_position(enrollment)
        return f"The session is full: {who} #{position} on the waitlist for {title}."
    return f"{who} enrolled in {title}."


def _fail(exc: operations.EnrollmentError) -> str:
    """Undo the refused request's transaction (and its lock) before answering."""
    db_session().rollback()
    return str(exc)


# --- self-service --------------------------------------------------------------------


@allow(SIGNED_IN)
def enroll(session_id: int):
    viewer = _viewer()
    session = _session_or_404(session_id, viewer)
    if EnrollForm().validate_on_submit():
        try:
            enrollment = operations.enroll_self(session.id, viewer)
        except operations.EnrollmentError as exc:
            flash(_fail(exc), "error")
        else:
            db_session().commit()
            flash(_placed_message(enrollment), "success")
    return redirect(url_for("lms.catalog.session_detail", session_id=session.id))


@allow(SIGNED_IN)
def my_enrollments():
    viewer = _viewer()
    now = utcnow()
    rows = queries.enrollments_of(viewer)
    return render_template(
        "lms/enrollment/mine.html",
        rows=rows,
        cancel_problems={
            r.enrollment.id: rules.self_cancel_problem(r.enrollment, now) for r in rows
        },
        now=now,
    )


def _after_cancel_url(mode: str, enrollment: Enrollment) -> str:
    if mode == "staff" and enrollment.person_id != current_person().id:
        return url_for("lms.enrollment.session_enrollments", session_id=enrollment.session_id)
    if mode == "group":
        return url_for(
            "lms.enrollment.group_session",
            organization_id=enrollment.organization_id,
            session_id=enrollment.session_id,
        )
    return url_for("lms.enrollment.my_enrollments")


@allow(SIGNED_IN)
def cancel(enrollment_id: int):
    viewer = _viewer()
    enrollment = queries.enrollment_by_id(enrollment_id)
    mode = cancel_mode(viewer, enrollment) if enrollment is not None else None
    require(mode is not None, hide=True)
    own = enrollment.person_id == viewer.id
    form = StaffCancelForm() if mode == "staff" and not own else CancelForm()
    enforce_cutoff = mode != "staff"
    check = rules.self_cancel_problem if enforce_cutoff else rules.staff_cancel_problem
    problem = check(enrollment, utcnow())
    if form.validate_on_submit():
        try:
            operations.cancel_enrollment(
                enrollment.id, viewer, form.reason.data or None, enforce_cutoff=enforce_cutoff
            )
        except operations.EnrollmentError as exc:
            problem = _fail(exc)
        else:
            db_session().commit()
            who = "Your place" if own else f"{enrollment.person.full_name}'s place"
            flash(f"{who} in {enrollment.session.course.title} is cancelled.", "success")
            return redirect(_after_cancel_url(mode, enrollment))
    return render_template(
        "lms/enrollment/cancel.html",
        enrollment=enrollment,
        form=form,
        problem=problem,
        own=own,
        back_url=_after_cancel_url(mode, enrollment),
    )


# --- training coordinators -----------------------------------------------------------


def _managed_session(session_id: int) -> tuple[Person, CourseSession]:
    viewer = _viewer()
    session = _session_or_404(session_id, viewer)
    require(is_session_staff(viewer, session))
    return viewer, session


def _render_session_enrollments(session, viewer, enroll_form=None, cap_form=None, status=200):
    staff = coordinates_session(viewer, session)
    if staff and cap_form is None:
        cap_form = SeatCapForm()
    if cap_form is not None:
        cap_form.organization_id.choices = select_choices(
            (o.id, o.name) for o in queries.organizations_for_caps()
        )
    count = queries.count_seats(session)
    roster = queries.session_roster(session)
    return (
        render_template(
            "lms/enrollment/session_enrollments.html",
            session=session,
            roster=roster,
            cancellers=queries.people_by_id(e.cancelled_by_id for e in roster.cancelled),
            source_labels=SOURCE_LABELS,
            count=count,
            allocations=sorted(count.allocations.values(), key=lambda a: a.organization.name),
            enroll_form=(enroll_form or CoordinatorEnrollForm()) if staff else None,
            cap_form=cap_form,
            staff=staff,
        ),
        status,
    )


@allow(SIGNED_IN)
def session_enrollments(session_id: int):
    viewer, session = _managed_session(session_id)
    return _render_session_enrollments(session, viewer)


@allow(STAFF)
def coordinator_enroll(session_id: int):
    viewer, session = _managed_session(session_id)
    require(coordinates_session(viewer, session))
    form = CoordinatorEnrollForm()
    if form.validate_on_submit():
        person = queries.person_by_email(form.email.data)
        if person is None or not can_manage_organization(viewer, person.organization_id):
            form.email.errors.append("No one with that email among the people you manage.")
        else:
            try:
                enrollment = operations.enroll_by_coordinator(
                    session.id,
                    person,
                    viewer,
                    over_enrollment_reason=form.over_enrollment_reason.data or None,
                    prerequisite_override_reason=form.prerequisite_override_reason.data or None,
                )
            except operations.EnrollmentError as exc:
                message = _fail(exc)
                getattr(form, exc.field or "email").errors.append(message)
            else:
                db_session().commit()
                flash(_placed_message(enrollment, f"{person.full_name} is"), "success")
                return redirect(
                    url_for("lms.enrollment.session_enrollments", session_id=session.id)
                )
    return _render_session_enrollments(session, viewer, enroll_form=form, status=400)


@allow(STAFF)
def set_seat_cap(session_id: int):
    viewer, session = _managed_session(session_id)
    require(coordinates_session(viewer, session))
    form = SeatCapForm()
    form.organization_id.choices = select_choices(
        (o.id, o.name) for o in queries.organizations_for_caps()
    )
    if form.validate_on_submit():
        organization = db_session().get(Organization, form.organization_id.data)
        try:
            operations.set_seat_cap(session.id, organization, viewer, form.seat_cap.data)
        except operations.EnrollmentError as exc:
            form.seat_cap.errors.append(_fail(exc))
        else:
            db_session().commit()
            cap = form.seat_cap.data
            flash(
                f"{organization.name} may hold at most {cap} seats in this session."
                if cap is not None
                else f"{organization.name} has no cap of its own in this session.",
                "success",
            )
            return redirect(url_for("lms.enrollment.session_enrollments", session_id=session.id))
    return _render_session_enrollments(session, viewer, cap_form=form, status=400)


# --- community groups ---------------------------------------------------------------------


def _group_or_404(organization_id: int) -> Organization:
    viewer = _viewer()
    group = db_session().get(Organization, organization_id)
    require(
        group is not None
        and group.kind is OrganizationKind.COMMUNITY_GROUP
        and group.slug != rules.PUBLIC_REGISTRANTS_SLUG
        and can_manage_organization(viewer, group),
        hide=True,
    )
    return group


def _group_session_or_404(group: Organization, session_id: int) -> CourseSession:
    session = _session_or_404(session_id, _viewer())
    require(rules.group_audience_problem(session.course) is None, hide=True)
    return session


@allow(SIGNED_IN)
def groups():
    viewer = _viewer()
    mine = queries.managed_groups(viewer)
    if len(mine) == 1 and not is_staff(viewer):
        return redirect(url_for("lms.enrollment.group_home", organization_id=mine[0].id))
    require(bool(mine) or is_staff(viewer))
    return render_template("lms/enrollment/groups.html", groups=mine)


def _render_group_home(group: Organization, claim_link=None, claim_person=None, status=200):
    return (
        render_template(
            "lms/enrollment/group_home.html",
            group=group,
            people=queries.group_people(group),
            sessions=queries.sessions_open_to_groups(),
            footprints=queries.group_footprints(group),
            claim_form=ClaimLinkForm(),
            claim_link=claim_link,
            claim_person=claim_person,
            claim_days=operations.claim_link_lifetime().days,
        ),
        status,
    )


@allow(SIGNED_IN)
def group_home(organization_id: int):
    return _render_group_home(_group_or_404(organization_id))


def _render_group_session(group, session, *, status=200, roster_problems=None, **forms):
    count = queries.count_seats(session)
    return (
        render_template(
            "lms/enrollment/group_session.html",
            group=group,
            session=session,
            count=count,
            cap=count.cap_for(group),
            available=count.available_to(group),
            roster=queries.session_roster(session, organization_id=group.id),
            problem=rules.timing_problem(
                session, utcnow(), staff=coordinates_session(_viewer(), session)
            ),
            reserve_form=forms.get("reserve_form")
            or ReserveSeatsForm(seats=count.reserved(group.id)),
            member_form=forms.get("member_form") or GroupMemberForm(formdata=None),
            upload_form=forms.get("upload_form") or RosterUploadForm(formdata=None),
            roster_problems=roster_problems,
        ),
        status,
    )


@allow(SIGNED_IN)
def group_session(organization_id: int, session_id: int):
    group = _group_or_404(organization_id)
    return _render_group_session(group, _group_session_or_404(group, session_id))


def _back_to_group_session(group, session):
    return redirect(
        url_for("lms.enrollment.group_session", organization_id=group.id, session_id=session.id)
    )


@allow(SIGNED_IN)
def reserve_seats(organization_id: int, session_id: int):
    group = _group_or_404(organization_id)
    session = _group_session_or_404(group, session_id)
    form = ReserveSeatsForm()
    if form.validate_on_submit():
        try:
            operations.reserve_group_seats(session.id, group, _viewer(), form.seats.data)
        except operations.EnrollmentError as exc:
            form.seats.errors.append(_fail(exc))
        else:
            db_session().commit()
            flash(f"{form.seats.data} seats are held for {group.name}.", "success")
            return _back_to_group_session(group, session)
    return _render_group_session(group, session, reserve_form=form, status=400)


@allow(SIGNED_IN)
def add_group_member(organization_id: int, session_id: int):
    group = _group_or_404(organization_id)
    session = _group_session_or_404(group, session_id)
    form = GroupMemberForm()
    if form.validate_on_submit():
        try:
            enrollment = operations.add_group_member(
                session.id,
                group,
                _viewer(),
                full_name=form.full_name.data,
                email=form.email.data,
                phone=form.phone.data or None,
                job_title=form.job_title.data or None,
            )
        except operations.EnrollmentError as exc:
            getattr(form, exc.field or "full_name").errors.append(_fail(exc))
        else:
            db_session().commit()
            flash(_placed_message(enrollment, f"{enrollment.person.full_name} is"), "success")
            return _back_to_group_session(group, session)
    return _render_group_session(group, session, member_form=form, status=400)


@allow(SIGNED_IN)
def upload_roster(organization_id: int, session_id: int):
    group = _group_or_404(organization_id)
    session = _group_session_or_404(group, session_id)
    form = RosterUploadForm()
    if form.validate_on_submit():
        upload = form.roster.data
        try:
            enrollments = operations.import_group_roster(
                session.id, group, _viewer(), upload.read(), upload.filename or ""
            )
        except operations.RosterError as exc:
            _fail(exc)
            return _render_group_session(
                group, session, upload_form=form, roster_problems=exc.problems, status=400
            )
        db_session().commit()
        flash(f"{len(enrollments)} people of {group.name} are enrolled.", "success")
        return _back_to_group_session(group, session)
    return _render_group_session(group, session, upload_form=form, status=400)


@allow(SIGNED_IN)
def claim_link(organization_id: int, person_id: int):
    group = _group_or_404(organization_id)
    person = queries.group_person(group, person_id)
    require(person is not None, hide=True)
    if not ClaimLinkForm().validate_on_submit():
        return redirect(url_for("lms.enrollment.group_home", organization_id=group.id))
    try:
        token = operations.create_claim_token(person, _viewer())
    except operations.EnrollmentError as exc:
        flash(_fail(exc), "error")
        return redirect(url_for("lms.enrollment.group_home", organization_id=group.id))
    db_session().commit()
    link = url_for("lms.enrollment.claim", token=token, _external=True)
    # Shown once, in this response only: it is not stored anywhere readable.
    return _render_group_home(group, claim_link=link, claim_person=person)


# --- people without an account ---------------------------------------------------------------


def _render_registered(result: public.Registration, typed_name: str):
    # Built from the session and the typed name only: it must read the same whoever
    # the email belongs to (see lms.enrollment.public).
    return render_template(
        "lms/enrollment/registered.html",
        session=result.session,
        seated=result.seated,
        name=typed_name,
    )


@allow(PUBLIC)
@rate_limited("5/minute", scope="public_registration", methods=("POST",))
def register(session_id: int):
    session = _session_or_404(session_id, None)
    require(session.is_public, hide=True)
    if acting_person() is not None:
        flash("You are signed in: enroll from this page.", "info")
        return redirect(url_for("lms.catalog.session_detail", session_id=session.id))
    form = PublicRegistrationForm()
    problem = rules.timing_problem(session, utcnow())
    if form.validate_on_submit():
        if form.website.data:
            # A bot filled the hidden field: answer as if it worked, keep nothing.
            result = public.Registration(session, seated=public.seat_free(session))
            return _render_registered(result, form.full_name.data)
        if not hit("public_registration_email", "5/hour", key=form.email.data):
            abort(429, description="Too many registrations for this email. Try again later.")
        try:
            result = public.register_public(
                session.id,
                full_name=form.full_name.data,
                email=form.email.data,
                affiliation=form.organization.data,
            )
        except operations.EnrollmentError as exc:
            problem = _fail(exc)
        else:
            db_session().commit()
            return _render_registered(result, form.full_name.data)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "lms/enrollment/register.html", session=session, form=form, problem=problem
    ), status


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
            "or ask whoever sent it for a new one.",
        )
    if not operations.is_claimable(row):
        return _claim_link_gone()
    form = ClaimAccountForm()
    if form.validate_on_submit():
        try:
            person = operations.claim_account(row, form.new_password.data)
        except auth_operations.AccountError as exc:
            form.new_password.errors.append(_fail(exc))
        except operations.EnrollmentError:
            db_session().rollback()
            return _claim_link_gone()
        else:
            db_session().commit()
            flash(f"Your password is set. Sign in with {person.email}.", "success")
            return redirect(url_for("lms.auth.sign_in"))
    return render_template("lms/enrollment/claim.html", form=form, person=row.person)
