"""Removing helper rows no one reads again: ``flask lms prune`` and the worker's nightly job.

Ended sign-ins go. The private feeds' change log keeps one row per person:
each pruned feed changes its ETag once (clients fetch it once more), and no old
ETag can match again (:func:`lms.calendar.operations.compact_feed_changes`).
Safe while the app serves: each batch of people is one short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from huey import crontab

from .auth.operations import remove_ended_login_sessions
from .calendar import operations as calendar_operations
from .calendar.private_queries import people_with_feed_history
from .core import db_session
from .mail.worker import scheduled

#: People compacted per transaction (and per lock of the change log).
BATCH = 1000


@dataclass(frozen=True)
class PruneReport:
    """What a prune removed."""

    sign_ins: int  # ended sign-ins deleted
    feed_changes: int  # change-log rows deleted
    people: int  # people whose change log was compacted to one new row


def prune(batch: int = BATCH) -> PruneReport:
    """Remove ended sign-ins and compact the feed change log; commits once per batch."""
    session = db_session()
    try:
        sign_ins = remove_ended_login_sessions()
        removed = calendar_operations.remove_orphan_feed_changes()
        session.commit()
        people, after = 0, 0
        while ids := people_with_feed_history(after=after, limit=batch):
            removed += calendar_operations.compact_feed_changes(ids)
            session.commit()  # one short transaction (and table lock) per batch
            people, after = people + len(ids), ids[-1]
    except Exception:
        session.rollback()
        raise
    return PruneReport(sign_ins, removed, people)


# Nightly where the demo department is (03:43 in Denver in winter); crontabs read UTC.
@scheduled("prune", crontab(minute="43", hour="10"))
def prune_job() -> dict[str, int]:
    """The worker's nightly prune."""
    report = prune()
    return {"sign_ins": report.sign_ins, "feed_changes": report.feed_changes}
