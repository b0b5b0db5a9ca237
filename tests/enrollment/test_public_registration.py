"""Public registration for CRASE: no account, bot-resistant, one place per person."""

import os

import pytest

from lms.app import create_app
from lms.models import AuditEvent, Enrollment, EnrollmentSource, EnrollmentStatus, Person

from .helpers import flash_text, starting_in

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
    assert "You are registered for CRASE: Avoid, Deny, Defend: Enrolled" in flash_text(response)
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
    assert "You are registered" in flash_text(first)
    assert "You were already registered." in flash_text(again)
    assert make.db.query(Person).count() == 1
    assert make.db.query(Enrollment).count() == 1

    # Once the seats are gone, the next registrant joins the waitlist.
    session.capacity = 1
    make.db.commit()
    response = client.submit(register_url(session), {**REGISTRANT, "email": "next@example.test"})
    assert "you are #1 on the waitlist for CRASE" in flash_text(response)


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
    assert "Say which organization you come from." in text

    started = starting_in(make.db, make.session(crase, is_public=True), hours=-1)
    page = flash_text(client.get(register_url(started)))
    assert "This session has already started." in page and "Full name" not in page
    response = client.submit(register_url(session), REGISTRANT, action=register_url(started))
    assert response.status_code == 400
    assert "This session has already started." in flash_text(response)

    private = make.session(refresher)
    assert client.get(register_url(private)).status_code == 404
    assert make.db.query(Person).count() == 0


def test_registrations_are_rate_limited_per_address(client, make, crase):
    session = make.session(crase, capacity=50, is_public=True)
    token = client.csrf_token(register_url(session))
    codes = [
        client.post(
            register_url(session),
            data={"csrf_token": token, **REGISTRANT, "email": f"p{i}@example.test"},
        ).status_code
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]
    blocked = client.post(register_url(session), data={"csrf_token": token, **REGISTRANT})
    assert "Too many requests from your address" in flash_text(blocked)
    assert make.db.query(Enrollment).count() == 5
    assert client.get(register_url(session)).status_code == 200  # reading is not limited


@pytest.fixture
def redis_url():
    url = os.environ.get("LMS_TEST_REDIS_URL")
    if not url:
        pytest.skip("LMS_TEST_REDIS_URL is not set; the shared rate limit needs Redis")
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


def test_the_rate_limit_is_shared_by_app_processes_through_redis(
    app_config, make, crase, redis_url
):
    """Two app instances (as two gunicorn workers) count one address together."""
    session = make.session(crase, capacity=50, is_public=True)
    apps = [create_app({**app_config, "LMS_REDIS_URL": redis_url}) for _ in range(2)]
    codes = []
    for i in range(6):
        worker = apps[i % 2]
        from tests.support import FormClient

        worker.test_client_class = FormClient
        client = worker.test_client()
        response = client.submit(
            register_url(session), {**REGISTRANT, "email": f"r{i}@example.test"}
        )
        codes.append(response.status_code)
    assert codes == [200] * 5 + [429]
