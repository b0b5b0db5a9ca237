"""Writes of the people feature: a person's details and roles, invitations, account status.

Every change is audited with who made it (and why, for roles and accounts).
Deactivation ends everything that lets the person in or reads their data
without signing in: every sign-in record is revoked, the private calendar
feed token is dropped, unused claim and reset links expire. The records
themselves stay. Reactivation starts clean: it only sets the person active
again (after making sure nothing from before is live, in case the account was
switched off by hand), so old cookies, feed URLs and links stay dead.
Operations flush, audit and signal; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from .. import signals
from ..auth.links import AccountLink, issue_invitation, issue_reset_link
from ..auth.operations import AccountError, end_account_links, revoke_all_login_sessions
from ..core import audit, db_session
from ..models import Organization, Person, Role, RoleAssignment, utcnow

REASON_MAX_LENGTH = 500


@dataclass(frozen=True)
class AccessEnded:
    """What a change of account status switched off."""

    sign_ins: int
    feed_link: bool
    links: int


def _reason(reason: str | None) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise AccountError("Give a reason.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise AccountError(f"Keep the reason under {REASON_MAX_LENGTH} characters.", field="reason")
    return reason


def _end_access(person: Person) -> AccessEnded:
    """Revoke every sign-in, the feed token and unused links of ``person`` (rows are kept)."""
    sign_ins = revoke_all_login_sessions(person)
    feed_link = person.calendar_token_hash is not None
    person.calendar_token_hash = None
    links = end_account_links(person)
    db_session().flush()
    return AccessEnded(sign_ins=sign_ins, feed_link=feed_link, links=links)


def _details(reason: str, ended: AccessEnded) -> dict:
    return {
        "reason": reason,
        "sign_ins_ended": ended.sign_ins,
        "feed_link_revoked": ended.feed_link,
        "links_revoked": ended.links,
    }


def deactivate_person(person: Person, *, reason: str, actor: Person | None = None) -> AccessEnded:
    """Deactivate ``person``'s account for ``reason`` (``actor`` None: from the command line)."""
    reason = _reason(reason)
    if actor is not None and actor.id == person.id:
        raise AccountError("You cannot deactivate your own account.", field="reason")
    if not person.active:
        raise AccountError(f"{person.full_name} is already deactivated.", field="reason")
    person.active = False
    ended = _end_access(person)
    audit("person.deactivated", person, actor=actor, details=_details(reason, ended))
    signals.account_deactivated.send(
        current_app._get_current_object(), person=person, actor=actor, reason=reason
    )
    return ended


def reactivate_person(person: Person, *, reason: str, actor: Person | None = None) -> AccessEnded:
    """Let ``person`` sign in again with their password; nothing from before comes back."""
    reason = _reason(reason)
    if person.active:
        raise AccountError(f"{person.full_name} is already active.", field="reason")
    ended = _end_access(person)  # nothing, unless the account was switched off by hand
    person.active = True
    db_session().flush()
    audit("person.reactivated", person, actor=actor, details=_details(reason, ended))
    signals.account_reactivated.send(
        current_app._get_current_object(), person=person, actor=actor, reason=reason
    )
    return ended


# --- details ------------------------------------------------------------------------------

#: The details a person's form edits, in the order the audit log lists them.
DETAIL_FIELDS = (
    "full_name",
    "preferred_name",
    "email",
    "badge_number",
    "employee_number",
    "job_title",
    "unit",
    "organization_id",
    "notes",
)


def _check_unique(person: Person | None, details: dict) -> None:
    """Refuse an email or employee number another person already has (field named)."""
    others = [] if person is None or person.id is None else [Person.id != person.id]
    if details.get("email") and db_session().scalar(
        select(Person.id).where(func.lower(Person.email) == details["email"].lower(), *others)
    ):
        raise AccountError("Another person already has this email.", field="email")
    if details.get("employee_number") and db_session().scalar(
        select(Person.id).where(Person.employee_number == details["employee_number"], *others)
    ):
        raise AccountError(
            "Another person already has this employee number.", field="employee_number"
        )


def _clean(details: dict) -> dict:
    details = {key: details.get(key) for key in DETAIL_FIELDS}
    details["notes"] = details["notes"] or ""
    if details["email"]:
        details["email"] = details["email"].lower()
    return details


def create_person(details: dict, *, actor: Person) -> Person:
    """A new person with ``details`` (keys of :data:`DETAIL_FIELDS`); audited."""
    details = _clean(details)
    _check_unique(None, details)
    person = Person(**details, created_by_id=actor.id)
    db_session().add(person)
    db_session().flush()
    audit(
        "person.created",
        person,
        actor=actor,
        details={k: v for k, v in details.items() if v not in (None, "")},
    )
    return person


def update_person(person: Person, details: dict, *, actor: Person) -> dict:
    """Change ``person``'s details; returns (and audits) each changed field, before → after."""
    details = _clean(details)
    _check_unique(person, details)
    changes = {
        key: [getattr(person, key), value]
        for key, value in details.items()
        if getattr(person, key) != value
    }
    for key, (_, value) in changes.items():
        setattr(person, key, value)
    if changes:
        db_session().flush()
        audit("person.updated", person, actor=actor, details={"changes": changes})
    return changes


# --- roles ----------------------------------------------------------------------------------


def role_scope_problem(role: Role, organization: Organization | None) -> str | None:
    """Why ``role`` cannot be scoped to ``organization`` (None: unscoped), or None."""
    if role is Role.ADMIN:
        return None if organization is None else "An administrator's role has no scope."
    if role is Role.COORDINATOR:
        if organization is not None and organization.is_community_group:
            return "A training coordinator runs an agency's program, not a community group's."
        return None
    if organization is None:
        return f"Choose the organization of the {role.label.lower()} role."
    if role is Role.GROUP_COORDINATOR and not organization.is_community_group:
        return "A community-group coordinator's scope is a community group."
    if role is Role.INSTRUCTOR and organization.is_community_group:
        return "An instructor teaches for the department or a partner agency."
    return None


def grant_role(
    person: Person,
    role: Role,
    organization: Organization | None,
    *,
    reason: str,
    actor: Person,
) -> RoleAssignment:
    """Give ``person`` ``role`` scoped to ``organization`` (the caller checked the actor may)."""
    reason = _reason(reason)
    problem = role_scope_problem(role, organization)
    if problem:
        raise AccountError(problem, field="organization")
    organization_id = organization.id if organization is not None else None
    if any(g.role is role and g.organization_id == organization_id for g in person.roles):
        raise AccountError(f"{person.full_name} already holds this role.", field="role")
    grant = RoleAssignment(
        role=role, organization_id=organization_id, granted_at=utcnow(), granted_by_id=actor.id
    )
    person.roles.append(grant)
    db_session().flush()
    audit(
        "person.role_granted",
        person,
        actor=actor,
        details={
            "role": role.value,
            "organization_id": organization_id,
            "organization": organization.name if organization else None,
            "reason": reason,
        },
    )
    return grant


def _admin_count() -> int:
    return db_session().scalar(
        select(func.count(func.distinct(RoleAssignment.person_id)))
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.role == Role.ADMIN, Person.active.is_(True))
    )


def remove_role(person: Person, grant: RoleAssignment, *, reason: str, actor: Person) -> None:
    """Take ``grant`` from ``person``; the last administrator keeps theirs."""
    reason = _reason(reason)
    if grant.person_id != person.id:
        raise AccountError("Choose one of this person's roles.", field="grant")
    if (
        grant.role is Role.ADMIN
        and person.active
        and sum(g.role is Role.ADMIN for g in person.roles) == 1
        and _admin_count() <= 1
    ):
        raise AccountError(
            f"{person.full_name} is the last administrator: make someone else one first.",
            field="grant",
        )
    details = {
        "role": grant.role.value,
        "organization_id": grant.organization_id,
        "organization": grant.organization.name if grant.organization else None,
        "granted_at": grant.granted_at.isoformat() if grant.granted_at else None,
        "granted_by_id": grant.granted_by_id,
        "reason": reason,
    }
    person.roles.remove(grant)
    db_session().flush()
    audit("person.role_removed", person, actor=actor, details=details)


# --- invitations ----------------------------------------------------------------------------


def invite_person(person: Person, *, actor: Person) -> AccountLink:
    """A fresh single-use link for ``person`` to set a password (their unused one stops working).

    Someone without a password gets an invitation (a sign-up link); someone who has
    one gets a password-reset link instead, so a link never quietly makes a second
    way into an account that already has a password.
    """
    if not person.active:
        raise AccountError(f"{person.full_name}'s account is deactivated: reactivate it first.")
    if person.has_login:
        return issue_reset_link(person, actor)  # audited there
    return issue_invitation(person, actor)  # audited there
