"""Dates and times as people read them, in the department's (or a session's) zone."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from . import core


def _zone(zone):
    return zone or current_app.config["LMS_TIMEZONE"]


def format_local_datetime(moment: datetime | None, zone: str | None = None) -> str:
    """'Tue 10 Mar 2026, 8:00 AM MDT' in the given zone (default: the department's)."""
    local = core.to_local(moment, _zone(zone))
    if local is None:
        return ""
    return local.strftime("%a %d %b %Y, ") + _clock(local) + local.strftime(" %Z")


def format_local_time(moment: datetime | None, zone: str | None = None) -> str:
    local = core.to_local(moment, _zone(zone))
    return "" if local is None else _clock(local) + local.strftime(" %Z")


def format_local_date(value: date | datetime | None, zone: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = core.to_local(value, _zone(zone)).date()
    return value.strftime("%a %d %b %Y")


def _clock(local: datetime) -> str:
    return local.strftime("%I:%M %p").lstrip("0")


def format_session_name(session) -> str:
    """'CRASE: Avoid, Deny, Defend, Mon 21 Dec 2026': a session named by its course and day."""
    day = format_local_date(session.starts_at, session.timezone)
    return f"{session.course.title}, {day}" if day else session.course.title
