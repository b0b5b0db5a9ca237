"""What a person has asked about optional mail (reminders and digests)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .mail import MailCategory


class MailPreference(Base):
    """A person's choice of optional mail; no row: they receive everything."""

    __tablename__ = "lms_mail_preference"

    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), primary_key=True)
    reminders: Mapped[bool] = mapped_column(default=True)
    digests: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def wants(self, category: MailCategory) -> bool:
        """Whether these preferences let ``category`` through (mandatory mail always)."""
        if category is MailCategory.REMINDER:
            return self.reminders
        if category is MailCategory.DIGEST:
            return self.digests
        return True

    def set(self, category: MailCategory, wanted: bool) -> None:
        if category is MailCategory.REMINDER:
            self.reminders = wanted
        elif category is MailCategory.DIGEST:
            self.digests = wanted
        else:
            raise ValueError(f"{category} mail cannot be turned off")
