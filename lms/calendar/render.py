"""iCalendar files (RFC 5545, RFC 7986) from domain objects: pure functions, bytes out.

The same functions serve the per-session download, the public and private
feeds and the invitations sent by e-mail (an :class:`~.itip.Invitation` adds
METHOD, ORGANIZER and ATTENDEE to the very events a feed holds): they read the
values they are given and nothing else (no request, no database, no clock), so
the same inputs always give the same bytes. The values (:class:`SessionFacts`,
:class:`MeetingEntry`, :class:`CertificationEntry`) come from the ORM objects
(:func:`session_entries`, for a download) or straight from SQL rows
(:mod:`lms.calendar.queries`, for feeds, where loading 1,000 ORM objects would
cost more than writing the file).

Events are written here rather than through icalendar's ``Component.to_ical``:
that generic serializer costs about 0.7 ms per event (a 1,000-event feed took
~750 ms), fifteen times the feed budget. The lines written are few and simple
(TEXT, DATE, DATE-TIME, INTEGER, URI, DURATION), whatever a session's meetings
share is written once per session, and escaping, control characters and
folding follow RFC 5545 §3.1 and §3.3.11 (:mod:`lms.calendar.lines`); every
file is read back with icalendar, vobject, recurring-ical-events and Mozilla's
ical.js in the tests. The time zones, the hard part, are icalendar components
(:mod:`lms.calendar.timezones`); an event starting or ending in the hour the
clocks repeat is written in UTC form, the one time no client can misread.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ..models import CourseSession, Meeting
from ..models.courses import title_with_code
from .itip import Invitation
from .lines import CRLF, duration, escape_text, fold, in_repeated_hour, utc_stamp, wall
from .timezones import vtimezone_bytes, year_range

PRODID = "-//lms//Active-Threat Training Calendar 1.0//EN"
#: Bumped whenever the bytes written for the same data change (part of every ETag).
FORMAT_VERSION = "2"


class Involvement(enum.StrEnum):
    """How the reader of a feed relates to a meeting."""

    PUBLIC = "public"  # anyone: the session's own status only
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    WITHDRAWN = "withdrawn"  # their enrollment was cancelled
    TEACHING = "teaching"
    UNASSIGNED = "unassigned"  # was teaching it, taken off its instructors


#: What the reader no longer takes part in: their events say CANCELLED.
_CANCELLED_FOR_THE_READER = (Involvement.WITHDRAWN, Involvement.UNASSIGNED)


@dataclass(frozen=True)
class CalendarInfo:
    """What a calendar says about itself (RFC 7986 and the X-WR- names clients read)."""

    timezone: str  # X-WR-TIMEZONE: the zone clients show the calendar in
    # Feeds only: a name makes Outlook open a downloaded file as a calendar of its
    # own instead of adding its events, so the per-session file has none.
    name: str | None = None
    description: str | None = None
    refresh: timedelta | None = None  # feeds: REFRESH-INTERVAL and X-PUBLISHED-TTL
    url: str | None = None  # RFC 7986 URL: the page about this calendar
    source: str | None = None  # RFC 7986 SOURCE: where the feed is fetched (public only)


class SessionFacts(NamedTuple):
    """What a calendar shows of a session: shared by all its meetings.

    Value objects here are named tuples: immutable, and four times quicker to
    make than frozen dataclasses, which a 1,000-event feed notices.
    """

    id: int
    course_code: str
    course_title: str
    timezone: str
    location: str
    cancelled: bool
    cancel_reason: str | None
    revised_at: datetime

    @classmethod
    def of(cls, session: CourseSession) -> SessionFacts:
        return cls(
            id=session.id,
            course_code=session.course.code,
            course_title=session.course.title,
            timezone=session.timezone,
            location=session.location or "",
            cancelled=session.is_cancelled,
            cancel_reason=session.cancel_reason,
            revised_at=session.revised_at,
        )


class MeetingEntry(NamedTuple):
    """One meeting as one reader sees it.

    ``sequence`` is the meeting's SEQUENCE plus the reader's own changes (a
    waitlist place that became a seat), and ``stamp`` the time of those
    changes; DTSTAMP is the later of it and the session's revision. ``removed``:
    the meeting was taken off its session's schedule (only an e-mailed CANCEL
    still names it; feeds simply no longer hold it).
    """

    uid: str
    starts_at: datetime
    ends_at: datetime
    location: str | None  # the meeting's own place, if it differs from the session's
    sequence: int
    session: SessionFacts
    day: tuple[int, int]  # (this meeting's day number, the session's number of meetings)
    involvement: Involvement = Involvement.PUBLIC
    stamp: datetime | None = None
    removed: bool = False

    @classmethod
    def of(cls, meeting: Meeting, session: SessionFacts, day: tuple[int, int]) -> MeetingEntry:
        return cls(
            uid=meeting.uid,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=meeting.location,
            sequence=meeting.sequence,
            session=session,
            day=day,
        )

    @property
    def status(self) -> str:
        if self.removed or self.session.cancelled or self.involvement in _CANCELLED_FOR_THE_READER:
            return "CANCELLED"
        return "TENTATIVE" if self.involvement is Involvement.WAITLISTED else "CONFIRMED"


def session_entries(session: CourseSession) -> list[MeetingEntry]:
    """Every meeting of a session, as anyone sees it."""
    facts = SessionFacts.of(session)
    count = len(session.meetings)
    return [
        MeetingEntry.of(meeting, facts, (number, count))
        for number, meeting in enumerate(session.meetings, start=1)
    ]


class DateKind(enum.StrEnum):
    WINDOW_OPENS = "window_opens"
    EXPIRES = "expires"


@dataclass(frozen=True)
class CertificationEntry:
    """An all-day event for a certification date: its renewal window opens, or it lapses."""

    uid: str
    kind: DateKind
    track_name: str
    expires_on: date
    window_opens_on: date | None
    sequence: int
    stamp: datetime
    url: str

    @property
    def day(self) -> date:
        if self.kind is DateKind.WINDOW_OPENS and self.window_opens_on is not None:
            return self.window_opens_on
        return self.expires_on


# --- components -------------------------------------------------------------

_PREFIXES = {Involvement.WAITLISTED: "Waitlisted: ", Involvement.TEACHING: "Teaching: "}


@dataclass(frozen=True)
class _SessionLines:
    """The lines every meeting of a session shares for one reader: written once per build."""

    zone: ZoneInfo
    stamp: str  # DTSTAMP and LAST-MODIFIED
    dtstart: str  # "DTSTART;TZID=...:" awaiting the time
    dtend: str
    status: str  # the STATUS line
    summary: str  # "SUMMARY:" with any prefix and the escaped title
    location: str  # the session's LOCATION line with its CRLF, or ""
    tail: str  # the DESCRIPTION and URL lines, each with its CRLF


def _session_lines(entry: MeetingEntry, url: str) -> _SessionLines:
    session, involvement = entry.session, entry.involvement
    notes = [title_with_code(session.course_title, session.course_code)]
    if session.cancelled:
        reason = (session.cancel_reason or "").strip()
        notes.append(f"This session is cancelled{': ' + reason if reason else ''}.")
    elif entry.removed:
        notes.append("This day was taken off the session's schedule; its other days stand.")
    elif involvement is Involvement.WITHDRAWN:
        notes.append("Your enrollment in this session is cancelled.")
    elif involvement is Involvement.UNASSIGNED:
        notes.append("You no longer teach this session.")
    elif involvement is Involvement.WAITLISTED:
        notes.append("You are on the waitlist; you will be told if a seat opens.")
    notes.append(f"Times are in {session.timezone}.")
    notes.append(f"Session details: {url}")
    status = entry.status
    prefix = "Cancelled: " if status == "CANCELLED" else _PREFIXES.get(involvement, "")
    revised = session.revised_at
    return _SessionLines(
        zone=ZoneInfo(session.timezone),
        stamp=utc_stamp(max(revised, entry.stamp) if entry.stamp else revised),
        dtstart=f"DTSTART;TZID={session.timezone}:",
        dtend=f"DTEND;TZID={session.timezone}:",
        status=f"STATUS:{status}",
        summary=f"SUMMARY:{prefix}{escape_text(session.course_title)}",
        location=_location_line(session.location),
        tail=(
            f"{fold(f'DESCRIPTION:{escape_text(chr(10).join(notes))}')}{CRLF}"
            f"{fold(f'URL:{url}')}{CRLF}"
        ),
    )


def _location_line(place: str | None) -> str:
    return f"{fold(f'LOCATION:{escape_text(place)}')}{CRLF}" if place else ""


def _meeting_event(entry: MeetingEntry, shared: _SessionLines, people: str = "") -> str:
    """One VEVENT, CRLF-terminated. Everything shared by the session is ready-made;
    ``people`` holds an invitation's ORGANIZER and ATTENDEE lines."""
    number, count = entry.day
    summary = f"{shared.summary} (day {number} of {count})" if count > 1 else shared.summary
    # A meeting held somewhere else than the session says so.
    location = _location_line(entry.location) if entry.location else shared.location
    stamp = shared.stamp
    return (
        f"BEGIN:VEVENT\r\nUID:{entry.uid}\r\nDTSTAMP:{stamp}\r\n{_times(entry, shared)}"
        f"SEQUENCE:{entry.sequence}\r\n{shared.status}\r\n{fold(summary)}\r\n"
        f"{location}{shared.tail}{people}"
        f"LAST-MODIFIED:{stamp}\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
    )


def _times(entry: MeetingEntry, shared: _SessionLines) -> str:
    """DTSTART and DTEND: with the session's TZID, or both in UTC form when either
    falls in a repeated hour (which clients read differently with a TZID)."""
    starts, ends = entry.starts_at.astimezone(shared.zone), entry.ends_at.astimezone(shared.zone)
    if in_repeated_hour(starts) or in_repeated_hour(ends):
        return f"DTSTART:{utc_stamp(starts)}\r\nDTEND:{utc_stamp(ends)}\r\n"
    return f"{shared.dtstart}{wall(starts)}\r\n{shared.dtend}{wall(ends)}\r\n"


@functools.lru_cache(maxsize=20_000)
def _event_text(entry: MeetingEntry, url: str, people: str = "") -> str:
    """One meeting's VEVENT. A pure function of its (hashable) inputs, so it is
    memoized: a feed polled again re-renders only the events whose facts changed."""
    return _meeting_event(entry, _session_lines(entry, url), people)


def _certification_lines(entry: CertificationEntry) -> list[str]:
    last_current_day = entry.expires_on - timedelta(days=1)
    if entry.kind is DateKind.WINDOW_OPENS:
        summary = f"Renewal window opens: {entry.track_name}"
        note = (
            f"You can renew your {entry.track_name} certification from today. "
            f"It is current through {last_current_day:%d %b %Y}."
        )
    else:
        summary = f"Certification expires: {entry.track_name}"
        note = (
            f"Your {entry.track_name} certification is current through "
            f"{last_current_day:%d %b %Y} and lapses today unless renewed."
        )
    return [
        "BEGIN:VEVENT",
        f"UID:{entry.uid}",
        f"DTSTAMP:{utc_stamp(entry.stamp)}",
        f"DTSTART;VALUE=DATE:{entry.day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{entry.day + timedelta(days=1):%Y%m%d}",
        f"SEQUENCE:{entry.sequence}",
        "STATUS:CONFIRMED",
        fold(f"SUMMARY:{escape_text(summary)}"),
        fold(f"DESCRIPTION:{escape_text(note + chr(10) + 'Your status: ' + entry.url)}"),
        fold(f"URL:{entry.url}"),
        f"LAST-MODIFIED:{utc_stamp(entry.stamp)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def _header_lines(info: CalendarInfo, method: str | None = None) -> list[str]:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
    ]
    if method:
        lines.append(f"METHOD:{method}")
    if info.name:
        lines.append(fold(f"NAME:{escape_text(info.name)}"))
        lines.append(fold(f"X-WR-CALNAME:{escape_text(info.name)}"))
    if info.description:
        lines.append(fold(f"DESCRIPTION:{escape_text(info.description)}"))
        lines.append(fold(f"X-WR-CALDESC:{escape_text(info.description)}"))
    lines.append(f"X-WR-TIMEZONE:{info.timezone}")
    if info.refresh is not None:
        lines.append(f"REFRESH-INTERVAL;VALUE=DURATION:{duration(info.refresh)}")
        lines.append(f"X-PUBLISHED-TTL:{duration(info.refresh)}")
    if info.url:
        lines.append(fold(f"URL:{info.url}"))
    if info.source:
        lines.append(fold(f"SOURCE;VALUE=URI:{info.source}"))
    return lines


def _timezone_blocks(entries: Sequence[MeetingEntry]) -> list[str]:
    """One VTIMEZONE per zone used, covering the years its events span."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for entry in entries:
        tzid = entry.session.timezone
        start, end = entry.starts_at, entry.ends_at
        if tzid in spans:
            first, last = spans[tzid]
            spans[tzid] = (min(first, start), max(last, end))
        else:
            spans[tzid] = (start, end)
    blocks = []
    for tzid in sorted(spans):
        zone = ZoneInfo(tzid)
        first, last = (moment.astimezone(zone) for moment in spans[tzid])
        blocks.append(vtimezone_bytes(tzid, *year_range(first, last)).decode())
    return blocks


def calendar_bytes(
    info: CalendarInfo,
    meetings: Iterable[MeetingEntry] = (),
    certifications: Iterable[CertificationEntry] = (),
    *,
    session_url: Callable[[int], str],
    invitation: Invitation | None = None,
) -> bytes:
    """A whole calendar: header, time zones, then events in a stable order.

    ``session_url`` gives the page of a session (by id) that events link to;
    ``invitation`` makes it an iTIP message (meetings only) for one attendee.
    """
    meetings = sorted(meetings, key=lambda e: (e.starts_at, e.uid))
    certifications = sorted(certifications, key=lambda e: (e.day, e.uid))
    method = invitation.method if invitation else None
    people = invitation.event_lines() if invitation else ""
    head = CRLF.join(_header_lines(info, method)) + CRLF + "".join(_timezone_blocks(meetings))
    events = [_event_text(entry, session_url(entry.session.id), people) for entry in meetings]
    for entry in certifications:
        events.append(CRLF.join(_certification_lines(entry)) + CRLF)
    return (head + "".join(events) + "END:VCALENDAR" + CRLF).encode()


def session_calendar(session: CourseSession, *, url: str, info: CalendarInfo) -> bytes:
    """Every meeting of one session, for a download or an e-mail attachment."""
    return calendar_bytes(info, session_entries(session), session_url=lambda _id: url)
