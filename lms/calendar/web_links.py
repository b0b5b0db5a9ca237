"""Links that open a web calendar's new-event page with a meeting filled in (Google, Outlook).

Pure functions of a session's meetings and its page's address. The page shows them as
plain links the visitor may follow; the page itself asks nothing of those services. A
link adds one event, so a session of several meetings gets a pair of links per meeting
(the .ics file holds them all).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import urlencode

from ..formatting import format_local_date
from ..models import CourseSession
from .render import MeetingEntry, session_entries

GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR = "https://outlook.live.com/calendar/0/deeplink/compose"


class WebCalendarLinks(NamedTuple):
    """The links adding one meeting; ``day`` names it when the session has several."""

    day: str | None
    google: str
    outlook: str


def _google_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _outlook_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def meeting_links(entry: MeetingEntry, url: str) -> WebCalendarLinks:
    """Google and Outlook links adding ``entry``, whose details point to ``url``."""
    session = entry.session
    number, count = entry.day
    title = session.course_title + (f" (day {number} of {count})" if count > 1 else "")
    details = f"{session.course_title} ({session.course_code})\n{url}"
    place = entry.location or session.location
    google = {
        "action": "TEMPLATE",
        "text": title,
        "dates": f"{_google_time(entry.starts_at)}/{_google_time(entry.ends_at)}",
        "details": details,
        "location": place,
        "ctz": session.timezone,
    }
    outlook = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": title,
        "startdt": _outlook_time(entry.starts_at),
        "enddt": _outlook_time(entry.ends_at),
        "body": details,
        "location": place,
    }
    day = format_local_date(entry.starts_at, session.timezone) if count > 1 else None
    return WebCalendarLinks(
        day,
        f"{GOOGLE_CALENDAR}?{urlencode(google)}",
        f"{OUTLOOK_CALENDAR}?{urlencode(outlook)}",
    )


def session_links(session: CourseSession, url: str) -> list[WebCalendarLinks]:
    """A pair of links per meeting of ``session`` (none once it is cancelled)."""
    if session.is_cancelled:
        return []
    return [meeting_links(entry, url) for entry in session_entries(session)]
