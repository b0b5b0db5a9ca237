"""Enrollment messages carry the session's calendar invitation (iTIP): the feed's UIDs and
SEQUENCE, the department as ORGANIZER, the recipient as the only ATTENDEE; a move sends an
updated REQUEST, every kind of cancellation a CANCEL."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, update

from lms.models import Enrollment, EnrollmentSource, EnrollmentStatus, Role, utcnow
from tests.calendar.conftest import icaljs_instants
from tests.enrollment import conftest as enrollment_fixtures
from tests.enrollment.helpers import flash_text
from tests.scheduling.test_sessions import edit
from tests.support import DENVER

from .invites import calendar_part, delivered, events, feed_of, read_invitation

SENDER_ADDRESS = "training@mpd.test"
client_for = enrollment_fixtures.client_for  # a separate browser signed in as someone


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


def test_a_coordinator_enrolling_someone_sends_them_the_invitation(
    client, make, sign_in, refresher, officer, coordinator, smtp_server
):
    session = make.session(refresher)
    sign_in(coordinator)
    page = f"/training/sessions/{session.id}/enrollments"
    assert client.submit(page, {"email": officer.email}, action=f"{page}/add").status_code == 302

    received = delivered(smtp_server)
    assert list(received) == [officer.email]  # not the coordinator
    [message] = received[officer.email]
    calendar, _ = the_invitation(message, "REQUEST", officer.email)
    same_as_feed(calendar, feed_of(make, client, officer))


def test_the_waitlist_gets_word_then_a_seat_with_the_invitation_and_a_cancel_withdraws_it(
    client, client_for, make, sign_in, refresher, officer, smtp_server
):
    session = make.session(refresher, capacity=1)
    waiting = make.person(Role.OFFICER, name="Ofc. Marcus Bell", email="marcus@mpd.test")
    sign_in(officer)
    enroll(client, session)
    [confirmation] = delivered(smtp_server)[officer.email]
    before, _ = the_invitation(confirmation, "REQUEST", officer.email)

    assert "waitlist" in flash_text(enroll(client_for(waiting), session))
    [word] = delivered(smtp_server)[waiting.email]
    assert "you are on the waitlist for ALERRT Refresher" in word["Subject"]
    # The number in line is on the page (the flash above, the session page), where it
    # stays true; the message points there rather than carry one that goes stale.
    text = word.get_body(("plain",)).get_content()
    assert "Your place in line is on the session's page" in text
    assert f"/sessions/{session.id}" in text
    assert not [p for p in word.walk() if p.get_content_type() == "text/calendar"]

    mine = make.db.query(Enrollment).filter_by(person_id=officer.id).one()
    assert "is cancelled" in flash_text(cancel(client, mine, "Court date"))
    received = delivered(smtp_server)
    [withdrawn] = received[officer.email]
    assert "your place in ALERRT Refresher" in withdrawn["Subject"]
    assert "As you asked" in withdrawn.get_body(("plain",)).get_content()
    cancelled, _ = the_invitation(withdrawn, "CANCEL", officer.email)
    assert set(events(cancelled)) == set(events(before))  # the same UIDs
    for uid, event in events(cancelled).items():
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] > events(before)[uid]["SEQUENCE"]
    same_as_feed(cancelled, feed_of(make, client, officer))

    [seat] = received[waiting.email]
    assert "you have a seat in ALERRT Refresher" in seat["Subject"]
    given, _ = the_invitation(seat, "REQUEST", waiting.email)
    assert b"sofia@mpd.test" not in seat.as_bytes()
    same_as_feed(given, feed_of(make, client, waiting))


def test_a_moved_session_sends_an_updated_request_with_a_higher_sequence(
    client, client_for, make, sign_in, refresher, officer, coordinator, smtp_server
):
    session = make.session(refresher, days=2, capacity=1)
    enroll(client_for(officer), session)
    waiting = make.person(Role.OFFICER, email="waiting@mpd.test")
    make.enrollment(session, waiting, status=EnrollmentStatus.WAITLISTED)
    [confirmation] = delivered(smtp_server)[officer.email]
    before, _ = the_invitation(confirmation, "REQUEST", officer.email)
    first, second = session.meetings

    sign_in(coordinator)
    assert edit(client, session, **{"meetings-1-starts": "09:00"}).status_code == 302
    received = delivered(smtp_server)
    assert list(received) == [officer.email]  # the seated, not the waitlist
    [update] = received[officer.email]
    assert "ALERRT Refresher has new times or place" in update["Subject"]
    assert "9:00 AM" in update.get_body(("plain",)).get_content()
    after, _ = the_invitation(update, "REQUEST", officer.email)
    old, new = events(before), events(after)
    assert set(old) == set(new)
    assert new[second.uid]["SEQUENCE"] > old[second.uid]["SEQUENCE"]
    assert new[first.uid]["SEQUENCE"] == old[first.uid]["SEQUENCE"]  # not moved
    assert new[second.uid].decoded("DTSTART").astimezone(DENVER).hour == 9
    same_as_feed(after, feed_of(make, client, officer))


def test_staff_cancelling_a_place_sends_a_cancel_with_their_reason(
    client, make, sign_in, refresher, officer, coordinator, smtp_server
):
    session = make.session(refresher)
    place = make.enrollment(session, officer)
    sign_in(coordinator)
    assert "is cancelled" in flash_text(cancel(client, place, "Assigned to patrol"))

    [message] = delivered(smtp_server)[officer.email]
    text = message.get_body(("plain",)).get_content()
    assert "cancelled by the training staff (Assigned to patrol)" in text
    calendar, _ = the_invitation(message, "CANCEL", officer.email)
    assert set(events(calendar)) == {m.uid for m in session.meetings}
    same_as_feed(calendar, feed_of(make, client, officer))


def test_a_cancelled_session_sends_each_place_a_cancel(
    client, make, sign_in, refresher, officer, coordinator, smtp_server
):
    session = make.session(refresher, capacity=1, days=2)
    make.enrollment(session, officer)
    waiting = make.person(Role.OFFICER, name="Ofc. Marcus Bell", email="marcus@mpd.test")
    make.enrollment(session, waiting, status=EnrollmentStatus.WAITLISTED)
    sign_in(coordinator)
    url = f"/training/schedule/sessions/{session.id}/cancel"
    assert client.submit(url, {"reason": "Range closed"}).status_code == 302

    received = delivered(smtp_server)
    assert sorted(received) == sorted([officer.email, waiting.email])
    for person in (officer, waiting):
        [message] = received[person.email]
        assert "ALERRT Refresher" in message["Subject"] and "is cancelled" in message["Subject"]
        assert (
            "This session is cancelled: Range closed" in message.get_body(("plain",)).get_content()
        )
        calendar, _ = the_invitation(message, "CANCEL", person.email)
        assert set(events(calendar)) == {m.uid for m in session.meetings}
        assert all(e["STATUS"] == "CANCELLED" for e in events(calendar).values())
        same_as_feed(calendar, feed_of(make, client, person))


def test_a_day_taken_off_a_session_sends_a_cancel_of_that_day_alone(
    client, client_for, make, sign_in, refresher, officer, coordinator, smtp_server, tmp_path
):
    session = make.session(refresher, days=3, capacity=2)
    enroll(client_for(officer), session)
    waiting = make.person(Role.OFFICER, email="waiting@mpd.test")
    make.enrollment(session, make.person(Role.OFFICER, email="marcus@mpd.test"))
    make.enrollment(session, waiting, status=EnrollmentStatus.WAITLISTED)
    [confirmation] = delivered(smtp_server)[officer.email]
    before, _ = the_invitation(confirmation, "REQUEST", officer.email)
    feed_before = feed_of(make, client, officer)
    first, second, third = (
        (m.uid, m.starts_at.astimezone(DENVER), m.ends_at) for m in session.meetings
    )

    sign_in(coordinator)  # the second day goes: its row left empty in the form
    data = {f"meetings-1-{key}": "" for key in ("meeting_id", "day", "starts", "ends")}
    assert edit(client, session, **data).status_code == 302
    received = delivered(smtp_server)
    assert sorted(received) == sorted([officer.email, "marcus@mpd.test"])  # the seated only
    [message] = received[officer.email]  # one message: nothing else changed
    day = f"{second[1]:%a %d %b %Y}"
    assert message["Subject"] == (
        f"Missoula Police Department: ALERRT Refresher no longer meets on {day}"
    )
    text = message.get_body(("plain",)).get_content()
    assert "A day was taken off a session you are enrolled in:" in text
    taken_off, now_meets = text.split("You keep your seat. The session now meets:")
    assert f"{day}, {second[1]:%-I:%M %p}" in taken_off and day not in now_meets
    assert f"{first[1]:%a %d %b %Y}" in now_meets and f"{third[1]:%a %d %b %Y}" in now_meets

    cancel, data = the_invitation(message, "CANCEL", officer.email)
    [(uid, event)] = events(cancel).items()
    assert uid == second[0] and uid in feed_before  # the feed's own UID
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] > events(before)[uid]["SEQUENCE"]
    assert event["SEQUENCE"] > feed_before[uid]["SEQUENCE"]
    assert event.decoded("DTSTART") == second[1]
    assert "RECURRENCE-ID" not in event  # its own event, not an instance of a series
    feed_after = feed_of(make, client, officer)
    assert set(feed_after) == {first[0], third[0]}  # the feed drops it; the others stand
    for kept in (first[0], third[0]):
        assert feed_after[kept]["SEQUENCE"] == events(before)[kept]["SEQUENCE"]
    # Thunderbird's reader finds the one event, at its time.
    assert icaljs_instants(data, tmp_path) == {uid: (second[1], second[2])}


def test_a_seat_freed_while_an_officer_enrolls_in_a_full_session_gets_them_the_invitation(
    client, make, sign_in, refresher, officer, smtp_server, monkeypatch
):
    """The waitlist word is built before the lock (the session was full); the lock then
    finds the seat someone just gave back: a confirmation with the invitation goes,
    not the waitlist word."""
    from lms.enrollment import operations

    session = make.session(refresher, capacity=1)
    holder = make.person(Role.OFFICER, name="Ofc. Marcus Bell", email="marcus@mpd.test")
    make.enrollment(session, holder)
    real = operations.locked_session

    def seat_given_back_first(session_id):  # another request, its own connection
        with make.db.get_bind().begin() as other_request:
            other_request.execute(
                update(Enrollment)
                .where(Enrollment.person_id == holder.id)
                .values(status=EnrollmentStatus.CANCELLED)
            )
        return real(session_id)

    monkeypatch.setattr(operations, "locked_session", seat_given_back_first)
    sign_in(officer)
    assert "You are enrolled" in flash_text(enroll(client, session))
    [confirmation] = delivered(smtp_server)[officer.email]
    assert "waitlist" not in confirmation["Subject"]
    the_invitation(confirmation, "REQUEST", officer.email)


def test_a_seat_taken_while_an_officer_enrolls_puts_them_on_the_waitlist_with_word_of_it(
    client, make, sign_in, refresher, officer, smtp_server, monkeypatch
):
    """The reverse: a seat was free when read, gone when locked: the waitlist word goes,
    built under the lock, with no invitation."""
    from lms.enrollment import operations

    session = make.session(refresher, capacity=1)
    other = make.person(Role.OFFICER, name="Ofc. Marcus Bell", email="marcus@mpd.test")
    other_id, other_organization_id = other.id, other.organization_id
    real = operations.locked_session

    def seat_taken_first(session_id):  # another request, its own connection
        with make.db.get_bind().begin() as other_request:
            other_request.execute(
                insert(Enrollment).values(
                    session_id=session_id,
                    person_id=other_id,
                    organization_id=other_organization_id,
                    status=EnrollmentStatus.ENROLLED,
                    source=EnrollmentSource.SELF,
                    created_at=utcnow(),
                    status_changed_at=utcnow(),
                )
            )
        return real(session_id)

    monkeypatch.setattr(operations, "locked_session", seat_taken_first)
    sign_in(officer)
    assert "#1 on the waitlist" in flash_text(enroll(client, session))
    [word] = delivered(smtp_server)[officer.email]
    assert "you are on the waitlist for ALERRT Refresher" in word["Subject"]
    assert not [p for p in word.walk() if p.get_content_type() == "text/calendar"]
