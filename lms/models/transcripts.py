"""Issued transcripts: a signed snapshot of a person's training record on a date."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import Person


class TranscriptRewriteError(RuntimeError):
    """Code tried to change or delete an issued transcript."""


class IssuedTranscript(Base):
    """A transcript handed out: its serial, whose, as of when, and the record signed.

    ``record`` is the exact JSON text the signature covers; the PDF is rendered
    from it (never from today's data), so a transcript reprinted later says
    what it said when it was issued. Rows are never changed or deleted.
    """

    __tablename__ = "lms_transcript"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date]
    record: Mapped[str] = mapped_column(Text)
    record_sha256: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(200))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    issued_by: Mapped[Person | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def display_serial(self) -> str:
        """The serial in groups of four, as printed."""
        return "-".join(self.serial[i : i + 4] for i in range(0, len(self.serial), 4))

    @property
    def facts(self) -> dict[str, Any]:
        """The signed record, parsed."""
        return json.loads(self.record)


@event.listens_for(IssuedTranscript, "before_update")
def _refuse_rewrite(mapper, connection, target):
    raise TranscriptRewriteError("an issued transcript cannot be changed; issue a new one")


@event.listens_for(IssuedTranscript, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise TranscriptRewriteError("issued transcripts are never deleted")
