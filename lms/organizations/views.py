"""Organizations pages: the list, one organization at a glance, its forms."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for

from ..auth.policy import (
    ADMIN,
    STAFF,
    allow,
    can_administer_organizations,
    coordinates,
    current_person,
    require,
)
from ..core import db_session
from ..enrollment.forms import select_choices
from ..enrollment.operations import claim_link_lifetime
from ..models import AgencyType, Organization, OrganizationKind, Person
from ..status.queries import STATE_ORDER
from . import operations, queries
from .forms import CoordinatorForm, OrganizationForm, StatusForm


def _coordinated(organization_id: int) -> tuple[Person, Organization]:
    """The viewer and the organization, which they must coordinate (else 404)."""
    viewer = current_person()
    organization = queries.organization_by_id(organization_id)
    require(organization is not None and coordinates(viewer, organization), hide=True)
    return viewer, organization


def people_directory_url(organization: Organization) -> str:
    """The people directory filtered to ``organization`` (the people feature's page)."""
    return url_for("lms.people.directory", organization=organization.id)


@allow(STAFF)
def index():
    viewer = current_person()
    return render_template(
        "lms/organizations/index.html",
        groups=queries.organizations_by_kind(viewer),
        can_create=can_administer_organizations(viewer),
    )


def _render_page(organization, viewer, *, status=200, **extra):
    extra.setdefault("status_form", StatusForm(formdata=None))
    extra.setdefault("coordinator_form", CoordinatorForm(formdata=None))
    return (
        render_template(
            "lms/organizations/organization.html",
            organization=organization,
            counts=queries.people_counts(organization),
            coordinators=queries.coordinators(organization),
            compliance=queries.compliance_summary(organization),
            states=STATE_ORDER,
            last_status_change=queries.last_status_change(organization),
            people_url=people_directory_url(organization),
            administers=can_administer_organizations(viewer),
            takes_group_coordinators=operations.takes_group_coordinators(organization),
            claim_days=claim_link_lifetime().days,
            **extra,
        ),
        status,
    )


@allow(STAFF)
def organization_page(organization_id: int):
    viewer, organization = _coordinated(organization_id)
    return _render_page(organization, viewer)


# --- create and edit ------------------------------------------------------------------------


def _form(viewer: Person, organization: Organization | None, **kwargs) -> OrganizationForm:
    form = OrganizationForm(**kwargs)
    if can_administer_organizations(viewer):
        form.parent_id.choices = select_choices(
            [("", "None")] + [(str(o.id), o.name) for o in queries.parent_choices(organization)]
        )
    else:  # the program's structure is an administrator's to change
        del form.kind
        del form.parent_id
    return form


def _draft(form: OrganizationForm, organization: Organization | None):
    def kept(name, current):
        field = getattr(form, name, None)
        return current if field is None else field.data

    kind = kept("kind", organization.kind.value if organization else None)
    parent = kept("parent_id", str(organization.parent_id or "") if organization else "")
    return operations.OrganizationDraft(
        name=form.name.data,
        kind=OrganizationKind(kind),
        agency_type=AgencyType(form.agency_type.data),
        timezone=form.timezone.data,
        contact_email=form.contact_email.data or None,
        parent_id=int(parent) if parent else None,
        default_seat_cap=form.default_seat_cap.data,
    )


def _render_form(form, organization, status=200):
    return (
        render_template("lms/organizations/form.html", form=form, organization=organization),
        status,
    )


def _save(form, organization, save):
    """Validate and apply ``form`` with ``save``: what it returned, or None (show the form)."""
    if not form.validate_on_submit():
        return None
    try:
        saved = save(_draft(form, organization))
    except operations.OrganizationError as exc:
        db_session().rollback()
        field = getattr(form, exc.field or "name", None) or form.name  # kind/parent: admins'
        field.errors.append(str(exc))
        return None
    db_session().commit()
    return saved


@allow(ADMIN)
def new_organization():
    viewer = current_person()
    form = _form(viewer, None, data={"timezone": current_app.config["LMS_TIMEZONE"]})
    created = _save(form, None, lambda d: operations.create_organization(d, viewer))
    if created is not None:
        flash(f"{created.name} is created.", "success")
        return redirect(url_for("lms.organizations.organization", organization_id=created.id))
    return _render_form(form, None, status=400 if form.is_submitted() else 200)


@allow(STAFF)
def edit_organization(organization_id: int):
    viewer, organization = _coordinated(organization_id)
    form = _form(viewer, organization, obj=organization)
    changes = _save(
        form,
        organization,
        lambda d: operations.update_organization(organization, d, viewer),
    )
    if changes is not None:
        flash(
            f"{organization.name} is saved." if changes else "Nothing changed.",
            "success",
        )
        return redirect(url_for("lms.organizations.organization", organization_id=organization.id))
    return _render_form(form, organization, status=400 if form.is_submitted() else 200)


# --- deactivate, reactivate -------------------------------------------------------------------


def _change_status(organization_id: int, change, done: str):
    viewer = current_person()
    organization = queries.organization_by_id(organization_id)
    if organization is None:
        abort(404)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            change(organization, form.reason.data, viewer)
        except operations.OrganizationError as exc:
            db_session().rollback()
            form.reason.errors = [*form.reason.errors, str(exc)]
        else:
            db_session().commit()
            flash(f"{organization.name} {done}.", "success")
            return redirect(
                url_for("lms.organizations.organization", organization_id=organization.id)
            )
    return _render_page(organization, viewer, status=400, status_form=form)


@allow(ADMIN)
def deactivate(organization_id: int):
    return _change_status(
        organization_id, operations.deactivate_organization, "is inactive: it takes no new people"
    )


@allow(ADMIN)
def reactivate(organization_id: int):
    return _change_status(organization_id, operations.reactivate_organization, "is active again")


# --- coordinators ---------------------------------------------------------------------------


@allow(STAFF)
def add_coordinator(organization_id: int):
    viewer, organization = _coordinated(organization_id)
    form = CoordinatorForm()
    if form.validate_on_submit():
        try:
            person, token = operations.create_group_coordinator(
                organization,
                viewer,
                full_name=form.full_name.data,
                email=form.email.data,
                phone=form.phone.data or None,
            )
        except operations.OrganizationError as exc:
            db_session().rollback()
            if exc.field is None:  # about the organization, not a field of the form
                return _render_page(organization, viewer, status=400, problem=str(exc))
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db_session().commit()
            link = url_for("lms.enrollment.claim", token=token, _external=True)
            # Shown once, in this response only: only the token's hash is stored.
            return _render_page(organization, viewer, invitation_link=link, invited=person)
    return _render_page(organization, viewer, status=400, coordinator_form=form)
