"""Enrollment messages carry the session's calendar invitation (iTIP): the feed's UIDs and
SEQUENCE, the department as ORGANIZER, the recipient as the only ATTENDEE; a move sends an
updated REQUEST, every kind of cancellation a CANCEL."""

from __future__ import annotations


import pytest

from lms.models import EnrollmentStatus, Role
from tests.calendar.conftest import icaljs_instants
from tests.enrollment.helpers import flash_text
from tests.scheduling.test_sessions import edit
from tests.support import DENVER

from .invites import calendar_part, delivered, events, feed_of, read_invitation

SENDER_ADDRESS = "training@mpd.test"


@pytest.fixture
def department(make):
    return make.organization("Missoula Police Department")


@pytest.fixture
def refresher(make, department):
    return make.course("ALERRT-REFRESH", title="ALERRT Refresher", organization=department)


@pytest.fixture
def coordinator(make, department):
    return make.person(
        Role.COORDINATOR, organization=department, name="Pat Coordinator", email="pat@mpd.test"
    )


@pytest.fixture
def officer(make, department):
    return make.person(
        Role.OFFICER, organization=department, name="Ofc. Sofia Rivera", email="sofia@mpd.test"
    )


def enroll(client, session):
    page = f"/training/sessions/{session.id}"
    return client.submit(page, {}, action=f"{page}/enroll", follow_redirects=True)


def cancel(client, enrollment, reason):
    url = f"/training/enrollments/{enrollment.id}/cancel"
    return client.submit(url, {"reason": reason}, follow_redirects=True)


def the_invitation(message, method: str, attendee: str):
    """The calendar of ``message``, checked as an iTIP ``method`` to ``attendee`` alone."""
    part_method, data = calendar_part(message)
    assert part_method == method
    calendar = read_invitation(data)
    assert str(calendar["METHOD"]) == method
    for event in calendar.walk("VEVENT"):
        assert str(event["ORGANIZER"]) == f"mailto:{SENDER_ADDRESS}"
        assert event["ORGANIZER"].params["CN"] == "Missoula Police Department Training"
        attendees = event["ATTENDEE"]
        assert not isinstance(attendees, list), "more than one attendee"
        assert str(attendees) == f"mailto:{attendee}"
    return calendar, data


def same_as_feed(calendar, feed) -> None:
    """Every event has the UID and SEQUENCE the person's own feed shows."""
    invited = events(calendar)
    assert invited and set(invited) <= set(feed)
    for uid, event in invited.items():
        assert event["SEQUENCE"] == feed[uid]["SEQUENCE"], uid
        assert event["STATUS"] == feed[uid]["STATUS"], uid


def test_self_enrollment_is_confirmed_with_the_feeds_invitation(
    client, make, sign_in, refresher, officer, smtp_server, tmp_path
):
    session = make.session(refresher, days=2, location="MPD Training Center")
    other = make.person(Role.OFFICER, name="Ofc. Marcus Bell", email="marcus@mpd.test")
    make.enrollment(session, other)
    sign_in(officer)
    assert "You are enrolled in ALERRT Refresher." in flash_text(enroll(client, session))

    [message] = delivered(smtp_server)[officer.email]
    assert message["Subject"] == (
        "Missoula Police Department: you are enrolled in ALERRT Refresher, "
        f"{session.meetings[0].starts_at.astimezone(DENVER):%a %d %b %Y}"
    )
    assert "You have a seat in this session" in message.get_body(("plain",)).get_content()
    calendar, data = the_invitation(message, "REQUEST", officer.email)
    assert b"marcus@mpd.test" not in message.as_bytes()  # nobody else's address
    invited = events(calendar)
    assert set(invited) == {m.uid for m in session.meetings}
    for event in invited.values():
        assert event["STATUS"] == "CONFIRMED"
        assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    same_as_feed(calendar, feed_of(make, client, officer))
    # Thunderbird's reader sees the same events at the same instants.
    expected = {m.uid: (m.starts_at, m.ends_at) for m in session.meetings}
    assert icaljs_instants(data, tmp_path) == expected
