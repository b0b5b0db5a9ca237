"""Reading calendar files as outside clients do, and counting the queries behind them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject
from sqlalchemy import event

from lms.app import db

FEED_PROPERTIES = (
    "PRODID",
    "VERSION",
    "NAME",
    "X-WR-CALNAME",
    "REFRESH-INTERVAL",
    "X-PUBLISHED-TTL",
)
EVENT_PROPERTIES = ("UID", "DTSTAMP", "DTSTART", "DTEND", "SEQUENCE", "STATUS", "SUMMARY")


def check_bytes(raw: bytes) -> None:
    """CRLF line endings only, and no line longer than 75 octets (RFC 5545 §3.1)."""
    assert raw.endswith(b"\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in raw.replace(b"\r\n", b""), "a bare CR"
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75, f"{len(line)} octets: {line!r}"
        line.decode("utf-8")  # never a character split across a fold


def read_calendar(raw: bytes, *, feed: bool = True) -> icalendar.Calendar:
    """Parse with icalendar (no component errors) and vobject (validated); return icalendar's."""
    check_bytes(raw)
    calendar = icalendar.Calendar.from_ical(raw)
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    for name in ("PRODID", "VERSION") + (FEED_PROPERTIES if feed else ()):
        assert name in calendar, f"calendar lacks {name}"
    assert str(calendar["VERSION"]) == "2.0"
    for component in calendar.walk("VEVENT"):
        for name in EVENT_PROPERTIES:
            assert name in component, f"event lacks {name}"
        assert "ATTENDEE" not in component and "ORGANIZER" not in component
    parsed = vobject.readOne(raw.decode("utf-8"), validate=True)
    parsed.validate()
    assert parsed.name == "VCALENDAR"
    return calendar


def calendar_names(raw: bytes) -> tuple[str, str]:
    """NAME and X-WR-CALNAME as TEXT values (vobject unescapes them; icalendar does not)."""
    parsed = vobject.readOne(raw.decode("utf-8"))
    return parsed.contents["name"][0].value, parsed.contents["x-wr-calname"][0].value


def events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


def by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in events(calendar)}


def utc_instants(raw: bytes, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every event between two instants, per recurring-ical-events."""
    calendar = icalendar.Calendar.from_ical(raw)
    found = recurring_ical_events.of(calendar).between(start, end)
    return sorted((e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC)) for e in found)


def vobject_instants(raw: bytes) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of timed events as vobject reads them (with the file's VTIMEZONE)."""
    parsed = vobject.readOne(raw.decode("utf-8"))
    return sorted(
        (e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC))
        for e in parsed.vevent_list
        if isinstance(e.dtstart.value, datetime)
    )


ICAL_JS = Path(__file__).parents[1] / "js"


def icaljs_instants(raw: bytes, tmp_path: Path) -> dict[str, tuple[datetime, datetime]]:
    """UID -> (start, end) in UTC of every event as Mozilla's ical.js (Thunderbird) reads it.

    Runs ``tests/js/instants.mjs`` with node; skips when node or the package is missing
    (``make test`` installs it: ``npm ci --prefix tests/js``).
    """
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: ical.js cannot read the file")
    if not (ICAL_JS / "node_modules" / "ical.js").is_dir():
        pytest.skip("ical.js is not installed: run npm ci --prefix tests/js")
    path = tmp_path / "read-by-icaljs.ics"
    path.write_bytes(raw)
    done = subprocess.run(
        [node, str(ICAL_JS / "instants.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = {}
    for line in done.stdout.splitlines():
        event = json.loads(line)
        found[event["uid"]] = tuple(
            datetime.fromisoformat(event[key]).astimezone(UTC) for key in ("start", "end")
        )
    return found


def token_from(page: str) -> str:
    """The private feed token shown on a page (the https link's path segment)."""
    match = re.search(r"/calendar/private/([A-Za-z0-9_-]+)\.ics", page)
    assert match, "no private feed link on the page"
    return match.group(1)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Counts SQL statements sent while the returned counter is active."""
    counter = QueryCounter()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)
