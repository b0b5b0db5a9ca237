"""Reporting periods: the year a state POST board counts training hours in.

The period starts on the same day every year, ``LMS_REPORTING_PERIOD_START``
(``"MM-DD"``, default ``"07-01"``: a July-to-June fiscal year).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app

DEFAULT_START = "07-01"


class PeriodError(ValueError):
    """A reporting period setting or request that makes no sense; the message says why."""


@dataclass(frozen=True)
class Period:
    """Dates ``start`` (inclusive) to ``end`` (exclusive)."""

    start: date
    end: date

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def key(self) -> str:
        """How a period is named in URLs: the year it starts in."""
        return str(self.start.year)

    @property
    def label(self) -> str:
        if (self.start.month, self.start.day) == (1, 1):
            return str(self.start.year)
        return (
            f"{self.start.year}–{str(self.end.year)[-2:]} "
            f"({self.start:%-d %b %Y} – {self.last_day:%-d %b %Y})"
        )

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end


def parse_start(value: str) -> tuple[int, int]:
    """(month, day) from ``"MM-DD"``; PeriodError names the setting when it is wrong."""
    try:
        month_text, day_text = str(value).strip().split("-")
        month, day = int(month_text), int(day_text)
        date(2001, month, day)  # a year without 29 February: every year has this day
    except ValueError:
        raise PeriodError(
            f"LMS_REPORTING_PERIOD_START must be a month and day as MM-DD that every year "
            f"has (e.g. 07-01), got {value!r}"
        ) from None
    return month, day


def configured_start() -> tuple[int, int]:
    return parse_start(current_app.config.get("LMS_REPORTING_PERIOD_START", DEFAULT_START))


def period_starting(year: int, start: tuple[int, int]) -> Period:
    month, day = start
    return Period(date(year, month, day), date(year + 1, month, day))


def period_containing(day: date, start: tuple[int, int]) -> Period:
    """The reporting period ``day`` falls in."""
    this_year = period_starting(day.year, start)
    return this_year if day >= this_year.start else period_starting(day.year - 1, start)


def recent_periods(today: date, start: tuple[int, int], count: int = 6) -> list[Period]:
    """The current period and the ``count - 1`` before it, newest first."""
    current = period_containing(today, start)
    return [period_starting(current.start.year - n, start) for n in range(count)]


def period_from_key(key: str | None, today: date, start: tuple[int, int]) -> Period:
    """The period named by ``key`` (its start year), or the current one when empty."""
    if not key:
        return period_containing(today, start)
    # Four ASCII digits: int() refuses a digit string of thousands (and reads other scripts').
    if not (len(key) == 4 and key.isascii() and key.isdigit()) or not 1900 <= int(key) <= 2999:
        raise PeriodError(f"Unknown reporting period {key!r}: give the year it starts in.")
    return period_starting(int(key), start)
