"""Wall-clock times typed into forms, turned into the UTC instants that are stored.

Daylight saving makes some local times impossible (the hour skipped when
clocks go forward) and others ambiguous (the hour repeated when they go back).
The first is refused with a message; the second is never guessed: the caller
says which of the two instants is meant (zoneinfo's ``fold``: 0 the first,
daylight-time one, 1 the second), and the form asks the person typing it.
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
    """A wall-clock time that does not exist in the zone, or happens twice there unsaid which."""


def clock(moment: time | datetime) -> str:
    return moment.strftime("%I:%M %p").lstrip("0")


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def instant_label(moment: datetime, zone: str | ZoneInfo) -> str:
    """An instant as the clock shows it in ``zone``, with the zone's name and offset.

    E.g. ``1:30 AM MDT (UTC−6)``: two instants with the same clock time differ in the rest.
    """
    local = moment.astimezone(_zone(zone))
    minutes = int(local.utcoffset().total_seconds() // 60)
    sign = "−" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    offset = f"{hours}:{rest:02d}" if rest else f"{hours}"
    return f"{clock(local)} {local.tzname()} (UTC{sign}{offset})"


def occurrences(day: date, at: time, zone: str | ZoneInfo) -> tuple[datetime, datetime] | None:
    """The two UTC instants of ``day`` at ``at`` when it happens twice in ``zone``
    (the clocks going back), first then second; None when it happens once or never."""
    tz = _zone(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    first, second = naive.replace(tzinfo=tz), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    return first.astimezone(UTC), second.astimezone(UTC)


def local_to_utc(day: date, at: time, zone: str | ZoneInfo, fold: int | None = None) -> datetime:
    """``day`` at ``at`` in ``zone`` as a UTC instant.

    LocalTimeError when that time does not exist, or when it happens twice and
    ``fold`` does not say which occurrence (0: the first, 1: the second) is meant.
    """
    tz = _zone(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    local = naive.replace(tzinfo=tz)
    when = f"{clock(at)} on {day.strftime('%a %d %b %Y')}"
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise LocalTimeError(
            f"{when} does not exist in {tz.key}: "
            "the clocks go forward that night. Choose a time outside the skipped hour."
        )
    both = occurrences(day, at, tz)
    if both is None:
        return local.astimezone(UTC)
    if fold is None:
        first, second = (instant_label(moment, tz) for moment in both)
        raise LocalTimeError(
            f"{when} happens twice in {tz.key}: the clocks go back that night. "
            f"Choose which one: {first} or {second}."
        )
    return both[fold]


def utc_to_local(moment: datetime | None, zone: str | ZoneInfo) -> datetime | None:
    """A stored instant as naive wall-clock time in ``zone`` (to fill a form).

    Its ``fold`` says which occurrence it is when that clock time happens twice.
    """
    if moment is None:
        return None
    return moment.astimezone(_zone(zone)).replace(tzinfo=None)
