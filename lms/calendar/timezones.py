"""VTIMEZONE components written with yearly rules, derived from ``zoneinfo``.

icalendar's ``Timezone.from_tzinfo`` lists every transition as an RDATE. Outlook
reads only the first rule of each observance from such lists and then shifts
events by an hour, so this module finds the yearly rules behind the
transitions instead ("second Sunday of March at 02:00") and writes them as
RRULEs, the way Outlook and Exchange write their own zones:

- transitions are read from ``zoneinfo`` over a range of whole years;
- transitions into the same observance (same offsets, abbreviation, DST or
  not) in consecutive years that fall on the same rule form one run, written
  as ``RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..`` (``UNTIL`` in UTC when a later
  rule replaces it, open-ended when it still holds at the end of the range);
- a one-off transition keeps a plain DTSTART; a zone without transitions in
  the range gets one observance that starts at the beginning of the range.

The result equals ``zoneinfo`` at every instant of the range (tested).
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import icalendar


_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class _State:
    offset: timedelta
    name: str
    # Not compared: a change of the DST flag alone (Africa/Casablanca, 2018) changes
    # no wall clock, and writing it as a transition trips readers' fromutc().
    dst: timedelta = field(compare=False)


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset (or of observance) at one instant."""

    at: datetime  # UTC
    before: _State
    after: _State

    @property
    def onset(self) -> datetime:
        """The wall-clock time, in the old offset, at which the change happens (naive)."""
        return (self.at + self.before.offset).replace(tzinfo=None)


def _state(zone: ZoneInfo, instant: datetime) -> _State:
    local = instant.astimezone(zone)
    return _State(local.utcoffset(), local.tzname() or "", local.dst() or timedelta(0))


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every transition of ``zone`` in [start, end), to the second (UTC instants).

    zoneinfo has no API for its transitions: the range is read in steps of two
    days and each change bisected. No zone in tzdata changes twice within two
    days (Ramadan suspensions last weeks), and the tests compare the result
    with an independent scan.
    """
    found: list[Transition] = []
    step = timedelta(days=2)
    left, left_state = start, _state(zone, start)
    while left < end:
        right = min(left + step, end)
        right_state = _state(zone, right)
        if right_state != left_state:
            # Bisect to the first second that is in the new state.
            low, high = left, right
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _state(zone, middle) == left_state:
                    low = middle
                else:
                    high = middle
            found.append(Transition(high, left_state, _state(zone, high)))
            left, left_state = high, _state(zone, high)
            continue
        left, left_state = right, right_state
    return found


@dataclass(frozen=True)
class _Rule:
    """A yearly rule an onset may follow: an nth (or last, -1) weekday, or a fixed day."""

    month: int
    clock: time
    kind: str  # "weekday" or "monthday"
    ordinal: int  # weekday: 1..5 or -1 (last); monthday: the day
    weekday: int | None = None

    def rrule(self, until: datetime | None) -> dict:
        parts: dict = {"FREQ": "YEARLY", "BYMONTH": self.month}
        if self.kind == "weekday":
            parts["BYDAY"] = f"{self.ordinal}{_WEEKDAYS[self.weekday]}"
        else:
            parts["BYMONTHDAY"] = self.ordinal
        if until is not None:
            parts["UNTIL"] = until
        return parts


def _rules_for(onset: datetime) -> set[_Rule]:
    month_days = _calendar.monthrange(onset.year, onset.month)[1]
    clock, weekday = onset.time(), onset.weekday()
    rules = {
        _Rule(onset.month, clock, "weekday", (onset.day - 1) // 7 + 1, weekday),
        _Rule(onset.month, clock, "monthday", onset.day),
    }
    if onset.day + 7 > month_days:
        rules.add(_Rule(onset.month, clock, "weekday", -1, weekday))
    return rules


def _preferred(rules: set[_Rule]) -> _Rule:
    # Real zones say "last Sunday" or "second Sunday"; a fixed day is the fallback.
    def rank(rule: _Rule) -> tuple:
        return (rule.kind != "weekday", rule.ordinal != -1, rule.ordinal)

    return min(rules, key=rank)


@dataclass
class _Run:
    after: _State
    before: _State
    members: list[Transition]
    rules: set[_Rule]


def _runs(found: list[Transition]) -> list[_Run]:
    """Group transitions into runs of one observance following one yearly rule."""
    open_runs: dict[tuple, _Run] = {}
    runs: list[_Run] = []
    for transition in found:
        key = (transition.before, transition.after)
        rules = _rules_for(transition.onset)
        run = open_runs.get(key)
        if run is not None:
            last = run.members[-1].onset
            common = run.rules & rules
            if transition.onset.year == last.year + 1 and common:
                run.members.append(transition)
                run.rules = common
                continue
        run = _Run(transition.after, transition.before, [transition], rules)
        open_runs[key] = run
        runs.append(run)
    return runs


def _is_daylight(before: _State, after: _State) -> bool:
    # By offsets, not by zoneinfo's dst(): Europe/Dublin's winter time is a
    # "negative DST", which readers (dateutil, Outlook) misplace by an hour.
    if after.offset != before.offset:
        return after.offset > before.offset
    return after.dst > timedelta(0)


def _observance(ical, after: _State, before: _State, onset: datetime):
    """A STANDARD or DAYLIGHT component (``ical``: the icalendar module)."""
    daylight = _is_daylight(before, after)
    component = ical.TimezoneDaylight() if daylight else ical.TimezoneStandard()
    component.add("DTSTART", onset)
    component.add("TZOFFSETFROM", before.offset)
    component.add("TZOFFSETTO", after.offset)
    if after.name:
        component.add("TZNAME", after.name)
    return component


def build_vtimezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """A VTIMEZONE for ``tzid`` equal to zoneinfo from 1 Jan ``first_year`` to 31 Dec ``last_year``.

    The year before ``first_year`` is read too, so each rule already has an
    onset when the range begins; only when that year has no transition (no
    DST, or DST that begins inside the range) does the state at its start get
    a component of its own.
    """
    # Imported here, not at the top: importing icalendar reads a zone file, and the
    # LMS does no I/O when it is imported (tests/foundation/test_extension.py).
    import icalendar  # noqa: PLC0415

    zone = ZoneInfo(tzid)
    lead_in = datetime(first_year - 1, 1, 1, tzinfo=zone).astimezone(UTC)
    start = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    found = transitions(zone, lead_in, end)
    vtimezone = icalendar.Timezone()
    vtimezone.add("TZID", tzid)
    if not found or found[0].at > start:
        initial = _state(zone, lead_in)
        onset = (lead_in + initial.offset).replace(tzinfo=None)
        vtimezone.add_component(_observance(icalendar, initial, initial, onset))
    for run in _runs(found):
        component = _observance(icalendar, run.after, run.before, run.members[0].onset)
        if len(run.members) > 1:
            continues = run.members[-1].onset.year >= last_year
            until = None if continues else _until(run.members[-1])
            component.add("RRULE", _preferred(run.rules).rrule(until))
        vtimezone.add_component(component)
    return vtimezone


def _until(last: Transition) -> datetime:
    # RFC 5545 wants UNTIL in UTC here, but several readers (dateutil, hence vobject
    # and icalendar) compare it with the local DTSTART. The later of the two
    # readings still ends the rule after its last onset and a year before the next.
    return max(last.at, last.onset.replace(tzinfo=UTC))


@lru_cache(maxsize=64)
def vtimezone_bytes(tzid: str, first_year: int, last_year: int) -> bytes:
    """The serialized VTIMEZONE (CRLF lines, folded); cached, it depends only on tzdata."""
    return build_vtimezone(tzid, first_year, last_year).to_ical()


def year_range(first: date | datetime, last: date | datetime) -> tuple[int, int]:
    """The years a VTIMEZONE must cover for events from ``first`` to ``last``.

    One year after the last event, so the rule in force then is seen to
    continue and can be written open-ended.
    """
    return first.year, last.year + 1
