"""The renderer alone: value objects in, bytes out, read back by outside parsers."""

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

import pytest
import recurring_ical_events
import vobject

from lms.calendar import lines, render
from lms.calendar.render import (
    CalendarInfo,
    CertificationEntry,
    DateKind,
    Involvement,
    MeetingEntry,
    SessionFacts,
)

from .conftest import by_uid, calendar_names, check_bytes, events, read_calendar

REVISED = datetime(2027, 2, 1, 17, 30, tzinfo=UTC)
INFO = CalendarInfo(
    timezone="America/Denver",
    name="Active-Threat Training: public sessions",
    description="Public training sessions",
    refresh=timedelta(hours=1),
    url="https://lms.example.gov/training/calendar/",
    source="https://lms.example.gov/training/calendar/public.ics",
)


def session(**kw) -> SessionFacts:
    values = dict(
        id=7,
        course_code="CRASE",
        course_title="CRASE: Avoid, Deny, Defend",
        timezone="America/Denver",
        location="MPD Training Center, Room 1",
        cancelled=False,
        cancel_reason=None,
        revised_at=REVISED,
    )
    return SessionFacts(**{**values, **kw})


def meeting(facts: SessionFacts, start: datetime, hours: int = 4, **kw) -> MeetingEntry:
    values = dict(
        uid=f"uid-{start:%Y%m%d%H}",
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        location=None,
        sequence=0,
        session=facts,
        day=(1, 1),
    )
    return MeetingEntry(**{**values, **kw})


def url_of(session_id: int) -> str:
    return f"https://lms.example.gov/training/sessions/{session_id}"


def build(entries, certifications=(), info=INFO) -> bytes:
    return render.calendar_bytes(info, entries, certifications, session_url=url_of)


def test_text_survives_escaping_and_folding_in_every_parser():
    # Commas, semicolons, backslashes, newlines and multi-byte characters, long
    # enough to be folded several times: every parser must read back the exact text.
    place = "Salle 3; bâtiment « Nord », 12\\B — Ελληνικά, 日本語の教室\nEntrance at the back"
    title = "Civilian Response to Active Shooter Events; Avoid, Deny, Defend — Ñandú \\ 🚓" * 2
    facts = session(location=place, course_title=title)
    raw = build([meeting(facts, datetime(2027, 4, 5, 14, tzinfo=UTC))])
    calendar = read_calendar(raw)
    (event,) = events(calendar)
    assert str(event["LOCATION"]) == place
    assert str(event["SUMMARY"]) == title
    assert title in str(event["DESCRIPTION"])
    parsed = vobject.readOne(raw.decode())
    assert parsed.vevent.location.value == place
    assert parsed.vevent.summary.value == title


@pytest.mark.parametrize("seed", range(5))
def test_folding_never_breaks_a_line_limit_a_character_or_an_escape(seed):
    rng = random.Random(seed)
    alphabet = "abc ,;\\\n\u00e9\u20ac\u65e5\U0001f6a8"
    for _ in range(40):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(60, 400)))
        line = lines.fold(f"DESCRIPTION:{lines.escape_text(text)}")
        raw = (line + "\r\n").encode()
        check_bytes(raw)
        for piece in line.split("\r\n"):
            assert not piece.endswith("\\") or piece.endswith("\\\\"), piece
        # Unfolding gives back the escaped text exactly.
        assert line.replace("\r\n ", "") == f"DESCRIPTION:{lines.escape_text(text)}"


def test_required_calendar_properties_and_no_attendees():
    facts = session()
    raw = build([meeting(facts, datetime(2027, 4, 5, 14, tzinfo=UTC))])
    calendar = read_calendar(raw)
    assert calendar_names(raw) == (INFO.name, INFO.name)
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in raw
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in raw
    assert b"SOURCE;VALUE=URI:https://lms.example.gov/training/calendar/public.ics\r\n" in raw
    assert b"ATTENDEE" not in raw and b"ORGANIZER" not in raw and b"METHOD" not in raw
    (event,) = events(calendar)
    assert event["DTSTAMP"].dt == REVISED
    assert event["DTSTART"].params["TZID"] == "America/Denver"
    assert event["DTSTART"].dt.astimezone(UTC) == datetime(2027, 4, 5, 14, tzinfo=UTC)
    assert str(event["URL"]) == url_of(7)
    assert url_of(7) in str(event["DESCRIPTION"])


def test_same_input_same_bytes_whatever_the_order():
    facts = session()
    entries = [meeting(facts, datetime(2027, 4, d, 14, tzinfo=UTC)) for d in range(5, 9)]
    assert build(entries) == build(list(reversed(entries)))


def test_status_summary_and_sequence_follow_the_reader_and_the_session():
    start = datetime(2027, 4, 5, 14, tzinfo=UTC)
    entries = [
        meeting(session(id=1), start, uid="a", involvement=Involvement.ENROLLED, sequence=3),
        meeting(session(id=2), start, uid="b", involvement=Involvement.WAITLISTED),
        meeting(session(id=3), start, uid="c", involvement=Involvement.TEACHING),
        meeting(session(id=4), start, uid="d", involvement=Involvement.WITHDRAWN, sequence=2),
        meeting(session(id=5, cancelled=True, cancel_reason="Instructor ill"), start, uid="e"),
    ]
    found = by_uid(read_calendar(build(entries)))
    assert [str(found[u]["STATUS"]) for u in "abcde"] == [
        "CONFIRMED",
        "TENTATIVE",
        "CONFIRMED",
        "CANCELLED",
        "CANCELLED",
    ]
    assert str(found["b"]["SUMMARY"]).startswith("Waitlisted: ")
    assert str(found["c"]["SUMMARY"]).startswith("Teaching: ")
    assert str(found["d"]["SUMMARY"]).startswith("Cancelled: ")
    assert "Instructor ill" in str(found["e"]["DESCRIPTION"])
    assert int(found["a"]["SEQUENCE"]) == 3


def test_a_multi_day_session_numbers_its_days():
    facts = session()
    entries = [
        meeting(facts, datetime(2027, 4, 5 + i, 14, tzinfo=UTC), day=(i + 1, 3)) for i in range(3)
    ]
    summaries = sorted(str(e["SUMMARY"]) for e in events(read_calendar(build(entries))))
    assert summaries == [f"CRASE: Avoid, Deny, Defend (day {n} of 3)" for n in (1, 2, 3)]


def test_a_meeting_elsewhere_than_its_session_says_where():
    facts = session()
    entry = meeting(facts, datetime(2027, 4, 5, 14, tzinfo=UTC), location="Big Sky High, gym")
    (event,) = events(read_calendar(build([entry])))
    assert str(event["LOCATION"]) == "Big Sky High, gym"


def test_certification_dates_are_all_day_and_do_not_block_time():
    entries = [
        CertificationEntry(
            uid=f"{kind.value:0>32}",
            kind=kind,
            track_name="ALERRT active-threat response",
            expires_on=date(2027, 6, 1),
            window_opens_on=date(2027, 3, 3),
            sequence=2,
            stamp=REVISED,
            url="https://lms.example.gov/training/",
        )
        for kind in DateKind
    ]
    raw = build([], entries)
    calendar = read_calendar(raw)
    found = sorted(events(calendar), key=lambda e: e["DTSTART"].dt)
    assert [(e["DTSTART"].dt, e["DTEND"].dt) for e in found] == [
        (date(2027, 3, 3), date(2027, 3, 4)),
        (date(2027, 6, 1), date(2027, 6, 2)),
    ]
    assert all(str(e["TRANSP"]) == "TRANSPARENT" for e in found)
    assert b"DTSTART;VALUE=DATE:20270601\r\n" in raw
    assert "current through 31 May 2027" in str(found[1]["DESCRIPTION"])
    assert str(found[0]["SUMMARY"]) == "Renewal window opens: ALERRT active-threat response"
    assert str(found[1]["SUMMARY"]) == "Certification expires: ALERRT active-threat response"
    # No timed event: no VTIMEZONE is needed or written.
    assert b"VTIMEZONE" not in raw
    on_the_day = recurring_ical_events.of(calendar).at(date(2027, 6, 1))
    assert [str(e["SUMMARY"]) for e in on_the_day] == [str(found[1]["SUMMARY"])]
    assert not recurring_ical_events.of(calendar).at(date(2027, 6, 2))


def test_a_file_for_import_has_no_calendar_name():
    # Outlook opens a file with X-WR-CALNAME as a separate calendar instead of adding it.
    info = CalendarInfo(timezone="America/Denver")
    raw = build([meeting(session(), datetime(2027, 4, 5, 14, tzinfo=UTC))], info=info)
    read_calendar(raw, feed=False)
    assert b"X-WR-CALNAME" not in raw and b"\r\nNAME:" not in raw
    assert b"REFRESH-INTERVAL" not in raw


@pytest.mark.parametrize(
    ("span", "written"),
    [(timedelta(hours=1), "PT1H"), (timedelta(minutes=90), "PT90M"), (timedelta(days=1), "P1D")],
)
def test_durations(span, written):
    assert lines.duration(span) == written


def test_control_characters_never_reach_a_text_value():
    # RFC 5545 allows none in TEXT: pasted text can carry NUL, escapes, DEL and C1 codes.
    dirty = "CRASE\x00 for\tstaff\x1b[31m\x7f\x85\x9f"
    facts = session(
        course_title=dirty, location="Room\x0b 1\x0c", cancelled=True, cancel_reason="Ill\x07"
    )
    info = dataclasses.replace(INFO, name="Feed\x01 name", description="A\x02")
    raw = build([meeting(facts, datetime(2027, 4, 5, 14, tzinfo=UTC))], info=info)
    assert not [c for c in raw.decode() if c not in "\r\n" and (ord(c) < 32 or 127 <= ord(c) < 160)]
    (event,) = events(read_calendar(raw))
    assert str(event["SUMMARY"]) == "Cancelled: CRASE for staff[31m"
    assert str(event["LOCATION"]) == "Room 1"
    assert "cancelled: Ill.\nTimes are in" in str(event["DESCRIPTION"])  # line breaks kept
    assert calendar_names(raw) == ("Feed name", "Feed name")
