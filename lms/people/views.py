"""An administrator's page of one person: who they are, and their account's status."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ..auth.operations import AccountError
from ..auth.policy import ADMIN, allow, can_manage_accounts, current_person, require
from ..core import db_session
from ..models import Person
from . import operations, queries
from .forms import AccountStatusForm


def _person_for_admin(person_id: int) -> tuple[Person, Person]:
    viewer = current_person()
    require(can_manage_accounts(viewer))
    person = queries.person_by_id(person_id)
    if person is None:
        abort(404)
    return viewer, person


def _page(person: Person, form: AccountStatusForm, status: int = 200):
    return (
        render_template(
            "lms/people/person.html",
            person=person,
            form=form,
            last_deactivation=queries.last_deactivation(person),
        ),
        status,
    )


@allow(ADMIN)
def person_page(person_id: int):
    _, person = _person_for_admin(person_id)
    return _page(person, AccountStatusForm())


def _change_status(person_id: int, change, done: str):
    viewer, person = _person_for_admin(person_id)
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
    return _page(person, form, status=400)


@allow(ADMIN)
def deactivate(person_id: int):
    return _change_status(person_id, operations.deactivate_person, "is deactivated")


@allow(ADMIN)
def reactivate(person_id: int):
    return _change_status(person_id, operations.reactivate_person, "is active again")
