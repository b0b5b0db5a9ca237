"""Public feeds: all public sessions, one course's, as a subscribed calendar reads them."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from lms.calendar import render
from lms.calendar.operations import bump_revision
from lms.models import Audience, Role, SessionStatus, utcnow
from tests.support import DENVER

from .conftest import by_uid, calendar_names, events, read_calendar

FEED = "/training/calendar/public.ics"


def today() -> date:
    return datetime.now(DENVER).date()


def cancel(session, reason="Instructor unavailable", when=None):
    """Cancel a session the way scheduling does: status, instant, revision bump."""
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = when or utcnow()
    session.cancel_reason = reason
    bump_revision(session, now=when)


def test_the_feed_holds_every_public_session_and_nothing_else(client, make):
    crase = make.course("CRASE", title="CRASE: Avoid, Deny, Defend", audience=Audience.CIVILIANS)
    staff = make.course("SCHOOL-STAFF", title="Active threat: school staff")
    public = make.session(crase, is_public=True, days=2)
    schools = make.session(staff, is_public=True)
    internal = make.session(make.course("ALERRT-REFRESH"))  # officers only: not public
    make.enrollment(public, make.person(Role.PARTICIPANT, name="Jamie Ortega"))

    response = client.get(FEED)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    calendar = read_calendar(response.data)
    found = by_uid(calendar)
    expected = {m.uid for m in public.meetings + schools.meetings}
    assert set(found) == expected
    assert not {m.uid for m in internal.meetings} & set(found)
    assert "Jamie Ortega" not in response.get_data(as_text=True)  # rosters stay private
    name = "Active-Threat Training: public sessions"
    assert calendar_names(response.data) == (name, name)


def test_a_cancelled_session_stays_marked_cancelled_with_a_higher_sequence(client, make):
    session = make.session(is_public=True, days=2, revised_at=utcnow() - timedelta(days=2))
    before = by_uid(read_calendar(client.get(FEED).data))

    cancel(session)
    make.db.commit()
    after = by_uid(read_calendar(client.get(FEED).data))

    assert set(after) == set(before)
    for uid, event in after.items():
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) > int(before[uid]["SEQUENCE"])
        assert event["DTSTAMP"].dt > before[uid]["DTSTAMP"].dt
        assert str(event["SUMMARY"]).startswith("Cancelled: ")


def test_cancelled_and_past_sessions_leave_the_feed_in_time(client, make):
    now = utcnow()
    kept = make.session(start=today() - timedelta(days=10), is_public=True)
    cancel(kept, when=now - timedelta(days=5))  # ended, but cancelled lately: kept
    gone = make.session(start=today() - timedelta(days=10), is_public=True)
    cancel(gone, when=now - timedelta(days=40))  # ended, cancelled long ago: gone
    coming = make.session(start=today() + timedelta(days=60), is_public=True)
    cancel(coming, when=now - timedelta(days=40))  # still to come: kept until it ends
    old = make.session(start=today() - timedelta(days=120), is_public=True)  # long over
    recent = make.session(start=today() - timedelta(days=30), is_public=True)
    make.db.commit()

    found = by_uid(read_calendar(client.get(FEED).data))
    uids = {s.id: s.meetings[0].uid for s in (kept, gone, coming, old, recent)}
    assert uids[kept.id] in found and uids[coming.id] in found and uids[recent.id] in found
    assert uids[gone.id] not in found and uids[old.id] not in found
    assert str(found[uids[coming.id]]["STATUS"]) == "CANCELLED"


class TestAShorterGrace:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "LMS_CALENDAR_CANCELLED_DAYS": 3}

    def test_the_grace_for_cancelled_sessions_is_the_hosts_choice(self, client, make):
        session = make.session(start=today() - timedelta(days=10), is_public=True)
        cancel(session, when=utcnow() - timedelta(days=5))
        make.db.commit()
        assert session.meetings[0].uid not in by_uid(read_calendar(client.get(FEED).data))


def test_one_course_feed_per_public_course(client, make):
    crase = make.course("CRASE", title="CRASE: Avoid, Deny, Defend", is_public=True)
    other = make.course("SCHOOL-STAFF", is_public=True)
    hidden = make.course("ALERRT-REFRESH")
    retired = make.course("OLD-CRASE", is_public=True, active=False)
    mine = make.session(crase, is_public=True)
    make.session(other, is_public=True)
    make.session(crase)  # a private session of a public course (a closed school class)

    response = client.get("/training/calendar/courses/CRASE.ics")
    calendar = read_calendar(response.data)
    assert set(by_uid(calendar)) == {mine.meetings[0].uid}
    name = "Active-Threat Training: CRASE: Avoid, Deny, Defend"
    assert calendar_names(response.data) == (name, name)
    for code in (hidden.code, retired.code, "NO-SUCH-COURSE"):
        assert client.get(f"/training/calendar/courses/{code}.ics").status_code == 404


def test_the_audience_filter_narrows_the_feed_and_bad_values_get_400(client, make):
    crase = make.session(
        make.course("CRASE", audience=Audience.CIVILIANS, is_public=True), is_public=True
    )
    officers = make.session(make.course("ALERRT", audience=Audience.OFFICERS), is_public=True)
    found = by_uid(read_calendar(client.get(f"{FEED}?audience=civilians,school_staff").data))
    assert crase.meetings[0].uid in found and officers.meetings[0].uid not in found

    bad = client.get(f"{FEED}?audience=civilians,pirates")
    assert bad.status_code == 400
    assert "Unknown audience: pirates." in bad.get_data(as_text=True)
    assert "civilians, school_staff" in bad.get_data(as_text=True)
    empty = client.get(f"{FEED}?audience=")
    assert empty.status_code == 400
    assert "empty value" in empty.get_data(as_text=True)


def test_unchanged_feed_is_byte_identical_and_revalidates_with_304(client, make, monkeypatch):
    make.session(is_public=True, days=3)
    first = client.get(FEED)
    assert client.get(FEED).data == first.data
    etag = first.headers["ETag"]

    def must_not_build(*args, **kwargs):
        raise AssertionError("a revalidation built the feed")

    monkeypatch.setattr(render, "calendar_bytes", must_not_build)
    cached = client.get(FEED, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["ETag"] == etag
    assert cached.headers["Cache-Control"] == "public, no-cache"
    monkeypatch.undo()

    added = make.session(is_public=True)
    changed = client.get(FEED, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert added.meetings[0].uid in by_uid(read_calendar(changed.data))


def test_a_course_rename_changes_the_etag(client, make):
    course = make.course("CRASE", title="CRASE", is_public=True)
    make.session(course, is_public=True)
    etag = client.get(FEED).headers["ETag"]
    course.title = "CRASE: Avoid, Deny, Defend"
    make.db.commit()
    response = client.get(FEED, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "CRASE: Avoid, Deny, Defend" in str(events(read_calendar(response.data))[0]["SUMMARY"])


def test_the_number_of_queries_does_not_grow_with_the_feed(client, make, count_queries):
    course = make.course(is_public=True)
    make.session(course, is_public=True, days=2)
    client.get(FEED)  # warm: first-request work is not what is measured
    counts = []
    for extra in (0, 25):
        for _ in range(extra):
            make.session(course, is_public=True, days=2)
        count_queries.statements.clear()
        response = client.get(FEED)
        assert len(events(icalendar.Calendar.from_ical(response.data))) == 2 + 2 * extra
        counts.append(count_queries.count)
    assert counts[0] == counts[1] <= 3


def test_each_zone_gets_a_vtimezone_equal_to_zoneinfo_over_the_feed(client, make):
    course = make.course(is_public=True)
    # A year of monthly classes in Denver, and one for a partner agency in Phoenix.
    year = today().year + 1
    for month in range(12):
        make.session(course, start=date(year, 1 + month, 10), is_public=True)
    make.session(course, start=date(year, 7, 1), is_public=True, timezone="America/Phoenix")
    raw = client.get(FEED).data
    calendar = read_calendar(raw)
    zones = {str(z["TZID"]): z for z in calendar.walk("VTIMEZONE")}
    assert set(zones) == {"America/Denver", "America/Phoenix"}
    assert b"RDATE" not in raw

    starts = [e["DTSTART"].dt for e in events(calendar)]
    first, last = min(starts).astimezone(UTC), max(starts).astimezone(UTC)
    for tzid, component in zones.items():
        zone = ZoneInfo(tzid)
        times, infos = component.get_transitions()
        written = [
            (when.replace(tzinfo=UTC), info[0])
            for when, info in zip(times, infos, strict=True)
            if first <= when.replace(tzinfo=UTC) <= last
        ]
        expected = []
        moment = first
        while moment < last:
            following = moment + timedelta(hours=1)
            if following.astimezone(zone).utcoffset() != moment.astimezone(zone).utcoffset():
                expected.append((following, following.astimezone(zone).utcoffset()))
            moment = following
        assert written == expected, tzid
    phoenix = next(e for e in events(calendar) if e["DTSTART"].params["TZID"] == "America/Phoenix")
    assert phoenix["DTSTART"].dt.astimezone(UTC) == datetime(year, 7, 1, 15, tzinfo=UTC)
