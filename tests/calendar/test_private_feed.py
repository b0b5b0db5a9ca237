"""The private feed: a person's link, what it holds, and who can never read it."""

import hashlib
import logging
import re
import urllib.request
from datetime import date, timedelta

import pytest

from lms.calendar import redaction
from lms.calendar.certification_queries import date_uid, uid_key
from lms.calendar.operations import regenerate_feed_token
from lms.core import local_today
from lms.models import AuditEvent, EnrollmentStatus, Role, utcnow

from .conftest import by_uid, events, read_calendar, token_from

ACCOUNT = "/training/account"
NEW_LINK = "/training/calendar/private-link"


def get_link(client) -> str:
    """Press "Get my private link" on the account page; return the token shown."""
    response = client.submit(ACCOUNT, {}, action=NEW_LINK)
    assert response.status_code == 200
    return token_from(response.get_data(as_text=True))


def feed_url(token: str) -> str:
    return f"/training/calendar/private/{token}.ics"


def test_an_officer_gets_a_private_link_from_the_account_page(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    account = client.get(ACCOUNT).get_data(as_text=True)
    assert "Calendar feed" in account and "Get my private link" in account
    for client_name in ("Google Calendar", "Outlook", "Apple Calendar"):
        assert client_name in account

    response = client.submit(ACCOUNT, {}, action=NEW_LINK)
    page = response.get_data(as_text=True)
    token = token_from(page)
    assert len(token) >= 22  # at least 128 bits of base64url
    assert f"http://localhost/training/calendar/private/{token}.ics" in page
    assert f"webcal://localhost/training/calendar/private/{token}.ics" in page
    assert "shown only this once" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"

    make.db.refresh(officer)
    assert officer.calendar_token_hash == hashlib.sha256(token.encode()).hexdigest()
    audit = make.db.query(AuditEvent).filter_by(action="calendar.feed_link_created").one()
    assert audit.actor_id == officer.id and token not in str(audit.details)
    # Shown once: the account page never shows it again.
    assert token not in client.get(ACCOUNT).get_data(as_text=True)
    assert "Get a new private link" in client.get(ACCOUNT).get_data(as_text=True)
    assert client.get(feed_url(token)).status_code == 200


def test_the_feed_holds_the_owners_sessions_teaching_and_nothing_else(client, make, sign_in):
    officer = make.person(Role.OFFICER, Role.INSTRUCTOR)
    other = make.person(Role.OFFICER, name="Dana Whitehorse")
    enrolled = make.session(make.course(title="ALERRT Refresher"), days=2)  # not public
    waitlisted = make.session(make.course(title="CRASE"), is_public=True)
    teaching = make.session(make.course(title="ALERRT instructor course"), lead=officer)
    withdrawn = make.session(make.course(title="School staff"))
    someone_elses = make.session(make.course(title="Someone else's class"))
    make.enrollment(enrolled, officer)
    make.enrollment(waitlisted, officer, status=EnrollmentStatus.WAITLISTED)
    make.enrollment(withdrawn, officer, status=EnrollmentStatus.CANCELLED, cancelled_at=utcnow())
    make.enrollment(someone_elses, other)
    make.enrollment(enrolled, other)
    sign_in(officer)
    token = get_link(client)

    response = client.get(feed_url(token))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    calendar = read_calendar(response.data)
    found = by_uid(calendar)
    status = {uid: str(event["STATUS"]) for uid, event in found.items()}
    summary = {uid: str(event["SUMMARY"]) for uid, event in found.items()}
    for meeting in enrolled.meetings:
        assert status[meeting.uid] == "CONFIRMED"
    assert status[waitlisted.meetings[0].uid] == "TENTATIVE"
    assert summary[waitlisted.meetings[0].uid] == "Waitlisted: CRASE"
    assert summary[teaching.meetings[0].uid] == "Teaching: ALERRT instructor course"
    assert status[withdrawn.meetings[0].uid] == "CANCELLED"
    assert someone_elses.meetings[0].uid not in found
    assert len(found) == 5
    body = response.get_data(as_text=True)
    assert "Dana Whitehorse" not in body and officer.full_name not in body
    assert token not in body  # the file never repeats its own secret link


def test_a_seat_from_the_waitlist_raises_the_sequence(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    session = make.session(revised_at=utcnow() - timedelta(days=2))
    place = make.enrollment(
        session,
        officer,
        status=EnrollmentStatus.WAITLISTED,
        status_changed_at=utcnow() - timedelta(days=1),
    )
    sign_in(officer)
    url = feed_url(get_link(client))
    first = client.get(url)
    (before,) = events(read_calendar(first.data))

    place.status = EnrollmentStatus.ENROLLED
    place.status_changed_at = utcnow()
    make.db.commit()
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    (after,) = events(read_calendar(second.data))
    assert str(before["STATUS"]) == "TENTATIVE" and str(after["STATUS"]) == "CONFIRMED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["DTSTAMP"].dt > before["DTSTAMP"].dt

    place.status = EnrollmentStatus.CANCELLED
    place.cancelled_at = utcnow()
    make.db.commit()
    (cancelled,) = events(read_calendar(client.get(url).data))
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(after["SEQUENCE"])

    make.enrollment(session, officer)  # enrolls again: a new enrollment, same events
    (again,) = events(read_calendar(client.get(url).data))
    assert str(again["STATUS"]) == "CONFIRMED" and str(again["UID"]) == str(before["UID"])
    assert int(again["SEQUENCE"]) > int(cancelled["SEQUENCE"])


def test_certification_due_and_expiry_dates_are_all_day_events(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    other = make.person(Role.OFFICER)
    track = make.track("ALERRT", name="ALERRT active-threat response", renewal_window_days=90)
    today = local_today()
    expires = today + timedelta(days=150)
    make.certification(officer, track, granted_on=today - timedelta(days=200), expires_on=expires)
    make.certification(other, track, granted_on=today - timedelta(days=20))
    sign_in(officer)
    url = feed_url(get_link(client))

    raw = client.get(url).data
    found = sorted(events(read_calendar(raw)), key=lambda e: e["DTSTART"].dt)
    window = expires - timedelta(days=90)
    assert [(e["DTSTART"].dt, e["DTEND"].dt, str(e["SUMMARY"])) for e in found] == [
        (window, window + timedelta(days=1), "Renewal window opens: ALERRT active-threat response"),
        (
            expires,
            expires + timedelta(days=1),
            "Certification expires: ALERRT active-threat response",
        ),
    ]
    assert f"DTSTART;VALUE=DATE:{expires:%Y%m%d}\r\n".encode() in raw
    uids = [str(e["UID"]) for e in found]
    for uid in uids:
        assert re.fullmatch(r"[0-9a-f]{32}", uid)  # no host, no name, no id in clear
    # Keyed with the app's secret: the ids cannot be tried against it without the key.
    key = uid_key("test-secret")
    assert uids[1] == date_uid(key, officer.id, track.id, "expires")
    assert uids[1] != date_uid(uid_key("another-secret"), officer.id, track.id, "expires")
    assert uids[1] != date_uid(key, other.id, track.id, "expires")

    # Renewal: the same events move to the new dates, with a higher SEQUENCE.
    renewed_until = expires + timedelta(days=365)
    make.certification(officer, track, granted_on=today, expires_on=renewed_until)
    renewed = sorted(events(read_calendar(client.get(url).data)), key=lambda e: e["DTSTART"].dt)
    assert [str(e["UID"]) for e in renewed] == uids
    assert [e["DTSTART"].dt for e in renewed] == [
        renewed_until - timedelta(days=90),
        renewed_until,
    ]
    assert all(int(n["SEQUENCE"]) > int(o["SEQUENCE"]) for n, o in zip(renewed, found, strict=True))


def test_a_new_link_stops_the_old_one_at_once(client, make, sign_in):
    sign_in(make.person(Role.OFFICER))
    old = get_link(client)
    assert client.get(feed_url(old)).status_code == 200
    new = get_link(client)
    assert new != old
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    replaced = make.db.query(AuditEvent).filter_by(action="calendar.feed_link_replaced").count()
    assert replaced == 1


def test_unknown_revoked_malformed_and_deactivated_all_get_the_same_404(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    revoked = get_link(client)
    client.submit("/training/calendar/", {}, action="/training/calendar/private-link/off")
    make.db.refresh(officer)
    assert officer.calendar_token_hash is None

    deactivated_person = make.person(Role.OFFICER)
    client.submit("/training/sign-out", {}, action="/training/sign-out")
    sign_in(deactivated_person)
    deactivated = get_link(client)
    deactivated_person.active = False
    make.db.commit()

    unknown = "A" * 43
    malformed = ["short", "A" * 42 + "!", "A" * 44, "..%2F..%2Fetc"]
    bodies = set()
    for token in [revoked, deactivated, unknown, *malformed]:
        response = client.get(feed_url(token))
        assert response.status_code == 404, token
        bodies.add(response.data)
    assert len(bodies) == 1


def test_the_include_filter_and_its_400(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    session = make.session()
    make.enrollment(session, officer)
    track = make.track()
    make.certification(officer, track, granted_on=local_today() - timedelta(days=30))
    sign_in(officer)
    url = feed_url(get_link(client))
    only_dates = events(read_calendar(client.get(f"{url}?include=certifications").data))
    assert {type(e["DTSTART"].dt) for e in only_dates} == {date}
    only_sessions = events(read_calendar(client.get(f"{url}?include=enrolled,teaching").data))
    assert [str(e["UID"]) for e in only_sessions] == [session.meetings[0].uid]
    bad = client.get(f"{url}?include=everything")
    assert bad.status_code == 400
    assert "Unknown include: everything." in bad.get_data(as_text=True)


def test_revalidation_of_a_private_feed(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    make.enrollment(make.session(), officer)
    sign_in(officer)
    url = feed_url(get_link(client))
    first = client.get(url)
    cached = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304
    assert cached.headers["Cache-Control"] == "private, no-cache"
    assert client.get(url).data == first.data


def test_getting_a_link_needs_a_signed_in_person_and_the_form(client, make, sign_in):
    anonymous = client.post(NEW_LINK)
    assert anonymous.status_code == 400  # no CSRF token: refused before anything else
    page = client.get("/training/calendar/").get_data(as_text=True)
    assert "Your private feed" not in page
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    forged = client.post(NEW_LINK, data={})
    assert forged.status_code == 400
    make.db.refresh(officer)
    assert officer.calendar_token_hash is None


def test_the_token_never_reaches_the_request_log(app, make, live_server, caplog):
    officer = make.person(Role.OFFICER)
    token = regenerate_feed_token(officer)
    make.db.commit()
    caplog.set_level(logging.INFO, logger="werkzeug")
    with urllib.request.urlopen(f"{live_server}/training/calendar/private/{token}.ics") as reply:
        assert reply.status == 200
        assert reply.headers["Content-Type"] == "text/calendar; charset=utf-8"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{live_server}/training/calendar/private/{'B' * 43}.ics")
    logged = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/calendar/private/[redacted]" in line for line in logged), logged
    assert not any(token in line or "B" * 43 in line for line in logged)


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        (
            '127.0.0.1 - - [x] "%s" %s %s',
            ("GET /training/calendar/private/SECRET.ics HTTP/1.1", 200, 9),
        ),
        ("Exception on /training/calendar/private/SECRET.ics [GET]", None),
        (
            '%(h)s "%(r)s" %(s)s',
            {"h": "10.0.0.1", "r": "GET /calendar/private/SECRET.ics?x=1 HTTP/1.1", "s": "200"},
        ),
    ],
)
def test_the_log_filter_rewrites_werkzeug_flask_and_gunicorn_records(msg, args):
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, msg, args, None)
    assert redaction.FILTER.filter(record) is True
    assert "SECRET" not in record.getMessage()
    assert "/calendar/private/[redacted]" in record.getMessage()


def test_the_filter_is_on_the_request_and_app_loggers(app):
    assert redaction.FILTER in logging.getLogger("werkzeug").filters
    assert redaction.FILTER in logging.getLogger("gunicorn.access").filters
    assert redaction.FILTER in app.logger.filters
