"""Community groups' pages: their people, the sessions open to them, seats and rosters.

A group coordinator (or staff managing the group) names people for a session,
uploads a roster, holds seats, and makes sign-up links for people without a
login. Thin views over :mod:`lms.enrollment.group_operations`; one commit each.
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for

from ..auth.policy import (
    PUBLIC,
    SIGNED_IN,
    allow,
    can_manage_organization,
    coordinates_session,
    current_person,
    is_staff,
    require,
)
from ..core import db_session
from ..credentials.fonts import unprintable_characters
from ..forms import unprintable_warning
from ..models import CourseSession, Organization, OrganizationKind, utcnow
from ..paging import page_number
from . import group_operations, operations, queries, roster_csv, rules
from .forms import ClaimLinkForm, GroupMemberForm, ReserveSeatsForm, RosterUploadForm
from .places import EnrollmentError
from .sign_up_links import sign_up_links
from .views import Placed, refused, session_or_404


def _group_or_404(organization_id: int) -> Organization:
    viewer = current_person()
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
    session = session_or_404(session_id, current_person())
    require(rules.group_audience_problem(session.course) is None, hide=True)
    return session


@allow(SIGNED_IN)
def groups():
    viewer = current_person()
    mine = queries.managed_groups(viewer)
    if len(mine) == 1 and not is_staff(viewer):
        return redirect(url_for("lms.enrollment.group_home", organization_id=mine[0].id))
    require(bool(mine) or is_staff(viewer))
    return render_template("lms/enrollment/groups.html", groups=mine)


def _render_group_home(
    group: Organization, claim_link=None, claim_person=None, status=200, page: int = 1
):
    people = queries.group_people(group)
    sessions = queries.sessions_open_to_groups_page(page)
    return (
        render_template(
            "lms/enrollment/group_home.html",
            group=group,
            people=people,
            sign_ups=sign_up_links(people),
            sessions=sessions.items,
            listing=sessions,
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
    return _render_group_home(_group_or_404(organization_id), page=page_number())


def _render_group_session(group, session, *, status=200, roster_refusal=None, **forms):
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
                session, utcnow(), staff=coordinates_session(current_person(), session)
            ),
            reserve_form=forms.get("reserve_form")
            or ReserveSeatsForm(seats=count.reserved(group.id)),
            member_form=forms.get("member_form") or GroupMemberForm(formdata=None),
            upload_form=forms.get("upload_form") or RosterUploadForm(formdata=None),
            roster_refusal=roster_refusal,
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
            group_operations.reserve_group_seats(
                session.id, group, current_person(), form.seats.data
            )
        except EnrollmentError as exc:
            form.seats.errors.append(refused(exc))
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
            enrollment = group_operations.add_group_member(
                session.id,
                group,
                current_person(),
                full_name=form.full_name.data,
                email=form.email.data,
                phone=form.phone.data or None,
                job_title=form.job_title.data or None,
            )
        except EnrollmentError as exc:
            getattr(form, exc.field or "full_name").errors.append(refused(exc))
        else:
            placed = Placed.of(enrollment, f"{enrollment.person.full_name} is")
            db_session().commit()
            flash(placed.message(), "success")
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
            enrollments = group_operations.import_group_roster(
                session.id, group, current_person(), upload.read(), upload.filename or ""
            )
        except group_operations.RosterError as exc:
            refused(exc)
            return _render_group_session(
                group, session, upload_form=form, roster_refusal=exc.refusal, status=400
            )
        db_session().commit()
        flash(f"{len(enrollments)} people of {group.name} are enrolled.", "success")
        for enrollment in enrollments:
            name = enrollment.person.full_name
            if missing := unprintable_characters(name):
                flash(unprintable_warning(name, missing), "warning")
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
        token = operations.create_claim_token(person, current_person())
    except EnrollmentError as exc:
        flash(refused(exc), "error")
        return redirect(url_for("lms.enrollment.group_home", organization_id=group.id))
    db_session().commit()
    link = url_for("lms.enrollment.claim", token=token, _external=True)
    # Shown once, in this response only: it is not stored anywhere readable.
    return _render_group_home(group, claim_link=link, claim_person=person)


@allow(PUBLIC)
def roster_template():
    """The blank roster file a group fills in and uploads (nothing in it is private)."""
    return Response(
        roster_csv.roster_template(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=roster-template.csv"},
    )
