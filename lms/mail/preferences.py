"""What a person has asked about optional mail: the hooks :func:`.operations.queue_mail` asks.

Reminders and digests (:attr:`MailCategory.optional`) are the messages a person
may turn off; confirmations, cancellations and security messages always go.
Until preferences are stored, everyone receives everything and no message
carries an unsubscribe header. The preferences feature fills in these two
functions (and only these): ``queue_mail`` skips a message :func:`wants` refuses
and adds the headers :func:`list_headers` gives (``List-Unsubscribe`` and
``List-Unsubscribe-Post`` of RFC 8058 one-click unsubscribe).
"""

from __future__ import annotations

from ..models import MailCategory, Person


def wants(person: Person | None, category: MailCategory) -> bool:
    """Whether ``person`` receives messages of ``category`` (always, for the mandatory ones)."""
    return True


def list_headers(person: Person | None, category: MailCategory) -> dict[str, str]:
    """Extra headers of an optional message to ``person`` (unsubscribe links); none yet."""
    return {}
