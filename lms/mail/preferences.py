"""What a person has asked about optional mail: the hooks :func:`.operations.queue_mail` asks.

Reminders and digests (:attr:`MailCategory.optional`) are the messages a person
may turn off; confirmations, cancellations and security messages always go.
:func:`wants` says whether a message goes; :func:`list_headers` gives the
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers of RFC 8058 one-click
unsubscribe. :func:`.operations.queue_mail` (and :mod:`.bulk`) put the link in
every optional message, header and footer (``unsubscribe_url`` and
``preferences_url`` in its templates), and in no other. The link carries a
token signed with the app's secret key naming the person and the category, so it
works without signing in and needs nothing stored; a POST to it turns that
category off, a GET shows a page to confirm.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..core import db_session, public_url
from ..models import MailCategory, MailPreference, Person

SALT = "lms.mail.unsubscribe"
UNSUBSCRIBE_ENDPOINT = "lms.mail_preferences.unsubscribe"
PREFERENCES_ENDPOINT = "lms.mail_preferences.edit"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(person: Person, category: MailCategory) -> str:
    """The signed token of ``person``'s unsubscribe link for ``category``."""
    return _serializer().dumps([person.id, category.value])


def read_token(token: str) -> tuple[int, MailCategory] | None:
    """(person id, category) of an unsubscribe token, or None if it is none of ours."""
    try:
        person_id, category = _serializer().loads(token)
        category = MailCategory(category)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(person_id, int) or not category.optional:
        return None
    return person_id, category


def preference_of(person_id: int) -> MailPreference | None:
    return db_session().get(MailPreference, person_id)


def wants(person: Person | None, category: MailCategory) -> bool:
    """Whether ``person`` receives messages of ``category`` (always, for the mandatory ones)."""
    if person is None or not category.optional or person.id is None:
        return True
    preference = preference_of(person.id)
    return preference is None or preference.wants(category)


def list_headers(url: str) -> dict[str, str]:
    """The headers of RFC 8058 one-click unsubscribe through ``url``."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def unsubscribe_url(person: Person, category: MailCategory) -> str:
    return public_url(UNSUBSCRIBE_ENDPOINT, token=unsubscribe_token(person, category))


def preferences_url() -> str:
    """The mail settings page (signed in)."""
    return public_url(PREFERENCES_ENDPOINT)


def unsubscribe_links(category: MailCategory) -> Callable[[int], str]:
    """For many messages at once: person id -> their unsubscribe URL for ``category``."""
    placeholder = "TOKEN"
    base = public_url(UNSUBSCRIBE_ENDPOINT, token=placeholder)
    serializer = _serializer()

    def link(person_id: int) -> str:
        # The token is URL-safe: it goes into the address as it is.
        return base.replace(placeholder, serializer.dumps([person_id, category.value]))

    return link
