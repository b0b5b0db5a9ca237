"""The outbox: every message the LMS sends, recorded with the change that caused it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .people import Person


class MailCategory(enum.StrEnum):
    """What a message is for; decides whether its recipient may turn it off."""

    TRANSACTIONAL = "transactional"  # confirmations, cancellations
    SECURITY = "security"  # password reset, invitations
    REMINDER = "reminder"  # renewal reminders
    DIGEST = "digest"  # weekly summaries for coordinators

    @property
    def optional(self) -> bool:
        """The recipient may turn these off (reminders and digests, never the others)."""
        return self in (MailCategory.REMINDER, MailCategory.DIGEST)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MailState(enum.StrEnum):
    """Where a message is on its way out."""

    QUEUED = "queued"  # waiting for its (next) try
    SENDING = "sending"  # a worker holds it until ``next_attempt_at``
    SENT = "sent"  # the SMTP server accepted it (or it was written as an .eml file)
    FAILED = "failed"  # refused for good, or out of tries; ``answer`` says why

    @property
    def label(self) -> str:
        return self.value.capitalize()


class OutboxMessage(Base):
    """One message: the complete MIME bytes as the recipient will get them, and its delivery.

    ``raw`` is rendered when the message is queued, in the transaction of the
    change that caused it, so the Outbox page shows exactly what is sent and the
    worker only sends bytes. ``message_id`` (the ``Message-ID`` header) never
    changes: a message sent twice after a crash is recognisably the same message.

    ``next_attempt_at`` is when a worker may take it: for a queued message, its
    (next) try; for one being sent, the end of the worker's claim, after which
    another worker takes it over (the first one died or hung).
    """

    __tablename__ = "lms_outbox_message"
    __table_args__ = (
        # The workers' claim: due messages in order.
        Index("ix_lms_outbox_message_due", "state", "next_attempt_at"),
        # The Outbox page: newest first, filtered by state.
        Index("ix_lms_outbox_message_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    category: Mapped[MailCategory] = mapped_column(str_enum(MailCategory, "mail_category"))
    template: Mapped[str] = mapped_column(String(100))
    recipient_person_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"), index=True)
    recipient_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[MailState] = mapped_column(
        str_enum(MailState, "mail_state"), default=MailState.QUEUED
    )
    #: Tries since it was queued, or since an administrator last retried it.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Times an administrator sent a failed message again.
    manual_retries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The claim of the worker sending it (random; cleared when the try ends).
    lease_token: Mapped[str | None] = mapped_column(String(32))
    #: host:pid of the worker that tried it last.
    worker: Mapped[str | None] = mapped_column(String(120))
    last_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    #: The SMTP server's last answer ("250 2.0.0 Ok: queued as ...", "550 5.1.1 ..."),
    #: or why no server answered.
    answer: Mapped[str | None] = mapped_column(Text)

    recipient: Mapped[Person | None] = relationship()

    @property
    def retries(self) -> int:
        """Tries after the first, automatic or by an administrator."""
        return max(self.attempts - 1, 0) + self.manual_retries
