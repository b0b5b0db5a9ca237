"""People pages for administrators and training coordinators (within their scope).

The directory and a page per person: details, roles, account, invitation and
certification status. Coordinators see the people of the organizations they
coordinate and change those who hold nothing beyond that scope (see
:func:`lms.auth.policy.can_manage_person`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..auth.links import duration_words, reset_lifetime
from ..auth.operations import AccountError
from ..auth.policy import (
    STAFF,
    allow,
    can_grant_role,
    can_manage_person,
    coordinated_organization_ids,
    coordinates,
    current_person,
    require,
)
from ..compliance.queries import organizations, state_choices
from ..core import db_session, local_today
from ..models import Organization, Person, Role
from ..status import queries as status_queries
from ..status.forms import choices
from ..status.overview import person_overview
from ..status.queries import CertificationState
from . import operations, queries
from .directory import Activity, DirectoryFilters, Sort, directory_page, role_label
from .forms import (
    AccountStatusForm,
    DirectoryForm,
    GrantRoleForm,
    InvitationForm,
    PersonForm,
    RemoveRoleForm,
)


def _visible_person(person_id: int) -> tuple[Person, Person]:
    """The viewer and the person, who must belong to an organization the viewer coordinates."""
    viewer = current_person()
    person = queries.person_by_id(person_id)
    require(person is not None and coordinates(viewer, person.organization_id), hide=True)
    return viewer, person


def _managed_person(person_id: int) -> tuple[Person, Person]:
    viewer, person = _visible_person(person_id)
    require(can_manage_person(viewer, person))
    return viewer, person


def _name(organization: Organization | None) -> str | None:
    return organization.name if organization else None


def _scope_organizations(viewer: Person) -> list[Organization]:
    return organizations(coordinated_organization_ids(viewer))


def _grant_form(viewer: Person, formdata=None) -> GrantRoleForm:
    form = GrantRoleForm(formdata=formdata, prefix="grant")
    roles = [r for r in Role if r is not Role.ADMIN or can_grant_role(viewer, r, None)]
    form.role.choices = choices([("", "Choose a role")] + [(r.value, r.label) for r in roles])
    unscoped = [("", "The person's organization, or all (administrator, coordinator)")]
    form.organization.choices = choices(
        (unscoped if viewer.is_admin else [("", "The person's organization")])
        + [(o.id, o.name) for o in _scope_organizations(viewer)]
    )
    return form


def _remove_form(person: Person, formdata=None) -> RemoveRoleForm:
    form = RemoveRoleForm(formdata=formdata, prefix="remove")
    form.grant.choices = choices(
        (g.id, role_label(g.role, _name(g.organization))) for g in person.roles
    )
    return form


def _page(viewer: Person, person: Person, status: int = 200, **forms):
    forms.setdefault("status_form", AccountStatusForm(formdata=None))
    forms.setdefault("grant_form", _grant_form(viewer))
    forms.setdefault("remove_form", _remove_form(person))
    forms.setdefault("invite_form", InvitationForm(formdata=None))
    return (
        render_template(
            "lms/people/person.html",
            person=person,
            can_manage=can_manage_person(viewer, person),
            roles=[role_label(g.role, _name(g.organization)) for g in person.roles],
            last_deactivation=queries.last_deactivation(person),
            overview=person_overview(person),
            enrollments=queries.recent_enrollments(person),
            today=local_today(),
            reset_valid_for=duration_words(reset_lifetime()),
            **forms,
        ),
        status,
    )


@allow(STAFF)
def person_page(person_id: int):
    viewer, person = _visible_person(person_id)
    return _page(viewer, person)


def _field_error(form, exc: AccountError) -> None:
    field = form[exc.field] if exc.field and exc.field in form else None
    target = field if field is not None else next(iter(f for f in form if f.name != "csrf_token"))
    target.errors = [*target.errors, str(exc)]


def _change_status(person_id: int, change, done: str):
    viewer, person = _managed_person(person_id)
    form = AccountStatusForm()
    if form.validate_on_submit():
        try:
            change(person, reason=form.reason.data, actor=viewer)
        except AccountError as exc:
            db_session().rollback()
            form.reason.errors = [*form.reason.errors, str(exc)]
        else:
            db_session().commit()
            flash(f"{person.full_name} {done}.", "success")
            return redirect(url_for("lms.people.person", person_id=person.id))
    return _page(viewer, person, status=400, status_form=form)


@allow(STAFF)
def deactivate(person_id: int):
    return _change_status(person_id, operations.deactivate_person, "is deactivated")


@allow(STAFF)
def reactivate(person_id: int):
    return _change_status(person_id, operations.reactivate_person, "is active again")


@allow(STAFF)
def grant_role(person_id: int):
    viewer, person = _managed_person(person_id)
    form = _grant_form(viewer, request.form)
    if form.validate_on_submit():
        role = Role(form.role.data)
        organization = (
            db_session().get(Organization, int(form.organization.data))
            if form.organization.data
            else None
        )
        # No scope chosen: the person's organization, except for the two roles an
        # administrator may grant unscoped (administrator; coordinator of everything).
        unscoped = role is Role.ADMIN or (role is Role.COORDINATOR and viewer.is_admin)
        if organization is None and not unscoped:
            organization = person.organization
        require(can_grant_role(viewer, role, organization.id if organization else None))
        try:
            operations.grant_role(person, role, organization, reason=form.reason.data, actor=viewer)
        except AccountError as exc:
            db_session().rollback()
            _field_error(form, exc)
        else:
            db_session().commit()
            flash(f"{person.full_name} is now {role_label(role, _name(organization))}.", "success")
            return redirect(url_for("lms.people.person", person_id=person.id) + "#roles")
    return _page(viewer, person, status=400, grant_form=form)


@allow(STAFF)
def remove_role(person_id: int):
    viewer, person = _managed_person(person_id)
    form = _remove_form(person, request.form)
    if form.validate_on_submit():
        grant = next(g for g in person.roles if g.id == form.grant.data)
        require(can_grant_role(viewer, grant.role, grant.organization_id))
        label = role_label(grant.role, _name(grant.organization))
        try:
            operations.remove_role(person, grant, reason=form.reason.data, actor=viewer)
        except AccountError as exc:
            db_session().rollback()
            _field_error(form, exc)
        else:
            db_session().commit()
            flash(f"{person.full_name} is no longer {label}.", "success")
            return redirect(url_for("lms.people.person", person_id=person.id) + "#roles")
    return _page(viewer, person, status=400, remove_form=form)


@allow(STAFF)
def invite(person_id: int):
    viewer, person = _managed_person(person_id)
    form = InvitationForm()
    if not form.validate_on_submit():
        return _page(viewer, person, status=400)
    try:
        link = operations.invite_person(person, actor=viewer)
    except AccountError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("lms.people.person", person_id=person.id))
    db_session().commit()
    # Shown once, in this response only: only the token's hash is stored.
    return _page(viewer, person, link=link, link_valid_for=duration_words(link.valid_for))


# --- creating and editing ----------------------------------------------------------------


def _person_form(viewer: Person, person: Person | None = None) -> PersonForm:
    form = PersonForm(obj=person) if request.method == "GET" else PersonForm()
    form.organization.choices = choices((o.id, o.name) for o in _scope_organizations(viewer))
    if request.method == "GET" and person is not None:
        form.organization.data = person.organization_id
    return form


def _details(form: PersonForm) -> dict:
    return {name: form[name].data for name in operations.DETAIL_FIELDS if name in form} | {
        "organization_id": form.organization.data
    }


def _render_form(form: PersonForm, person: Person | None, status: int = 200):
    return render_template("lms/people/form.html", form=form, person=person), status


@allow(STAFF)
def new_person():
    viewer = current_person()
    form = _person_form(viewer)
    if not form.validate_on_submit():
        return _render_form(form, None, 400 if form.is_submitted() else 200)
    require(coordinates(viewer, form.organization.data))
    try:
        person = operations.create_person(_details(form), actor=viewer)
    except AccountError as exc:
        db_session().rollback()
        _field_error(form, exc)
        return _render_form(form, None, 400)
    db_session().commit()
    flash(f"{person.full_name} is added. Give them a role below.", "success")
    return redirect(url_for("lms.people.person", person_id=person.id))


@allow(STAFF)
def edit_person(person_id: int):
    viewer, person = _managed_person(person_id)
    form = _person_form(viewer, person)
    if not form.validate_on_submit():
        return _render_form(form, person, 400 if form.is_submitted() else 200)
    require(coordinates(viewer, form.organization.data))
    try:
        changes = operations.update_person(person, _details(form), actor=viewer)
    except AccountError as exc:
        db_session().rollback()
        _field_error(form, exc)
        return _render_form(form, person, 400)
    db_session().commit()
    flash(
        f"{person.full_name}: {len(changes)} change{'s' if len(changes) != 1 else ''} saved."
        if changes
        else "Nothing changed.",
        "success",
    )
    return redirect(url_for("lms.people.person", person_id=person.id))


# --- the directory ------------------------------------------------------------------------


def _directory_form(viewer: Person, tracks) -> DirectoryForm:
    form = DirectoryForm(formdata=request.args)
    form.organization.choices = choices(
        [("", "All you coordinate")] + [(o.id, o.name) for o in _scope_organizations(viewer)]
    )
    form.role.choices = choices([("", "Any role")] + [(r.value, r.label) for r in Role])
    form.activity.choices = choices((a.value, a.label) for a in Activity)
    form.track.choices = choices([("", "Any")] + [(t.id, t.name) for t in tracks])
    form.state.choices = choices([("", "Any status")] + state_choices())
    form.sort.choices = choices((s.value, s.label) for s in Sort)
    return form


@allow(STAFF)
def directory():
    viewer = current_person()
    tracks = status_queries.all_tracks()
    form = _directory_form(viewer, tracks)
    if not form.validate():
        abort(400, "Some filters were not understood: " + _errors(form))
    track = next((t for t in tracks if str(t.id) == form.track.data), None)
    filters = DirectoryFilters(
        search=" ".join((form.q.data or "").split()),
        organization_id=int(form.organization.data) if form.organization.data else None,
        role=Role(form.role.data) if form.role.data else None,
        activity=Activity(form.activity.data),
        track=track,
        state=CertificationState(form.state.data) if form.state.data else None,
        sort=Sort(form.sort.data),
        page=form.page.data or 1,
    )
    scope = coordinated_organization_ids(viewer)
    listing = directory_page(scope, filters, tracks)
    return render_template(
        "lms/people/directory.html",
        form=form,
        listing=listing,
        filters=filters,
        tracks=tracks,
        args={k: v for k, v in request.args.items() if k != "page" and v},
    )


def _errors(form) -> str:
    return "; ".join(
        f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()
    )
