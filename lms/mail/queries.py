"""Reads of the outbox: pages of messages in keyset order, the messages not yet out, one message.

Pages are sought by id, newest first, never counted off: each filter by state
reads the index on (state, id) from the cursor on, so a page costs the same at
any size of the outbox. The list leaves the message bytes in the database.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from ..core import db_session
from ..models import MailState, OutboxMessage

PAGE_SIZE = 50

#: The states counted on the page: few rows (sent ones are not counted: they pile up).
PENDING = (MailState.QUEUED, MailState.SENDING, MailState.FAILED)


@dataclass(frozen=True)
class Page:
    """Messages newest first, and the cursors (message ids) of the pages around it."""

    messages: list[OutboxMessage]
    newer: int | None
    older: int | None


def messages_page(
    state: MailState | None,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """A page of messages (in ``state``, or any), newest first.

    ``before``: the messages older than that id; ``after``: those newer than it.
    """
    newest_first = after is None or before is not None
    statement = select(OutboxMessage).options(defer(OutboxMessage.raw))
    if state is not None:
        statement = statement.where(OutboxMessage.state == state)
    if newest_first:
        if before is not None:
            statement = statement.where(OutboxMessage.id < before)
        statement = statement.order_by(OutboxMessage.id.desc())
    else:
        statement = statement.where(OutboxMessage.id > after).order_by(OutboxMessage.id.asc())
    found = list(db_session().scalars(statement.limit(size + 1)))
    more, found = len(found) > size, found[:size]
    if not newest_first:
        found.reverse()
    if not found:
        return Page([], None, None)
    if newest_first:
        return Page(
            found, found[0].id if before is not None else None, found[-1].id if more else None
        )
    return Page(found, found[0].id if more else None, found[-1].id)


def pending_counts() -> dict[MailState, int]:
    """How many messages are queued, being sent, and failed."""
    rows = db_session().execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.state.in_(PENDING))
        .group_by(OutboxMessage.state)
    )
    counts = dict.fromkeys(PENDING, 0)
    counts.update({state: count for state, count in rows})
    return counts


def message_by_id(message_id: int) -> OutboxMessage | None:
    return db_session().get(OutboxMessage, message_id)


def latest_messages(person_ids: Collection[int], template: str) -> dict[int, OutboxMessage]:
    """person id -> the last message of ``template`` queued to them (its bytes not loaded)."""
    rows = db_session().scalars(
        select(OutboxMessage)
        .options(defer(OutboxMessage.raw))
        .where(
            OutboxMessage.recipient_person_id.in_(person_ids), OutboxMessage.template == template
        )
        .order_by(OutboxMessage.id)
    )
    return {row.recipient_person_id: row for row in rows}
