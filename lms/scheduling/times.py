"""Wall-clock times typed into forms, turned into the UTC instants that are stored.

Daylight saving makes some local times impossible (the hour skipped when
clocks go forward) and others ambiguous (the hour repeated when they go back).
The first is refused with a message; the second is read as its first
occurrence, the daylight-time one, and pages show the zone (MDT/MST) beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MeetingTime:
    """One meeting as entered: its stored id when it exists, its UTC start and end."""

    meeting_id: int | None
    starts_at: datetime
    ends_at: datetime
    location: str | None


class LocalTimeError(ValueError):
    """A wall-clock time that does not exist in the zone."""


def clock(moment: time | datetime) -> str:
    return moment.strftime("%I:%M %p").lstrip("0")


def local_to_utc(day: date, at: time, zone: str | ZoneInfo) -> datetime:
    """``day`` at ``at`` in ``zone`` as a UTC instant; LocalTimeError when it does not exist."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    local = naive.replace(tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise LocalTimeError(
            f"{clock(at)} on {day.strftime('%a %d %b %Y')} does not exist in {tz.key}: "
            "the clocks go forward that night. Choose a time outside the skipped hour."
        )
    return local.astimezone(UTC)


def is_ambiguous(day: date, at: time, zone: str | ZoneInfo) -> bool:
    """True when ``day`` at ``at`` happens twice in ``zone`` (clocks going back)."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    naive = datetime.combine(day, at.replace(tzinfo=None))
    return (
        naive.replace(tzinfo=tz, fold=0).utcoffset() != naive.replace(tzinfo=tz, fold=1).utcoffset()
    )


def utc_to_local(moment: datetime | None, zone: str | ZoneInfo) -> datetime | None:
    """A stored instant as naive wall-clock time in ``zone`` (to fill a form)."""
    if moment is None:
        return None
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return moment.astimezone(tz).replace(tzinfo=None)
