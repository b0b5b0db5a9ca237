"""Imports in the browser: upload, map unknown columns, preview, apply.

Admins import for every organization; training coordinators for the
organizations they coordinate (people outside them are not found). The preview
is computed from the stored file; apply computes it again from the same bytes
and applies only when it is still what the preview showed.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from sqlalchemy.exc import IntegrityError

from ..auth.policy import STAFF, allow, coordinated_organization_ids, current_person
from ..core import db_session
from ..enrollment.forms import select_choices
from . import operations, people, queries, records, uploads
from .forms import PeopleImportForm, RecordsImportForm, chosen_mapping
from .reading import IGNORE


def _scope_choices(form: PeopleImportForm, scope: set[int] | None) -> None:
    orgs = [o for o in queries.organizations() if scope is None or o.id in scope]
    form.organization.choices = select_choices(
        [(None, "From the file's Organization column")] + [(o.id, o.name) for o in orgs]
    )


def _template(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@allow(STAFF)
def index():
    scope = coordinated_organization_ids(current_person())
    people_form = PeopleImportForm(formdata=None)
    _scope_choices(people_form, scope)
    records_form = RecordsImportForm(formdata=None)
    # Both forms share a page: their file inputs need ids of their own.
    records_form.file.id = records_form.file.label.field_id = "records-file"
    return render_template(
        "lms/imports/index.html",
        people_form=people_form,
        records_form=records_form,
    )


@allow(STAFF)
def people_template():
    return _template(people.template_csv(), "people-import-template.csv")


@allow(STAFF)
def records_template():
    return _template(records.template_csv(), "training-records-import-template.csv")


def _stored(form, kind: str, viewer):
    """The upload a form refers to: a new file, or the one stored for its preview."""
    if form.file.data:
        data = form.file.data.read()
        return uploads.store(data, form.file.data.filename or "", kind, viewer.id), data
    found = uploads.load(form.upload.data or "", kind, viewer.id)
    if found is None:
        form.file.errors = [*form.file.errors, "Choose a file to import."]
    return found if found else (None, None)


def _people_plan(form: PeopleImportForm, upload, data, scope, viewer):
    organization = queries.organization(form.organization.data) if form.organization.data else None
    return people.plan_people(
        data,
        upload.filename,
        chosen=chosen_mapping(people.FIELDS),
        scope=scope,
        default_organization=organization,
        deactivate_missing_in=organization if form.deactivate_missing.data else None,
        actor_id=viewer.id,
        role=form.role.data,
    )


def _records_plan(form: RecordsImportForm, upload, data, scope):
    return records.plan_records(
        data,
        upload.filename,
        chosen=chosen_mapping(records.FIELDS),
        scope=scope,
        default_source=form.source_system.data or "",
    )


def _preview(kind: str, form, upload, plan, status: int = 200, notice: str | None = None):
    fields = people.FIELDS if kind == "people" else records.FIELDS
    if upload is not None:
        form.upload.data, form.sha256.data, form.digest.data = (
            upload.id,
            upload.sha256,
            plan.digest(),
        )
    return (
        render_template(
            f"lms/imports/{kind}_preview.html",
            form=form,
            upload=upload,
            plan=plan,
            fields=fields,
            ignore=IGNORE,
            notice=notice,
            role_count_name=people.role_count_name,
        ),
        status,
    )


def _prepare(kind: str):
    viewer = current_person()
    scope = coordinated_organization_ids(viewer)
    form = PeopleImportForm() if kind == "people" else RecordsImportForm()
    if kind == "people":
        _scope_choices(form, scope)
    if not form.validate_on_submit():
        return viewer, scope, form, None, None
    upload, data = _stored(form, kind, viewer)
    return viewer, scope, form, upload, data


def _plan(kind, form, upload, data, scope, viewer):
    if kind == "people":
        return _people_plan(form, upload, data, scope, viewer)
    return _records_plan(form, upload, data, scope)


def _show_preview(kind: str):
    viewer, scope, form, upload, data = _prepare(kind)
    if upload is None:
        empty = people.PeoplePlan() if kind == "people" else records.RecordsPlan()
        return _preview(kind, form, None, empty, status=400)
    plan = _plan(kind, form, upload, data, scope, viewer)
    return _preview(kind, form, upload, plan, status=200 if plan.can_apply else 422)


def _apply(kind: str):
    viewer, scope, form, upload, data = _prepare(kind)
    if upload is None or form.file.data:
        empty = people.PeoplePlan() if kind == "people" else records.RecordsPlan()
        return _preview(kind, form, None, empty, status=400)
    if form.sha256.data != upload.sha256:
        abort(409)
    plan = _plan(kind, form, upload, data, scope, viewer)
    if not plan.can_apply:
        return _preview(kind, form, upload, plan, status=422)
    if plan.digest() != form.digest.data:
        notice = "The records changed since your preview: check this new preview and apply again."
        return _preview(kind, form, upload, plan, status=409, notice=notice)
    apply = operations.apply_people if kind == "people" else operations.apply_records
    try:
        counts = apply(plan, upload, viewer)
    except IntegrityError:  # another import or edit wrote the same people meanwhile
        db_session().rollback()
        notice = "Someone changed these records at the same time: check this preview again."
        return _preview(kind, form, upload, plan, status=409, notice=notice)
    db_session().commit()
    uploads.discard(upload.id)
    flash(
        f"Imported {upload.filename}: "
        + ", ".join(f"{n} {what}" for what, n in counts.items())
        + ".",
        "success",
    )
    return redirect(url_for("lms.imports.index"))


@allow(STAFF)
def people_preview():
    return _show_preview("people")


@allow(STAFF)
def people_apply():
    return _apply("people")


@allow(STAFF)
def records_preview():
    return _show_preview("records")


@allow(STAFF)
def records_apply():
    return _apply("records")
