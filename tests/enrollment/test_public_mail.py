"""Mail to people without an account: the registration confirmation and its manage link,
and the note to an address the LMS already knows. Received by a real SMTP server."""

import re

import pytest
from icalendar import Calendar

from lms.auth.operations import token_hash
from lms.models import Enrollment, EnrollmentStatus, ManageLink, Person, Role
from tests.mail.smtp import delivered_to, smtp_config

from .helpers import audit_actions, flash_text, starting_in
from .test_public_registration import REGISTRANT, STRANGER, register_url

MANAGE_PATH = re.compile(r"https?://[^/\s]+(/training/bookings/([A-Za-z0-9_-]+))")


@pytest.fixture
def app_config(app_config, smtp_server):
    return smtp_config(app_config, smtp_server)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def manage_path(message) -> tuple[str, str]:
    """The manage link's path and token, from the text part (the HTML part has the same)."""
    match = MANAGE_PATH.search(text_of(message))
    assert match, text_of(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert match.group(0) in html
    return match.group(1), match.group(2)


def cancel(client, path, reason=""):
    return client.submit(path, {"reason": reason})


def test_a_registrant_gets_a_confirmation_with_a_link_to_their_booking(
    client, make, crase, smtp_server
):
    session = make.session(crase, capacity=12, is_public=True, location="Lincoln Elementary Gym")
    client.submit(register_url(session), REGISTRANT)

    [mail] = delivered_to(smtp_server, "robin.parent@example.test")
    assert mail["Subject"].startswith("Registered: CRASE: Avoid, Deny, Defend, ")
    assert "Robin Parent" in str(mail["To"])
    text = text_of(mail)
    assert "You have a seat in CRASE: Avoid, Deny, Defend." in text
    assert "Where: Lincoln Elementary Gym" in text
    path, token = manage_path(mail)
    # Only the token's hash is kept.
    link = make.db.query(ManageLink).one()
    assert link.token_hash == token_hash(token) and token not in link.token_hash

    page = client.get(path)
    assert page.status_code == 200
    shown = flash_text(page)
    assert "Your booking" in shown and "Robin Parent" in shown and "Enrolled" in shown
    assert "Lincoln Elementary Gym" in shown and "Cancel my place" in shown
    ics_href = f"/training/sessions/{session.id}/calendar.ics"
    assert f'href="{ics_href}"' in page.get_data(as_text=True)
    ics = client.get(ics_href)  # the session's own calendar file, without an account
    assert ics.status_code == 200
    events = Calendar.from_ical(ics.data).walk("VEVENT")
    assert [str(e["LOCATION"]) for e in events] == ["Lincoln Elementary Gym"]


def test_cancelling_with_the_link_frees_the_seat_and_cannot_be_done_twice(
    client, make, crase, smtp_server
):
    session = make.session(crase, capacity=1, is_public=True)
    client.submit(register_url(session), REGISTRANT)
    client.submit(register_url(session), {**STRANGER, "email": "sam@example.test"})
    [first] = delivered_to(smtp_server, "robin.parent@example.test")
    [second] = delivered_to(smtp_server, "sam@example.test")
    assert second["Subject"].startswith("Waitlist: CRASE")
    assert "you are on its waitlist" in text_of(second)
    path, _ = manage_path(first)
    assert "number 1 on the waitlist" in flash_text(client.get(manage_path(second)[0]))

    done = cancel(client, path, "A family matter")
    assert done.status_code == 200
    assert "Your place is cancelled" in flash_text(done)
    make.db.expire_all()
    robin = make.db.query(Person).filter_by(email="robin.parent@example.test").one()
    sam = make.db.query(Person).filter_by(email="sam@example.test").one()
    places = {e.person_id: e for e in make.db.query(Enrollment)}
    assert places[robin.id].status is EnrollmentStatus.CANCELLED
    assert places[robin.id].cancel_reason == "A family matter"
    assert places[sam.id].status is EnrollmentStatus.ENROLLED  # promoted, as by staff
    [cancelled] = audit_actions(make.db, "enrollment.cancelled")
    assert cancelled.actor_id == robin.id == cancelled.subject_person_id
    assert len(audit_actions(make.db, "enrollment.promoted")) == 1

    # The link's cancel is used: a clear page, with what to do, and nothing changes.
    again = client.get(path)
    assert again.status_code == 410
    assert "already used to cancel your place in CRASE" in flash_text(again)
    assert "register again from the session's page" in flash_text(again)
    token = client.csrf_token(manage_path(second)[0])
    replay = client.post(path, data={"csrf_token": token, "reason": ""})
    assert replay.status_code == 410
    assert len(audit_actions(make.db, "enrollment.cancelled")) == 1


def test_a_cancel_needs_the_forms_csrf_token(client, make, crase, smtp_server):
    session = make.session(crase, capacity=3, is_public=True)
    client.submit(register_url(session), REGISTRANT)
    path, _ = manage_path(delivered_to(smtp_server, "robin.parent@example.test")[0])
    forged = client.post(path, data={"reason": ""})
    assert forged.status_code == 400
    make.db.expire_all()
    assert make.db.query(Enrollment).one().status is EnrollmentStatus.ENROLLED
    assert make.db.query(ManageLink).one().cancel_used_at is None


def test_a_cancel_past_the_rate_limit_keeps_the_typed_reason_and_cancels_nothing(
    client, make, crase, smtp_server
):
    session = make.session(crase, capacity=3, is_public=True)
    client.submit(register_url(session), REGISTRANT)
    path, _ = manage_path(delivered_to(smtp_server, "robin.parent@example.test")[0])
    token = client.csrf_token(path)
    guess = "/training/bookings/" + "A" * 43
    for _ in range(10):  # ten sends a minute from one address are let through
        assert client.post(guess, data={"csrf_token": token}).status_code == 404
    blocked = client.post(path, data={"csrf_token": token, "reason": "A family matter"})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    text = flash_text(blocked)
    assert "Too many requests from your address. Wait 1 minute and send the form again" in text
    assert "what you typed is kept below" in text
    body = blocked.get_data(as_text=True)
    assert 'id="error-summary"' in body and "A family matter</textarea>" in body
    make.db.expire_all()
    assert make.db.query(Enrollment).one().status is EnrollmentStatus.ENROLLED
    assert make.db.query(ManageLink).one().cancel_used_at is None
    # A guessed link is refused for the wait too.
    refused = client.post(guess, data={"csrf_token": token})
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def test_a_link_ends_with_its_session_and_a_malformed_one_is_not_found(
    client, make, crase, smtp_server
):
    session = make.session(crase, capacity=3, is_public=True)
    client.submit(register_url(session), REGISTRANT)
    path, token = manage_path(delivered_to(smtp_server, "robin.parent@example.test")[0])

    # Inside the cut-off the booking shows, the cancel is refused and the link stays usable.
    starting_in(make.db, session, 2)
    page = client.get(path)
    assert page.status_code == 200
    assert "Cancellations closed" in flash_text(page) and "Cancel my place" not in flash_text(page)
    assert make.db.query(ManageLink).one().cancel_used_at is None

    starting_in(make.db, session, -30)  # over: started 30 hours ago, lasted 4
    gone = client.get(path)
    assert gone.status_code == 410
    assert "This booking link worked until CRASE: Avoid, Deny, Defend ended" in flash_text(gone)

    for bad in (token[:-1], token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 200):
        assert client.get(f"/training/bookings/{bad}").status_code == 404, bad


def test_registering_again_mails_a_fresh_link_and_changes_nothing(client, make, crase, smtp_server):
    session = make.session(crase, capacity=3, is_public=True)
    client.submit(register_url(session), REGISTRANT)
    client.submit(register_url(session), {**REGISTRANT, "full_name": "Someone Else"})
    first, second = delivered_to(smtp_server, "robin.parent@example.test")
    assert manage_path(first)[1] != manage_path(second)[1]
    assert "Hello Robin Parent" in text_of(second)  # the name on record, not the one typed
    assert make.db.query(Enrollment).count() == 1


def test_a_known_address_is_told_how_to_enroll_instead(client, make, crase, school, smtp_server):
    officer = make.person(
        Role.OFFICER,
        name="Ofc. Sofia Rivera",
        email="sofia.rivera@example.test",
        password=make.PASSWORD,
    )
    member = make.person(Role.PARTICIPANT, organization=school, email="teacher@bigsky.test")
    gone = make.person(Role.OFFICER, email="gone@example.test", password=make.PASSWORD)
    gone.active = False
    make.db.commit()
    session = make.session(crase, capacity=12, is_public=True)
    for email in ("Sofia.Rivera@example.test", "teacher@bigsky.test", "gone@example.test"):
        client.submit(register_url(session), {**STRANGER, "email": email})
        client.submit(register_url(session), {**STRANGER, "email": email})  # a second try

    [told] = delivered_to(smtp_server, officer.email)  # once, however often it is typed
    # strip(): Python folds a long Subject right after "Subject:" (mail clients unfold it).
    assert told["Subject"].strip() == (
        "You already have an account: sign in to enroll in CRASE: Avoid, Deny, Defend"
    )
    text = text_of(told)
    assert "Hello Ofc. Sofia Rivera" in text and "Sam Stranger" not in text
    assert "http://localhost/training/sign-in" in text
    assert f"http://localhost/training/sessions/{session.id}" in text
    assert "/bookings/" not in text
    [member_told] = delivered_to(smtp_server, member.email)
    assert member_told["Subject"] == "How to enroll in CRASE: Avoid, Deny, Defend"
    assert "Ask your group coordinator or the training office" in text_of(member_told)
    assert delivered_to(smtp_server, gone.email) == []  # a deactivated account hears nothing
    assert make.db.query(Enrollment).count() == 0
    assert make.db.query(ManageLink).count() == 0
