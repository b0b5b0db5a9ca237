"""What the certificates feature adds to the dashboard and to a session's page."""

from __future__ import annotations

from typing import Any

from ..auth.policy import is_session_staff
from ..core import local_today
from ..models import CourseSession, Person, Role
from . import queries
from .forms import IssueForm


def dashboard_context(person: Person) -> dict[str, Any] | None:
    """The person's own certificates, and their groups' when they coordinate one."""
    mine = queries.person_certificates(person.id)
    groups = [
        (grant.organization, queries.group_certificates(grant.organization_id))
        for grant in person.roles
        if grant.role is Role.GROUP_COORDINATOR and grant.organization_id
    ]
    groups = [(org, certs) for org, certs in groups if certs]
    if not mine and not groups:
        return None
    return {"mine": mine, "groups": groups, "today": local_today()}


def session_context(viewer: Person | None, session: CourseSession) -> dict[str, Any] | None:
    """For the session's staff: how many completions are certified, and an issue-all button.

    Nothing until there is something to certify: a finalized roster or recorded completions.
    """
    if viewer is None or not is_session_staff(viewer, session):
        return None
    rows = queries.session_roster(session)
    if not rows and session.roster_finalized_at is None:
        return None
    return {
        "session": session,
        "completions": len(rows),
        "issued": sum(1 for r in rows if r.certificate is not None),
        "refusal": queries.issue_refusal(viewer, session),
        "issue_form": IssueForm(),
    }
