"""Delivering the outbox: claim what is due, send its bytes, record the server's answer.

What is promised, and why this and not more
-------------------------------------------
A message is written to ``lms_outbox_message`` in the transaction of the change
that causes it (:func:`.operations.queue_mail`): a rollback leaves no message,
and a committed one stays due until a worker has recorded it sent or failed,
whatever crashes in between. Nothing is lost.

Delivery is **at least once, each message under one stable Message-ID**, not
"exactly once", because SMTP has no two-phase commit. The server takes charge
of a message when it answers 250 to the end of DATA; only after that answer
can a worker write "sent" to the database. If the worker dies (or the
connection or the database drops) between the server's 250 and that write,
nobody can know whether the server has the message: resending may duplicate
it, not resending may lose it. A record system must not lose, so it resends
(RFC 1047 describes this very window). The copy carries the same Message-ID,
which mail systems and people use to recognise the same message.

The window is kept as small as it can be: each message's answer is committed
on its own, right after the 250 and before the next message is sent, so a crash
can repeat only the message in flight (one per worker thread); and a message is
taken over only when its claim has run out, never while its worker may still
be sending it.

Claims
------
One UPDATE claims a batch of due messages for one worker, setting a random
``lease_token`` and moving ``next_attempt_at`` to the end of the claim (ten
SMTP timeouts). On PostgreSQL the rows are chosen ``FOR UPDATE SKIP LOCKED``, so
concurrent workers take disjoint batches without waiting on each other; on
SQLite the database's write lock makes the one statement atomic. Every later
write about a message names the claim's token, so a worker whose claim was
taken over cannot overwrite what its successor recorded. A worker gives back
the rest of a batch, unsent, when less than half the claim remains; a message
whose worker died is taken over when the claim ends, and a message that has
been claimed more than ``LMS_MAIL_MAX_ATTEMPTS`` times without an answer is
failed rather than tried forever.

Answers
-------
250: sent. A 5xx refusal of the recipient or of the message: failed at once,
the answer kept. A 4xx, or a server that cannot be reached, refuses TLS or the
sign-in, or drops the connection: tried again after ``LMS_MAIL_RETRY_SECONDS``,
then twice as long each time, until ``LMS_MAIL_MAX_ATTEMPTS`` tries; then
failed with the last answer. A server-wide problem counts as a try for every
message of the batch not yet sent, and ends the round: the others wait for
the next wake-up rather than each waiting on a dead server.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..core import db_session
from ..models import MailState, OutboxMessage, utcnow
from ..signals import mail_failed
from .identity import envelope_sender
from .transports import EmlTransport, Outgoing, Refused, SmtpTransport, Transport, Unavailable

#: Messages one claim takes.
BATCH = 50
#: A claim lasts this many SMTP timeouts; a batch stops when half of it is left.
CLAIM_TIMEOUTS = 10

Clock = Callable[[], datetime]


@dataclass
class Round:
    """What one round of delivery did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0

    @property
    def tried(self) -> int:
        return self.sent + self.retrying + self.failed


def claim_seconds() -> float:
    return CLAIM_TIMEOUTS * float(current_app.config["LMS_SMTP_TIMEOUT_SECONDS"])


def open_transport() -> Transport:
    """SMTP when ``LMS_SMTP_HOST`` is set, else .eml files in ``LMS_MAIL_DIR``."""
    config = current_app.config
    if config["LMS_SMTP_HOST"]:
        return SmtpTransport(config, envelope_sender())
    folder = config["LMS_MAIL_DIR"] or Path(current_app.instance_path) / "mail"
    return EmlTransport(Path(folder))


def destination() -> str:
    """Where mail goes, in words: the SMTP server, or the .eml folder."""
    transport = open_transport()
    if isinstance(transport, SmtpTransport):
        return f"the SMTP server {transport.host}:{transport.port} ({transport.security})"
    assert isinstance(transport, EmlTransport)
    return f".eml files in {transport.folder} (no SMTP server is configured)"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def deliver_due(*, clock: Clock = utcnow, batch: int = BATCH) -> Round:
    """Send every message due now, batch after batch; stop early if the server is unavailable."""
    done = Round()
    transport = open_transport()
    try:
        while True:
            token, claimed = _claim(clock(), batch)
            if not claimed:
                return done
            if not _deliver_batch(transport, token, claimed, clock, done):
                return done
    finally:
        transport.close()


@dataclass(frozen=True)
class _Claimed:
    outgoing: Outgoing
    attempts: int


def _claim(now: datetime, batch: int) -> tuple[str, list[_Claimed]]:
    """Take up to ``batch`` due messages for this worker; committed before anything is sent."""
    session = db_session()
    token = secrets.token_hex(16)
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state.in_((MailState.QUEUED, MailState.SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(due.scalar_subquery()),
            # Again for the row as it is now, not as the subquery's snapshot saw it.
            OutboxMessage.state.in_((MailState.QUEUED, MailState.SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(
            state=MailState.SENDING,
            lease_token=token,
            worker=worker_name(),
            attempts=OutboxMessage.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=claim_seconds()),
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.recipient_address,
            OutboxMessage.raw,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(statement).all()
    session.commit()
    claimed = [
        _Claimed(Outgoing(r.id, r.recipient_address, bytes(r.raw)), r.attempts) for r in rows
    ]
    return token, sorted(claimed, key=lambda c: c.outgoing.id)


def _deliver_batch(
    transport: Transport, token: str, claimed: list[_Claimed], clock: Clock, done: Round
) -> bool:
    """Send a claimed batch; False when the server became unavailable (end the round)."""
    max_attempts = current_app.config["LMS_MAIL_MAX_ATTEMPTS"]
    claim_ends = time.monotonic() + claim_seconds()
    for index, item in enumerate(claimed):
        if index and claim_ends - time.monotonic() < claim_seconds() / 2:
            _release(token, claimed[index:], clock())
            done.released += len(claimed) - index
            return True
        if item.attempts > max_attempts:  # claimed before, and its worker never answered
            _record_failure(
                token,
                [item],
                "a worker stopped while sending it, "
                f"{max_attempts} times; it may have been delivered",
                permanent=True,
                now=clock(),
                done=done,
            )
            continue
        try:
            answer = transport.send(item.outgoing)
        except Refused as refused:
            _record_failure(token, [item], refused.answer, refused.permanent, clock(), done)
        except Unavailable as unavailable:
            _record_failure(token, claimed[index:], unavailable.answer, False, clock(), done)
            return False
        else:
            _record_sent(token, item, answer, clock())
            done.sent += 1
    return True


def _mine(token: str, message_id: int):
    return (OutboxMessage.id == message_id, OutboxMessage.lease_token == token)


def _record_sent(token: str, item: _Claimed, answer: str, now: datetime) -> None:
    session = db_session()
    session.execute(
        update(OutboxMessage)
        .where(*_mine(token, item.outgoing.id))
        .values(state=MailState.SENT, sent_at=now, answer=answer, lease_token=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th try: the base, doubled for each try before."""
    base = current_app.config["LMS_MAIL_RETRY_SECONDS"]
    return timedelta(seconds=base * 2 ** min(attempts - 1, 20))


def _record_failure(
    token: str,
    items: list[_Claimed],
    answer: str,
    permanent: bool,
    now: datetime,
    done: Round,
) -> None:
    session = db_session()
    max_attempts = current_app.config["LMS_MAIL_MAX_ATTEMPTS"]
    failed_ids = []
    for item in items:
        final = permanent or item.attempts >= max_attempts
        values = {"answer": answer[:2000], "lease_token": None}
        if final:
            values |= {"state": MailState.FAILED}
            failed_ids.append(item.outgoing.id)
        else:
            values |= {
                "state": MailState.QUEUED,
                "next_attempt_at": now + retry_delay(item.attempts),
            }
        session.execute(
            update(OutboxMessage)
            .where(*_mine(token, item.outgoing.id))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    done.failed += len(failed_ids)
    done.retrying += len(items) - len(failed_ids)
    if failed_ids:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        for message in session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(failed_ids))
        ):
            mail_failed.send(app, message=message)
    session.commit()


def _release(token: str, items: list[_Claimed], now: datetime) -> None:
    """Give back claimed messages not tried: due now, their try not counted."""
    session = db_session()
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_([i.outgoing.id for i in items]),
            OutboxMessage.lease_token == token,
        )
        .values(
            state=MailState.QUEUED,
            attempts=OutboxMessage.attempts - 1,
            next_attempt_at=now,
            lease_token=None,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
