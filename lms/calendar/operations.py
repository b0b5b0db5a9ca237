"""Writes of the calendar feature: private feed links, and calendar revisions of sessions."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from ..auth.operations import token_hash
from ..core import audit, db_session
from ..models import CourseSession, Meeting, Person, utcnow

#: Bytes of randomness in a feed token (256 bits; token_urlsafe gives 43 characters).
TOKEN_BYTES = 32


def regenerate_feed_token(person: Person) -> str:
    """Give ``person`` a new private feed token and return it; any old link stops at once.

    Only the token's SHA-256 is stored, so the returned value is the one chance
    to show the link to its owner. The caller commits.
    """
    replaced = person.calendar_token_hash is not None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    person.calendar_token_hash = token_hash(token)
    db_session().flush()
    audit(
        "calendar.feed_link_replaced" if replaced else "calendar.feed_link_created",
        person,
        actor=person,
    )
    return token


def revoke_feed_token(person: Person) -> bool:
    """Turn the person's private feed off; True if there was one. The caller commits."""
    if person.calendar_token_hash is None:
        return False
    person.calendar_token_hash = None
    db_session().flush()
    audit("calendar.feed_link_revoked", person, actor=person)
    return True


def bump_revision(
    session: CourseSession,
    meetings: Iterable[Meeting] | None = None,
    *,
    now: datetime | None = None,
) -> None:
    """Record a change of a session's time, place or status for calendar clients.

    Call it from every operation that changes when or where a session meets, or
    its status (scheduling's edit and cancel): the session's revision and
    ``revised_at`` (the events' DTSTAMP) move on, and the SEQUENCE of
    ``meetings`` (default: all of them) rises, so clients that hold a copy
    replace it. Part of the caller's transaction; it does not commit.
    """
    now = now or utcnow()
    session.revision = (session.revision or 0) + 1
    # Never backwards, so DTSTAMP and the ETag only move on.
    session.revised_at = max(now, session.revised_at) if session.revised_at else now
    for meeting in session.meetings if meetings is None else meetings:
        meeting.sequence = (meeting.sequence or 0) + 1
