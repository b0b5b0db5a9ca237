"""Writes of the people feature: deactivating and reactivating an account.

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
from sqlalchemy import update

from .. import signals
from ..auth.operations import AccountError, revoke_all_login_sessions
from ..core import audit, db_session
from ..models import AccountToken, Person, utcnow

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
    now = utcnow()
    sign_ins = revoke_all_login_sessions(person)
    feed_link = person.calendar_token_hash is not None
    person.calendar_token_hash = None
    links = db_session().execute(
        update(AccountToken)
        .where(
            AccountToken.person_id == person.id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(expires_at=now)
    )
    db_session().flush()
    return AccessEnded(sign_ins=sign_ins, feed_link=feed_link, links=links.rowcount or 0)


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
