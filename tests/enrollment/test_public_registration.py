"""Public registration for CRASE: no account, bot-resistant, one place per person."""

import os
import uuid

import pytest

from lms.app import create_app
from lms.models import AuditEvent, Enrollment, EnrollmentSource, EnrollmentStatus, Person, Role
from lms.ratelimit import Limit, hit_all
from tests.support import FormClient

from .helpers import audit_actions, flash_text, starting_in

REGISTRANT = {
    "full_name": "Robin Parent",
    "email": "Robin.Parent@Example.test",
    "organization": "Lincoln Elementary PTA",
}


def register_url(session):
    return f"/training/sessions/{session.id}/register"


def test_a_visitor_registers_without_an_account(client, make, crase):
    session = make.session(crase, capacity=12, is_public=True)
    page = flash_text(client.get(f"/training/sessions/{session.id}"))
    assert "Anyone may register for this session" in page

    response = client.submit(register_url(session), REGISTRANT)
    assert response.status_code == 200
    assert "You have a seat in CRASE: Avoid, Deny, Defend." in flash_text(response)
    ics_link = f'href="/training/sessions/{session.id}/calendar.ics"'
    assert ics_link in response.get_data(as_text=True)
    ics = client.get(f"/training/sessions/{session.id}/calendar.ics")
    assert ics.mimetype == "text/calendar" and b"BEGIN:VEVENT" in ics.data

    person = make.db.query(Person).filter_by(email="robin.parent@example.test").one()
    assert person.full_name == "Robin Parent" and person.password_hash is None
    assert person.organization.name == "Public registrants"
    enrollment = make.db.query(Enrollment).one()
    assert enrollment.source is EnrollmentSource.PUBLIC
    assert enrollment.affiliation == "Lincoln Elementary PTA"
    assert enrollment.status is EnrollmentStatus.ENROLLED
    event = make.db.query(AuditEvent).filter_by(action="enrollment.created").one()
    assert event.actor_id is None and event.source_address == "127.0.0.1"
    assert event.details["source"] == "public"


def test_a_double_submitted_form_leaves_one_enrollment(client, make, crase):
    session = make.session(crase, capacity=12, is_public=True)
    token = client.csrf_token(register_url(session))
    first = client.post(register_url(session), data={"csrf_token": token, **REGISTRANT})
    again = client.post(register_url(session), data={"csrf_token": token, **REGISTRANT})
    assert "You have a seat in CRASE" in flash_text(first)
    assert flash_text(again) == flash_text(first)
    assert make.db.query(Person).count() == 1
    assert make.db.query(Enrollment).count() == 1

    # Once the seats are gone, the next registrant joins the waitlist.
    session.capacity = 1
    make.db.commit()
    response = client.submit(register_url(session), {**REGISTRANT, "email": "next@example.test"})
    assert "The session is full: you are on the waitlist for CRASE" in flash_text(response)


def test_the_honeypot_catches_bots_and_keeps_nothing(client, make, crase):
    session = make.session(crase, capacity=12, is_public=True)
    response = client.submit(register_url(session), {**REGISTRANT, "website": "http://spam"})
    assert response.status_code == 200
    assert "Your registration for CRASE: Avoid, Deny, Defend was received." in flash_text(response)
    assert make.db.query(Person).count() == 0
    assert make.db.query(Enrollment).count() == 0


def test_bad_input_and_closed_sessions_are_refused(client, make, crase, refresher):
    session = make.session(crase, capacity=12, is_public=True)
    response = client.submit(
        register_url(session), {"full_name": "", "email": "nope", "organization": ""}
    )
    assert response.status_code == 400
    text = flash_text(response)
    assert "Give your name." in text and "Not a valid email" in text
    assert "There are 2 problems" in text  # the organization is optional

    started = starting_in(make.db, make.session(crase, is_public=True), hours=-1)
    page = flash_text(client.get(register_url(started)))
    assert "This session has already started." in page and "Full name" not in page
    response = client.submit(register_url(session), REGISTRANT, action=register_url(started))
    assert response.status_code == 400
    assert "This session has already started." in flash_text(response)

    private = make.session(refresher)
    assert client.get(register_url(private)).status_code == 404
    assert make.db.query(Person).count() == 0


def test_a_school_registers_its_people_from_one_network(app, client, make, crase):
    """Ten people from one address (five browsers, one of them used for six people) get in."""
    session = make.session(crase, capacity=50, is_public=True)
    browsers = [client] + [app.test_client() for _ in range(4)]
    codes = [
        browsers[max(0, i - 5)]
        .submit(register_url(session), {**REGISTRANT, "email": f"p{i}@example.test"})
        .status_code
        for i in range(10)
    ]
    assert codes == [200] * 10
    assert make.db.query(Enrollment).count() == 10


def test_one_email_registered_too_often_gets_the_form_back_as_typed(client, make, crase):
    session = make.session(crase, capacity=50, is_public=True)
    other = make.session(crase, capacity=50, is_public=True)
    for target in (session, other, session, other, session):
        assert client.submit(register_url(target), REGISTRANT).status_code == 200
    typed = {**REGISTRANT, "full_name": "Robin Q. Parent", "organization": "Lincoln PTA"}
    blocked = client.submit(register_url(other), typed)
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 3600
    text = flash_text(blocked)
    assert "This email was used for several registrations in the last hour." in text
    assert "what you typed is kept below" in text
    body = blocked.get_data(as_text=True)
    for value in ("Robin Q. Parent", "robin.parent@example.test", "Lincoln PTA"):
        assert f'value="{value}"' in body
    assert 'id="error-summary"' in body
    # Another address from the same browser and network still gets in.
    assert (
        client.submit(register_url(other), {**typed, "email": "b@example.test"}).status_code == 200
    )
    assert make.db.query(Enrollment).count() == 3
    assert client.get(register_url(session)).status_code == 200  # reading is not limited


def test_every_limit_counts_only_when_all_have_room(app):
    """A full limit counts nothing against the others (the per-browser and per-network ceilings)."""
    with app.test_request_context():
        roomy, tight = Limit("test_roomy", "10/hour", "k"), Limit("test_tight", "2/hour", "k")
        assert [hit_all([roomy, tight]) for _ in range(3)] == [None, None, tight]
        assert hit_all([roomy]) is None
        assert 0 < tight.retry_after() <= 3600
        assert [hit_all([roomy]) for _ in range(8)][-2:] == [None, roomy]


@pytest.fixture
def redis_url():
    url = os.environ.get("LMS_TEST_REDIS_URL")
    if not url:
        pytest.skip("LMS_TEST_REDIS_URL is not set; the shared rate limit needs Redis")
    return url


def test_the_rate_limit_is_shared_by_app_processes_through_redis(
    app_config, make, crase, redis_url
):
    """Two app instances (as two gunicorn workers) count one email together."""
    session = make.session(crase, capacity=50, is_public=True)
    # A namespace of this test's own: the Redis database is shared with parallel test workers.
    shared = {"LMS_REDIS_URL": redis_url, "LMS_REDIS_PREFIX": f"lms-test-{uuid.uuid4().hex}"}
    apps = [create_app({**app_config, **shared}) for _ in range(2)]
    codes = []
    for i in range(6):
        worker = apps[i % 2]
        worker.test_client_class = FormClient
        client = worker.test_client()
        codes.append(client.submit(register_url(session), REGISTRANT).status_code)
    assert codes == [200] * 5 + [429]


# --- nothing to learn about, and nothing to do to, someone else's address ----------------

STRANGER = {"full_name": "Sam Stranger", "organization": "Nowhere Club"}


def same_page(a, name_a, b, name_b) -> None:
    """Two answers a visitor cannot tell apart, but for the name each typed."""
    assert a.status_code == b.status_code == 200
    assert a.mimetype == b.mimetype
    assert a.get_data(as_text=True).replace(name_a, "NAME") == b.get_data(as_text=True).replace(
        name_b, "NAME"
    )


def test_an_existing_accounts_email_is_neither_enrolled_nor_revealed(
    client, make, crase, department
):
    officer = make.person(
        Role.OFFICER,
        organization=department,
        name="Ofc. Sofia Rivera",
        email="sofia.rivera@example.test",
        password=make.PASSWORD,
    )
    session = make.session(crase, capacity=12, is_public=True)

    taken = client.submit(register_url(session), {**STRANGER, "email": "Sofia.Rivera@example.test"})
    fresh = client.submit(register_url(session), {**REGISTRANT})
    same_page(taken, "Sam Stranger", fresh, "Robin Parent")
    assert "Thank you, Sam Stranger." in flash_text(taken)
    assert "Ofc. Sofia Rivera" not in taken.get_data(as_text=True)

    make.db.expire_all()
    assert make.db.query(Enrollment).filter_by(person_id=officer.id).count() == 0
    assert officer.full_name == "Ofc. Sofia Rivera"
    assert officer.organization_id == department.id
    # Kept for the account holder (the mail issue tells them to sign in and enroll).
    event = make.db.query(AuditEvent).filter_by(action="registration.existing_account").one()
    assert event.object_type == "Person" and event.object_id == str(officer.id)
    assert event.actor_id is None
    assert event.details["session_id"] == session.id
    assert event.details["typed_name"] == "Sam Stranger"


def test_a_group_member_or_deactivated_person_is_not_enrolled_by_a_stranger(
    client, make, crase, school
):
    member = make.person(Role.PARTICIPANT, organization=school, email="teacher@bigsky.test")
    gone = make.person(Role.OFFICER, email="gone@example.test", password=make.PASSWORD)
    gone.active = False
    make.db.commit()
    session = make.session(crase, capacity=12, is_public=True)

    fresh = client.submit(register_url(session), REGISTRANT)
    for email in ("teacher@bigsky.test", "gone@example.test"):
        response = client.submit(register_url(session), {**STRANGER, "email": email})
        same_page(response, "Sam Stranger", fresh, "Robin Parent")
    make.db.expire_all()
    enrolled = {e.person_id for e in make.db.query(Enrollment)}
    assert member.id not in enrolled and gone.id not in enrolled
    assert len(audit_actions(make.db, "registration.existing_account")) == 2


def test_a_repeat_registration_reads_like_a_first_one(client, make, crase):
    session = make.session(crase, capacity=1, is_public=True)
    make.enrollment(session, make.person(Role.OFFICER))  # the one seat is taken
    first = client.submit(register_url(session), REGISTRANT)
    again = client.submit(register_url(session), {**REGISTRANT, "full_name": "Sam Stranger"})
    fresh = client.submit(
        register_url(session), {**REGISTRANT, "full_name": "Kim New", "email": "kim@example.test"}
    )
    same_page(first, "Robin Parent", again, "Sam Stranger")
    same_page(first, "Robin Parent", fresh, "Kim New")
    text = flash_text(first)
    # Useful to the registrant, about nobody else: no position, no "already".
    assert "The session is full: you are on the waitlist for CRASE: Avoid, Deny, Defend." in text
    assert "#" not in text and "already" not in text.lower()
    make.db.expire_all()
    person = make.db.query(Person).filter_by(email="robin.parent@example.test").one()
    assert person.full_name == "Robin Parent"  # a repeat changes nothing
    assert make.db.query(Enrollment).filter_by(person_id=person.id).count() == 1


def test_an_account_holders_address_reads_like_a_new_one_when_the_session_is_full(
    client, make, crase
):
    session = make.session(crase, capacity=1, is_public=True)
    holder = make.person(Role.OFFICER, email="holder@example.test", password=make.PASSWORD)
    make.enrollment(session, holder)
    held = client.submit(register_url(session), {**STRANGER, "email": "holder@example.test"})
    fresh = client.submit(register_url(session), REGISTRANT)
    same_page(held, "Sam Stranger", fresh, "Robin Parent")
    assert "you are on the waitlist" in flash_text(held)
