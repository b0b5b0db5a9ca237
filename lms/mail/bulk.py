"""Many messages alike, fast: one rendering per group, a cheap MIME builder, one COPY.

A scheduled pass (renewal reminders for a whole department) queues thousands of
messages that differ only in their recipient. :func:`.operations.queue_mail`
renders templates and builds an ``EmailMessage`` per message (a few hundred a
second); here a group's subject, text and HTML are rendered once with
placeholders (:data:`NAME`, :data:`UNSUBSCRIBE`) that each recipient's values
replace, and the message is written as bytes directly: ``multipart/alternative``
with base64 text and HTML parts, the same shape (and the same folded headers,
:func:`.compose.folded_header`) :func:`.compose.compose` gives a message without
attachments, and as readable by the ``email`` package. The rows go into the
outbox in one stream (PostgreSQL's ``COPY``; batched inserts elsewhere).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any, NamedTuple

from sqlalchemy import Column, MetaData, String, Table, any_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..bulk import copy_rows
from ..core import db_session
from ..models import MailCategory, MailState, OutboxMessage, utcnow
from .compose import address_header, folded_header, header_address
from .identity import envelope_sender, reply_to_header, sender_header
from .operations import optional_links, render_message, wake_after_commit
from .preferences import list_headers, unsubscribe_links

#: Stand-ins rendered into a group's templates, replaced per recipient.
NAME = "@@lms-recipient-name@@"
UNSUBSCRIBE = "@@lms-unsubscribe-url@@"

BATCH = 1000


class Recipient(NamedTuple):
    """Who a message goes to: what a bulk message needs of a person."""

    id: int
    full_name: str
    email: str


@dataclass(frozen=True)
class Rendered:
    """A group's message with the placeholders still in it."""

    template: str
    subject: str
    text: str
    html: str


def render_group(template: str, context: Mapping[str, Any], category: MailCategory) -> Rendered:
    """Render ``template`` once for everyone in a group (their name left as :data:`NAME`,
    an optional message's unsubscribe link as :data:`UNSUBSCRIBE`)."""
    values = {**context, **(optional_links(UNSUBSCRIBE) if category.optional else {})}
    subject, text, html = render_message(template, values, None, recipient_name=NAME)
    return Rendered(template, subject, text, html)


def _base64_lines(data: bytes) -> bytes:
    """``data`` in base64, 76 characters a line, CRLF after each (RFC 2045 §6.8)."""
    encoded = base64.b64encode(data)
    return b"".join(encoded[i : i + 76] + b"\r\n" for i in range(0, len(encoded), 76))


def build_raw(headers: Iterable[tuple[str, str]], text: str, html: str, *, boundary: str) -> bytes:
    """A ``multipart/alternative`` message (text, then HTML) as SMTP bytes."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    parts = [
        head.encode("ascii"),
        b"MIME-Version: 1.0\r\n",
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
    ]
    for subtype, body in (("plain", text), ("html", html)):
        parts.append(
            f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n".encode()
        )
        parts.append(_base64_lines(body.encode("utf-8")))
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


@dataclass
class BulkMail:
    """Messages of one category being gathered to be inserted at once (:meth:`flush`)."""

    category: MailCategory
    rows: list[dict[str, Any]]
    links: Callable[[int], str] | None  # person id -> unsubscribe URL (optional mail only)
    sender: str  # the From header's value, folded
    reply_to: str | None  # the Reply-To header's value, folded
    domain: str  # of the Message-IDs: the sender's, as :func:`.identity.new_message_id`

    @classmethod
    def start(cls, category: MailCategory) -> BulkMail:
        reply_to = reply_to_header()
        return cls(
            category,
            [],
            unsubscribe_links(category) if category.optional else None,
            address_header("From", *header_address(sender_header())),
            reply_to and address_header("Reply-To", *header_address(reply_to)),
            envelope_sender().rpartition("@")[2],
        )

    def add(self, person: Recipient, rendered: Rendered, dedupe_key: str) -> None:
        """Add ``rendered`` for ``person`` (who has an email address)."""
        unsubscribe, extra = "", {}
        if self.links is not None:
            unsubscribe = self.links(person.id)
            extra = list_headers(unsubscribe)
        name = person.full_name
        text = rendered.text.replace(NAME, name).replace(UNSUBSCRIBE, unsubscribe)
        html = rendered.html.replace(NAME, escape(name)).replace(UNSUBSCRIBE, escape(unsubscribe))
        subject = rendered.subject.replace(NAME, name)
        message_id = make_msgid(domain=self.domain)
        now = utcnow()
        headers = [
            ("From", self.sender),
            ("To", address_header("To", name, person.email)),
        ]
        if self.reply_to:
            headers.append(("Reply-To", self.reply_to))
        headers += [
            ("Subject", folded_header("Subject", subject)),
            ("Date", format_datetime(now)),
            ("Message-ID", message_id),
            ("Auto-Submitted", "auto-generated"),
            *extra.items(),
        ]
        raw = build_raw(headers, text, html, boundary=f"=_lms_{secrets.token_hex(12)}")
        self.rows.append(
            {
                "message_id": message_id,
                "dedupe_key": dedupe_key,
                "category": self.category,
                "template": rendered.template,
                "recipient_person_id": person.id,
                "recipient_address": person.email,
                "subject": subject,
                "raw": raw,
                "state": MailState.QUEUED,
                "attempts": 0,
                "manual_retries": 0,
                "created_at": now,
                "next_attempt_at": now,
            }
        )

    def flush(self) -> int:
        """Insert the gathered messages (a dedupe key already used: skipped); how many."""
        if not self.rows:
            return 0
        session = db_session()
        if session.get_bind().dialect.name == "postgresql":
            inserted = _copy(session, self.rows)
        else:
            inserted = 0
            for start in range(0, len(self.rows), BATCH):
                statement = (
                    sqlite.insert(OutboxMessage.__table__)  # Core: no ORM bookkeeping per row
                    .on_conflict_do_nothing(index_elements=["dedupe_key"])
                    .returning(OutboxMessage.id)
                )
                inserted += len(session.execute(statement, self.rows[start : start + BATCH]).all())
        self.rows.clear()
        if inserted:
            wake_after_commit()
        return inserted


def _copy(session: Session, rows: list[dict[str, Any]]) -> int:
    """PostgreSQL: ``COPY`` the rows into the outbox; how many went in.

    A multi-row ``INSERT`` of a thousand messages makes the driver parse a statement
    of 13,000 parameters and the server plan it, ten times for 10,000 reminders;
    ``COPY`` streams them, written once. The caller left out the keys already used
    (:func:`used_keys`); if another pass queued one of them since (a second worker
    running the same hourly job), the copy is undone to its savepoint and the rows
    go again through :func:`_copy_skipping_used`.
    """
    try:
        with session.begin_nested():
            copy_rows(session.connection(), OutboxMessage.__table__, rows, {})
    except IntegrityError:
        return _copy_skipping_used(session.connection(), rows)
    return len(rows)


_STAGING = "lms_outbox_staging"


def _copy_skipping_used(connection: Connection, rows: list[dict[str, Any]]) -> int:
    """``COPY`` the rows into a temporary table (the outbox's columns, none of its keys),
    then ``INSERT ... SELECT ... ON CONFLICT (dedupe_key) DO NOTHING``; how many went in."""
    table = OutboxMessage.__table__
    columns = list(rows[0])
    staging = Table(
        _STAGING,
        MetaData(),
        *(Column(name, table.c[name].type) for name in columns),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DROP",
    )
    staging.create(connection)
    copy_rows(connection, staging, rows, {})
    statement = (
        postgresql.insert(table)
        .from_select(columns, select(*staging.c))
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(table.c.id)
    )
    inserted = len(connection.execute(statement).all())
    staging.drop(connection)  # a later flush in this transaction makes its own
    return inserted


def used_keys(keys: Iterable[str]) -> set[str]:
    """The dedupe keys among ``keys`` some message was already queued with: one query
    (an array parameter) on PostgreSQL, one per thousand keys elsewhere."""
    keys = list(keys)
    session = db_session()
    if session.get_bind().dialect.name == "postgresql":
        wanted = bindparam("keys", keys, type_=postgresql.ARRAY(String))
        return set(
            session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key == any_(wanted))
            )
        )
    used: set[str] = set()
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        used.update(
            db_session().scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk))
            )
        )
    return used


__all__ = [
    "NAME",
    "UNSUBSCRIBE",
    "BulkMail",
    "Recipient",
    "render_group",
    "used_keys",
]
