"""Certification status pages: your own, and a person's for those who manage them."""

from __future__ import annotations

from flask import render_template

from ..auth.policy import SIGNED_IN, allow, can_view_person, current_person, require
from ..core import db_session, local_today
from ..models import Person
from .history import history_of
from .overview import person_overview


def _page(person: Person, *, own: bool):
    return render_template(
        "lms/status/person.html",
        person=person,
        own=own,
        overview=person_overview(person),
        cycles=history_of(person.id),
        today=local_today(),
    )


@allow(SIGNED_IN)
def mine():
    return _page(current_person(), own=True)


@allow(SIGNED_IN)
def person_status(person_id: int):
    viewer = current_person()
    person = db_session().get(Person, person_id)
    require(person is not None and can_view_person(viewer, person), hide=True)
    return _page(person, own=person.id == viewer.id)


def dashboard_panel(person: Person) -> dict | None:
    """Each track that concerns the person: standing, due date, where to renew."""
    overview = person_overview(person)
    if not overview:
        return None
    return {"overview": overview, "today": local_today()}
