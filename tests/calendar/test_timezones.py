"""VTIMEZONEs written with rules, read back by icalendar and vobject, equal to zoneinfo."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from lms.calendar.timezones import build_vtimezone

# The department's zone, a zone without DST, the southern hemisphere, Europe's
# "last Sunday" rules, a negative-DST zone, and zones that dropped DST in range.
ZONES = [
    "America/Denver",
    "America/Phoenix",
    "Australia/Sydney",
    "Europe/London",
    "Europe/Dublin",
    "America/Sao_Paulo",
    "Pacific/Apia",
    "Asia/Tehran",
]


def zoneinfo_transitions(
    tzid: str, start: datetime, end: datetime
) -> list[tuple[datetime, timedelta]]:
    """Offset changes of zoneinfo to the minute: a 6-hour scan, then bisection.

    Written independently of the code under test (which scans days and bisects to
    the second), so the two do not share a mistake.
    """
    zone, found = ZoneInfo(tzid), []

    def offset(moment):
        return moment.astimezone(zone).utcoffset()

    moment, current = start, offset(start)
    while moment < end:
        later = moment + timedelta(hours=6)
        if offset(later) != current:
            low, high = moment, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if offset(middle) == current else (low, middle)
            high = high.replace(second=0, microsecond=0)  # changes happen on the minute
            current = offset(high)
            found.append((high, current))
            moment = high
        else:
            moment = later
    return found


def vtimezone_transitions(component: icalendar.Timezone, start: datetime, end: datetime):
    """Offset changes the VTIMEZONE defines, expanded by icalendar's own rule reader."""
    times, infos = component.get_transitions()
    changes, offset = [], None
    for when, (utc_offset, _dst, _name) in sorted(zip(times, infos, strict=True)):
        when = when.replace(tzinfo=UTC)
        if when > end:
            break
        if when > start and utc_offset != offset:
            changes.append((when, utc_offset))
        offset = utc_offset
    return changes


@pytest.mark.parametrize("tzid", ZONES)
def test_transitions_equal_zoneinfo_over_the_range(tzid):
    component = build_vtimezone(tzid, 2017, 2028)
    start = datetime(2017, 1, 1, tzinfo=ZoneInfo(tzid)).astimezone(UTC)
    end = datetime(2029, 1, 1, tzinfo=ZoneInfo(tzid)).astimezone(UTC)
    assert vtimezone_transitions(component, start, end) == zoneinfo_transitions(tzid, start, end)


@pytest.mark.parametrize("tzid", ZONES)
def test_readers_get_zoneinfo_offsets_around_every_change(tzid):
    raw = build_vtimezone(tzid, 2024, 2028).to_ical()
    # icalendar, told not to look the name up, must use the rules as written.
    from_icalendar = icalendar.Timezone.from_ical(raw).to_tz(lookup_tzid=False)
    wrapped = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n{raw.decode()}END:VCALENDAR\r\n"
    from_vobject = vobject.readOne(io.StringIO(wrapped)).vtimezone.gettzinfo()
    zone = ZoneInfo(tzid)
    start = datetime(2024, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(2029, 1, 1, tzinfo=zone).astimezone(UTC)
    moments = [start + timedelta(days=3 * n, hours=n % 24) for n in range((end - start).days // 3)]
    for change, _offset in zoneinfo_transitions(tzid, start, end):
        moments += [change - timedelta(minutes=1), change, change + timedelta(minutes=1)]
    for moment in moments:
        expected = moment.astimezone(zone).utcoffset()
        assert moment.astimezone(from_icalendar).utcoffset() == expected, moment
        assert moment.astimezone(from_vobject).utcoffset() == expected, moment


def test_the_department_zone_is_two_rules_not_a_list_of_dates():
    raw = build_vtimezone("America/Denver", 2027, 2028).to_ical().decode()
    component = icalendar.Timezone.from_ical(raw)
    assert [c.name for c in component.subcomponents] == ["DAYLIGHT", "STANDARD"]
    daylight, standard = component.subcomponents
    assert "RDATE" not in raw
    assert daylight["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=2SU;BYMONTH=3"
    assert standard["RRULE"].to_ical() == b"FREQ=YEARLY;BYDAY=1SU;BYMONTH=11"
    assert daylight["DTSTART"].dt == datetime(2026, 3, 8, 2, 0)
    assert str(daylight["TZNAME"]) == "MDT" and str(standard["TZNAME"]) == "MST"
    assert daylight["TZOFFSETFROM"].td == timedelta(hours=-7)
    assert daylight["TZOFFSETTO"].td == timedelta(hours=-6)


def test_a_rule_that_ended_says_until_when():
    component = build_vtimezone("America/Sao_Paulo", 2017, 2022)
    ended = [c for c in component.subcomponents if "RRULE" in c]
    assert ended and all("UNTIL" in c["RRULE"] for c in ended)
    raw = component.to_ical()
    assert b"RDATE" not in raw
