"""Helpers of the invitation tests: what the SMTP server received, and its calendar parts."""

from __future__ import annotations

import icalendar
import vobject

from lms.calendar.operations import regenerate_feed_token
from lms.mail.delivery import deliver_due
from tests.calendar.conftest import by_uid, check_bytes


def delivered(smtp_server) -> dict[str, list]:
    """Send what is due; recipient address -> the messages it received (parsed), then forget."""
    deliver_due()
    inbox = smtp_server.inbox
    with inbox.lock:
        received, inbox.received[:] = list(inbox.received), []
    by_address: dict[str, list] = {}
    for item in received:
        [address] = item.recipients
        by_address.setdefault(address, []).append(item.message)
    return by_address


def calendar_part(message) -> tuple[str, bytes]:
    """The iTIP part of ``message``: its method parameter and bytes. Checks the attached copy."""
    inline = [
        p
        for p in message.walk()
        if p.get_content_type() == "text/calendar" and p.get_content_disposition() is None
    ]
    attached = [p for p in message.walk() if p.get_filename() and p.get_filename().endswith(".ics")]
    assert len(inline) == 1 and len(attached) == 1
    data = inline[0].get_payload(decode=True)
    assert attached[0].get_payload(decode=True) == data
    return str(inline[0].get_param("method")), data


def read_invitation(data: bytes) -> icalendar.Calendar:
    """The calendar as icalendar reads it (vobject validating too), checked line by line."""
    check_bytes(data)
    calendar = icalendar.Calendar.from_ical(data)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    vobject.readOne(data.decode(), validate=True).validate()
    return calendar


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return by_uid(calendar)


def feed_of(make, client, person) -> dict[str, icalendar.Event]:
    """UID -> event of ``person``'s private feed, fetched as a calendar client does."""
    token = regenerate_feed_token(person)
    make.db.commit()
    response = client.get(f"/training/calendar/private/{token}.ics")
    assert response.status_code == 200
    return by_uid(icalendar.Calendar.from_ical(response.data))
