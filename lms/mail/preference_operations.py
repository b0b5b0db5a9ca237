"""Writes of mail preferences: turn reminders or digests on or off (audited)."""

from __future__ import annotations

from ..core import audit, db_session
from ..models import MailCategory, MailPreference, Person
from .preferences import preference_of


def set_preferences(
    person: Person, *, reminders: bool, digests: bool, actor: Person | None, via: str
) -> bool:
    """Store ``person``'s choices; audited when they change. Whether anything changed.

    ``via``: how they were changed ("settings page", "unsubscribe link").
    """
    preference = preference_of(person.id)
    if preference is None:
        if reminders and digests:
            return False
        preference = MailPreference(person_id=person.id, reminders=True, digests=True)
        db_session().add(preference)
    if (preference.reminders, preference.digests) == (reminders, digests):
        return False
    preference.reminders, preference.digests = reminders, digests
    audit(
        "mail.preferences_changed",
        person,
        actor=actor,
        details={
            "person_id": person.id,
            "reminders": reminders,
            "digests": digests,
            "via": via,
        },
    )
    db_session().flush()
    return True


def unsubscribe(person: Person, category: MailCategory) -> bool:
    """Turn ``category`` off for ``person`` (the one-click link); whether it was on."""
    preference = preference_of(person.id)
    reminders = preference.reminders if preference else True
    digests = preference.digests if preference else True
    if category is MailCategory.REMINDER:
        reminders = False
    else:
        digests = False
    return set_preferences(
        person, reminders=reminders, digests=digests, actor=person, via="unsubscribe link"
    )
