"""Events in the hour the clocks repeat: written in UTC form, read alike by every client.

Denver's clocks go back at 2 AM MDT on Sun 7 Nov 2027: 1:00-1:59 happens twice,
first as MDT (UTC-6, 07:00Z-07:59Z), then as MST (UTC-7, 08:00Z-08:59Z). With a
TZID, ical.js (Thunderbird) reads such a time as the second occurrence; Python's
parsers read it as the first. In UTC form there is nothing to disagree about.

recurring-ical-events (3.8) moves UTC times into the zone of X-WR-TIMEZONE and
loses their ``fold`` on the way, so it would read the second 1:30 AM as the
first: it is given the files without that line (its other readers keep it).
"""

from datetime import UTC, datetime, timedelta

from lms.calendar import render
from lms.calendar.render import CalendarInfo, MeetingEntry, SessionFacts
from lms.models import Meeting

from .conftest import icaljs_instants, read_calendar, utc_instants, vobject_instants


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 11, 7, hour, minute, tzinfo=UTC)


FACTS = SessionFacts(
    7, "CRASE", "CRASE", "America/Denver", "Room 1", False, None, datetime(2027, 1, 1, tzinfo=UTC)
)
#: uid -> (start, end): the first 1:30 AM, the second 1:30 AM, one ending in the
#: repeated hour (12:15-1:45 MDT), and one clear of it (the afternoon, MST).
MEETINGS = {
    "first": (at(7, 30), at(9)),
    "second": (at(8, 30), at(10)),
    "ends-in-it": (at(6, 15), at(7, 45)),
    "afternoon": (at(21), at(23)),
}


def build() -> bytes:
    entries = [
        MeetingEntry(uid, start, end, None, 0, FACTS, (1, 1))
        for uid, (start, end) in MEETINGS.items()
    ]
    info = CalendarInfo(timezone="America/Denver")
    return render.calendar_bytes(info, entries, session_url=lambda _id: "https://lms.example/s/7")


def recurring_instants(raw: bytes) -> list[tuple[datetime, datetime]]:
    """The day's events as recurring-ical-events reads them, without X-WR-TIMEZONE."""
    plain = raw.replace(b"X-WR-TIMEZONE:America/Denver\r\n", b"")
    return utc_instants(plain, at(0), at(0) + timedelta(days=1))


def test_times_in_the_repeated_hour_are_written_in_utc_form():
    raw = build()
    read_calendar(raw, feed=False)
    assert b"UID:first\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20271107T073000Z\r\n" in raw
    assert b"DTSTART:20271107T083000Z\r\nDTEND:20271107T100000Z\r\n" in raw
    assert b"DTSTART:20271107T061500Z\r\nDTEND:20271107T074500Z\r\n" in raw
    # Clear of it: local time with the zone, as before.
    assert b"DTSTART;TZID=America/Denver:20271107T140000\r\n" in raw
    assert b"DTEND;TZID=America/Denver:20271107T160000\r\n" in raw


def test_every_reader_finds_the_same_instants(tmp_path):
    raw = build()
    expected = sorted(MEETINGS.values())
    assert recurring_instants(raw) == expected
    assert vobject_instants(raw) == expected
    assert icaljs_instants(raw, tmp_path) == MEETINGS


def test_the_session_file_holds_the_stored_instants_for_every_reader(client, make, tmp_path):
    course = make.course("CRASE", is_public=True)
    session = make.session(course, days=3, is_public=True)
    for meeting, (start, end) in zip(session.meetings, list(MEETINGS.values())[1:], strict=True):
        meeting.starts_at, meeting.ends_at = start, end
    make.db.commit()
    raw = client.get(f"/training/sessions/{session.id}/calendar.ics").data
    read_calendar(raw, feed=False)
    stored = {m.uid: (m.starts_at, m.ends_at) for m in make.db.query(Meeting)}
    assert icaljs_instants(raw, tmp_path) == stored
    assert vobject_instants(raw) == sorted(stored.values())
    assert recurring_instants(raw) == sorted(stored.values())
