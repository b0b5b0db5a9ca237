"""The per-session .ics: found on the session page, imported by calendar clients."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from lms.calendar.operations import bump_revision
from lms.models import Role, SessionStatus, utcnow

from .conftest import (
    by_uid,
    events,
    icaljs_instants,
    read_calendar,
    utc_instants,
    vobject_instants,
)


def ics_link(page: str) -> str:
    marker = 'href="'
    end = page.index('" download>Add to calendar (.ics)')
    return page[page.rindex(marker, 0, end) + len(marker) : end]


def calendar_links(page: str) -> dict[str, dict[str, str]]:
    """The page's web-calendar links by their name (text or aria-label): their parameters."""
    found = {}
    for href, attrs, text in re.findall(r'<a href="(https://[^"]+)"([^>]*)>([^<]+)</a>', page):
        label = re.search(r'aria-label="([^"]+)"', attrs)
        parts = urlsplit(html.unescape(href))
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        found[label.group(1) if label else text] = {"at": parts.netloc + parts.path, **query}
    return found


def test_an_evening_class_is_filed_and_linked_on_its_local_date(client, make):
    """6 pm in Denver on 5 December is 01:00 UTC on the 6th: the file is named for the 5th."""
    course = make.course("CRASE", title="CRASE: Avoid, Deny, Defend", is_public=True)
    session = make.session(course, start=date(2026, 12, 5), hours=(18, 20), is_public=True)
    response = client.get(f"/training/sessions/{session.id}/calendar.ics")
    assert response.headers["Content-Disposition"] == 'attachment; filename="crase-2026-12-05.ics"'

    links = calendar_links(client.get(f"/training/sessions/{session.id}").get_data(as_text=True))
    google, outlook = links["Add to Google Calendar"], links["Add to Outlook"]
    page = f"http://localhost/training/sessions/{session.id}"
    assert google == {
        "at": "calendar.google.com/calendar/render",
        "action": "TEMPLATE",
        "text": "CRASE: Avoid, Deny, Defend",
        "dates": "20261206T010000Z/20261206T030000Z",
        "details": f"CRASE: Avoid, Deny, Defend (CRASE)\n{page}",
        "location": "Training Center, Room 1",
        "ctz": "America/Denver",
    }
    assert outlook == {
        "at": "outlook.live.com/calendar/0/deeplink/compose",
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": "CRASE: Avoid, Deny, Defend",
        "startdt": "2026-12-06T01:00:00Z",
        "enddt": "2026-12-06T03:00:00Z",
        "body": f"CRASE: Avoid, Deny, Defend (CRASE)\n{page}",
        "location": "Training Center, Room 1",
    }


def test_the_session_page_links_a_file_with_one_event_per_meeting(client, make):
    course = make.course("CRASE", title="CRASE: Avoid, Deny, Defend", is_public=True)
    session = make.session(course, start=date(2027, 4, 10), days=2, hours=(9, 13), is_public=True)
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    link = ics_link(page)
    assert link == f"/training/sessions/{session.id}/calendar.ics"

    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="crase-2027-04-10.ics"'
    calendar = read_calendar(response.data, feed=False)
    found = by_uid(calendar)
    assert set(found) == {m.uid for m in session.meetings}
    assert sorted(str(e["SUMMARY"]) for e in found.values()) == [
        "CRASE: Avoid, Deny, Defend (day 1 of 2)",
        "CRASE: Avoid, Deny, Defend (day 2 of 2)",
    ]
    # A web calendar's link adds one event: one pair of links per meeting.
    links = calendar_links(page)
    assert (
        links["Add day 1 to Google Calendar"]["text"] == "CRASE: Avoid, Deny, Defend (day 1 of 2)"
    )
    assert links["Add day 2 to Outlook"]["startdt"] == "2027-04-11T15:00:00Z"  # 9 am MDT
    assert "Add to Google Calendar" not in links
    for event in found.values():
        assert str(event["LOCATION"]) == "Training Center, Room 1"
        assert str(event["URL"]) == f"http://localhost/training/sessions/{session.id}"
        assert str(event["STATUS"]) == "CONFIRMED"


def test_meetings_on_the_days_clocks_change_land_on_the_right_instants(client, make, tmp_path):
    # Denver: clocks go forward on Sun 14 Mar 2027 and back on Sun 7 Nov 2027.
    # Classes 8:00-12:00 local the day before and the day of each change.
    course = make.course("CRASE", is_public=True)
    spring = make.session(course, start=date(2027, 3, 13), days=2, hours=(8, 12), is_public=True)
    autumn = make.session(course, start=date(2027, 11, 6), days=2, hours=(8, 12), is_public=True)
    expected = {
        spring.id: [
            (datetime(2027, 3, 13, 15, tzinfo=UTC), datetime(2027, 3, 13, 19, tzinfo=UTC)),  # MST
            (datetime(2027, 3, 14, 14, tzinfo=UTC), datetime(2027, 3, 14, 18, tzinfo=UTC)),  # MDT
        ],
        autumn.id: [
            (datetime(2027, 11, 6, 14, tzinfo=UTC), datetime(2027, 11, 6, 18, tzinfo=UTC)),  # MDT
            (datetime(2027, 11, 7, 15, tzinfo=UTC), datetime(2027, 11, 7, 19, tzinfo=UTC)),  # MST
        ],
    }
    for session_id, instants in expected.items():
        raw = client.get(f"/training/sessions/{session_id}/calendar.ics").data
        read_calendar(raw, feed=False)
        year = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
        assert utc_instants(raw, *year) == instants  # recurring-ical-events (zoneinfo)
        assert vobject_instants(raw) == instants  # vobject, with the file's VTIMEZONE
        assert sorted(icaljs_instants(raw, tmp_path).values()) == instants  # Thunderbird's
        assert b"DTSTART;TZID=America/Denver:2027" in raw
        assert b"T080000\r\n" in raw


def test_private_sessions_need_a_sign_in_and_unknown_ones_are_not_found(client, make, sign_in):
    session = make.session()  # not public
    url = f"/training/sessions/{session.id}/calendar.ics"
    assert client.get(url).status_code == 404
    assert client.get("/training/sessions/999999/calendar.ics").status_code == 404
    sign_in(make.person(Role.OFFICER))
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_session_without_meetings_has_no_file(client, make):
    session = make.session(days=0, is_public=True)
    response = client.get(f"/training/sessions/{session.id}/calendar.ics")
    assert response.status_code == 404
    assert "no meetings scheduled" in response.get_data(as_text=True)
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "Add to calendar" not in page


def test_downloading_again_after_a_cancellation_updates_the_imported_events(client, make):
    session = make.session(is_public=True, days=2, revised_at=utcnow() - timedelta(days=3))
    url = f"/training/sessions/{session.id}/calendar.ics"
    before = by_uid(read_calendar(client.get(url).data, feed=False))

    session.status = SessionStatus.CANCELLED
    session.cancelled_at = utcnow()
    session.cancel_reason = "Range closed for repairs"
    bump_revision(session)
    make.db.commit()

    after = by_uid(read_calendar(client.get(url).data, feed=False))
    assert set(after) == set(before)  # same UIDs: clients update, not duplicate
    for uid, event in after.items():
        assert str(event["STATUS"]) == "CANCELLED"
        assert int(event["SEQUENCE"]) == int(before[uid]["SEQUENCE"]) + 1
        assert event["DTSTAMP"].dt > before[uid]["DTSTAMP"].dt
        assert str(event["SUMMARY"]).startswith("Cancelled: ")
        assert "Range closed for repairs" in str(event["DESCRIPTION"])


def test_revalidation_gets_304_until_the_session_changes(client, make):
    session = make.session(is_public=True)
    url = f"/training/sessions/{session.id}/calendar.ics"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(url).data == first.data  # byte for byte

    session.location = "Big Sky High School, gym"
    bump_revision(session)
    make.db.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    (event,) = events(read_calendar(changed.data, feed=False))
    assert str(event["LOCATION"]) == "Big Sky High School, gym"
    assert int(event["SEQUENCE"]) == 1
