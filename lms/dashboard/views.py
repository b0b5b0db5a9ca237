"""The front page: the dashboard, whose panels follow the person's roles, or the public's."""

from __future__ import annotations

from flask import render_template

from .. import panels
from ..auth.policy import PUBLIC, allow, is_staff, managed_organization_ids
from ..core import acting_person
from ..enrollment.public import public_offers
from ..models import Role, utcnow
from . import queries


@allow(PUBLIC)
def home():
    """Signed in: one's dashboard. Anyone else: the classes open to the public, to register."""
    person = acting_person()
    if person is None:
        return render_template("lms/dashboard/welcome.html", offers=public_offers(utcnow()))
    held = person.role_set
    upcoming, history = queries.my_enrollments(person)
    context = {
        "panels": panels.dashboard.render(person),
        "upcoming": upcoming,
        "history": history,
        "teaching": queries.sessions_taught(person) if Role.INSTRUCTOR in held else [],
        "schedule": queries.schedule_overview() if is_staff(person) else [],
        "organizations": (
            queries.organization_counts(managed_organization_ids(person))
            if is_staff(person)
            else []
        ),
        "groups": [
            (grant.organization, queries.group_members(grant.organization_id))
            for grant in person.roles
            if grant.role is Role.GROUP_COORDINATOR and grant.organization_id
        ],
    }
    return render_template("lms/dashboard/home.html", person=person, **context)
