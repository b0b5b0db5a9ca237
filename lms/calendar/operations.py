"""Writes of the calendar feature: private feed links, calendar revisions, the feed change log."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, text

from ..auth.operations import token_hash
from ..core import audit, db_session
from ..models import CourseSession, FeedChange, Meeting, Person, utcnow

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


def compact_feed_changes(person_ids: Sequence[int]) -> int:
    """Replace each person's feed change rows by one new row; return the rows removed.

    A feed's ETag is the count and highest id of its owner's rows. Deleting
    rows alone could bring an old (count, highest id) pair back, so each person
    first gets a new row whose id is higher than every id any feed was ever
    served with, then loses the rows below it. Every version served before has
    a highest id below the new row's, every version after has one at or above
    it: no stale ETag can match again (each pruned feed is fetched once more).

    On PostgreSQL the table is locked against writers first, which waits for
    every transaction that already took an id to commit: no row with a lower id
    can appear afterwards. SQLite has one writer at a time anyway. Part of the
    caller's transaction (keep it short: it holds writers back); it does not commit.
    """
    session = db_session()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {FeedChange.__tablename__} IN SHARE ROW EXCLUSIVE MODE"))
    removed = 0
    markers = session.execute(
        insert(FeedChange).returning(
            FeedChange.id, FeedChange.person_id, sort_by_parameter_order=True
        ),
        [{"person_id": person_id} for person_id in person_ids],
    ).all()
    for marker_id, person_id in markers:
        removed += session.execute(
            delete(FeedChange).where(FeedChange.person_id == person_id, FeedChange.id < marker_id)
        ).rowcount
    session.flush()
    return removed


def remove_orphan_feed_changes() -> int:
    """Delete the change rows of people who no longer exist (no feed reads them)."""
    orphans = delete(FeedChange).where(FeedChange.person_id.not_in(select(Person.id)))
    return db_session().execute(orphans).rowcount
