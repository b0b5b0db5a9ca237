"""Reads for a group's page: who was mailed a sign-up link, when, and whether it arrived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..auth.links import MAIL_TEMPLATES, latest_links
from ..mail.queries import latest_messages
from ..models import AccountToken, MailState, OutboxMessage, Person, TokenPurpose


@dataclass(frozen=True)
class SignUpLink:
    """A person's last sign-up link and the message that carried it (None: not mailed)."""

    link: AccountToken
    message: OutboxMessage | None

    @property
    def mailed_at(self) -> datetime | None:
        """When the SMTP server took the message (None: not yet, or never)."""
        message = self.message
        return message.sent_at if message is not None and message.state is MailState.SENT else None

    @property
    def failed(self) -> bool:
        return self.message is not None and self.message.state is MailState.FAILED


def sign_up_links(people: list[Person]) -> dict[int, SignUpLink]:
    """person id -> their last sign-up link, for the people without a login."""
    ids = [p.id for p in people if not p.has_login]
    purpose = TokenPurpose.CLAIM_ACCOUNT
    messages = latest_messages(ids, MAIL_TEMPLATES[purpose])
    return {
        person_id: SignUpLink(link, messages.get(person_id))
        for person_id, link in latest_links(ids, purpose).items()
    }
