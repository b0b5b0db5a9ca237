"""The change log behind private calendar feeds' ETags."""

from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class FeedChange(Base):
    """One change to what a person's private calendar feed may show.

    Rows are written by database triggers (migration 0006), never by the
    application: on the person's enrollments, teaching assignments and
    certification cycles, and on the sessions, meetings, courses and tracks
    those reach. A trigger catches every writer (the LMS, a host application,
    a SQL console), which code in each operation could not promise.

    Writers only add rows, so the number of a person's rows and the highest
    id among them are a version of their feed's data, read from one index:
    revalidating a 1,000-event feed costs the same as an empty one. The count
    is what makes it safe under concurrency: ids are handed out before commit,
    so a change can become visible with an id below the highest already seen,
    but it always adds one to the count. The one deletion is ``flask lms prune``
    (:func:`lms.calendar.operations.compact_feed_changes`), which replaces a
    person's rows by one with a higher id than any served before.
    """

    __tablename__ = "lms_feed_change"
    __table_args__ = (Index("ix_lms_feed_change_person", "person_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the log outlives nothing it points at, and a trigger
    # writing it must never make a delete elsewhere fail.
    person_id: Mapped[int]
