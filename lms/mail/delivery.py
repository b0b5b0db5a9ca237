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
on its own, right after the 250 and before the next message is sent, so a
worker that dies can repeat only the message in flight (one per worker thread);
and a message is taken over only when its claim has run out, never while its
worker may still be sending it. Those commits do not wait for the disk
(PostgreSQL's ``synchronous_commit = off``, SQLite's ``synchronous = NORMAL`` in
WAL mode, for the round's own connection only): a worker's crash loses none of
them, and a crash of the database server or machine can only undo the last
fraction of a second of answers, which means those messages are sent again, never
lost. Waiting for the disk on every answer would cost a disk flush per message.

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

import contextlib
import os
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import SQLAlchemyError

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
OUTBOX = OutboxMessage.__table__
WAITING = (MailState.QUEUED, MailState.SENDING)


@dataclass
class Round:
    """What one round of delivery did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    failed_ids: list[int] = field(default_factory=list, repr=False)

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
        security = {"starttls": "STARTTLS", "tls": "TLS", "none": "no TLS"}[transport.security]
        return f"the SMTP server {transport.host}:{transport.port} ({security})"
    assert isinstance(transport, EmlTransport)
    return f".eml files in {transport.folder} (no SMTP server is configured)"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def deliver_due(*, clock: Clock = utcnow, batch: int = BATCH) -> Round:
    """Send every message due now, batch after batch; stop early if the server is unavailable.

    The round has a database connection of its own; ``mail_failed`` is sent for each
    message that failed for good, in a transaction of the app's session.
    """
    done = Round()
    transport = open_transport()
    try:
        with db_session().get_bind().connect() as connection, _not_waiting_for_disk(connection):
            while True:
                claim = claim_due(connection, clock(), batch)
                if not claim.messages or not _deliver(connection, transport, claim, clock, done):
                    break
    finally:
        transport.close()
    _announce_failures(done.failed_ids)
    return done


@dataclass(frozen=True)
class Claimed:
    """A message a worker holds: what to send, and how many times it was claimed."""

    outgoing: Outgoing
    attempts: int


@dataclass(frozen=True)
class Claim:
    """Messages claimed together under one token, until ``ends`` (``time.monotonic()``)."""

    token: str
    messages: list[Claimed]
    ends: float


def claim_due(connection: Connection, now: datetime, batch: int) -> Claim:
    """Take up to ``batch`` due messages for this worker, committed before anything is sent."""
    token = secrets.token_hex(16)
    due = (
        select(OUTBOX.c.id)
        .where(OUTBOX.c.state.in_(WAITING), OUTBOX.c.next_attempt_at <= now)
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
        .limit(batch)
    )
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(OUTBOX)
        .where(
            OUTBOX.c.id.in_(due.scalar_subquery()),
            # Again for the row as it is now, not as the subquery's snapshot saw it.
            OUTBOX.c.state.in_(WAITING),
            OUTBOX.c.next_attempt_at <= now,
        )
        .values(
            state=MailState.SENDING,
            lease_token=token,
            worker=worker_name(),
            attempts=OUTBOX.c.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=claim_seconds()),
        )
        .returning(OUTBOX.c.id, OUTBOX.c.recipient_address, OUTBOX.c.raw, OUTBOX.c.attempts)
    )
    ends = time.monotonic() + claim_seconds()
    rows = connection.execute(statement).all()
    connection.commit()
    messages = [
        Claimed(Outgoing(r.id, r.recipient_address, bytes(r.raw)), r.attempts) for r in rows
    ]
    return Claim(token, sorted(messages, key=lambda c: c.outgoing.id), ends)


def _deliver(
    connection: Connection, transport: Transport, claim: Claim, clock: Clock, done: Round
) -> bool:
    """Send a claimed batch; False when the server became unavailable (end the round)."""
    max_attempts = current_app.config["LMS_MAIL_MAX_ATTEMPTS"]
    half = claim_seconds() / 2
    for index, item in enumerate(claim.messages):
        rest = claim.messages[index:]
        if index and claim.ends - time.monotonic() < half:
            _release(connection, claim.token, rest, clock())
            done.released += len(rest)
            return True
        if item.attempts > max_attempts:  # claimed before, and its worker never answered
            why = (
                f"a worker stopped while sending it, {max_attempts} times; "
                "it may have been delivered"
            )
            _record_failure(connection, claim.token, [item], why, True, clock(), done)
            continue
        try:
            answer = transport.send(item.outgoing)
        except Refused as refused:
            _record_failure(
                connection, claim.token, [item], refused.answer, refused.permanent, clock(), done
            )
        except Unavailable as unavailable:
            _record_failure(connection, claim.token, rest, unavailable.answer, False, clock(), done)
            return False
        else:
            _record(
                connection, claim.token, item, state=MailState.SENT, sent_at=clock(), answer=answer
            )
            done.sent += 1
    return True


def _record(connection: Connection, token: str, item: Claimed, **values) -> None:
    """Write what became of ``item``, if this worker's claim still holds it; commit."""
    connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == item.outgoing.id, OUTBOX.c.lease_token == token)
        .values(lease_token=None, **values)
    )
    connection.commit()


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th try: the base, doubled for each try before."""
    base = current_app.config["LMS_MAIL_RETRY_SECONDS"]
    return timedelta(seconds=base * 2 ** min(attempts - 1, 20))


def _record_failure(
    connection: Connection,
    token: str,
    items: list[Claimed],
    answer: str,
    permanent: bool,
    now: datetime,
    done: Round,
) -> None:
    max_attempts = current_app.config["LMS_MAIL_MAX_ATTEMPTS"]
    for item in items:
        if permanent or item.attempts >= max_attempts:
            _record(connection, token, item, state=MailState.FAILED, answer=answer[:2000])
            done.failed += 1
            done.failed_ids.append(item.outgoing.id)
        else:
            _record(
                connection,
                token,
                item,
                state=MailState.QUEUED,
                answer=answer[:2000],
                next_attempt_at=now + retry_delay(item.attempts),
            )
            done.retrying += 1


def _release(connection: Connection, token: str, items: list[Claimed], now: datetime) -> None:
    """Give back claimed messages not tried: due now, their try not counted."""
    connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_([i.outgoing.id for i in items]), OUTBOX.c.lease_token == token)
        .values(
            state=MailState.QUEUED,
            attempts=OUTBOX.c.attempts - 1,
            next_attempt_at=now,
            lease_token=None,
        )
    )
    connection.commit()


@contextlib.contextmanager
def _not_waiting_for_disk(connection: Connection) -> Iterator[None]:
    """Commits of this connection return before the disk has them (see the module's notes).

    Only where that cannot corrupt anything (PostgreSQL; SQLite in WAL mode), and put
    back as it was when the round ends.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.exec_driver_sql("SET synchronous_commit TO off")
        restore = "RESET synchronous_commit"
    elif (
        dialect == "sqlite" and connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    ):
        previous = int(connection.exec_driver_sql("PRAGMA synchronous").scalar())
        connection.exec_driver_sql("PRAGMA synchronous = NORMAL")
        restore = f"PRAGMA synchronous = {previous}"
    else:
        restore = None
    connection.commit()
    try:
        yield
    finally:
        if restore is not None:
            with contextlib.suppress(SQLAlchemyError):  # a broken connection is discarded
                connection.rollback()
                connection.exec_driver_sql(restore)
                connection.commit()


def _announce_failures(message_ids: list[int]) -> None:
    if not message_ids:
        return
    session = db_session()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for message in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))):
        mail_failed.send(app, message=message)
    session.commit()
