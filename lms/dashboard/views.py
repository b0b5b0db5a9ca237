"""The dashboard: one page whose panels follow the person's roles."""

from __future__ import annotations

from flask import render_template

from .. import panels
from ..auth.policy import SIGNED_IN, allow, current_person, is_staff, managed_organization_ids
from ..models import Role
from . import queries


@allow(SIGNED_IN)
def home():
    person = current_person()
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
