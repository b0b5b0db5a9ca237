"""Pure pieces of the compliance feature: reporting periods, CSV cells, the chart."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

from lms.compliance.periods import (
    PeriodError,
    parse_start,
    period_containing,
    period_from_key,
    recent_periods,
)
from lms.compliance.renderers import compliance_chart_svg, compliance_charts, csv_bytes, safe_cell

JULY = (7, 1)


@pytest.mark.parametrize(
    "day, start, end",
    [
        (date(2026, 6, 30), date(2025, 7, 1), date(2026, 7, 1)),
        (date(2026, 7, 1), date(2026, 7, 1), date(2027, 7, 1)),
        (date(2027, 1, 15), date(2026, 7, 1), date(2027, 7, 1)),
    ],
)
def test_a_july_reporting_period_runs_july_to_june(day, start, end):
    period = period_containing(day, JULY)
    assert (period.start, period.end) == (start, end)
    assert day in period


def test_periods_are_named_by_the_year_they_start_and_labelled_for_people():
    period = period_from_key("2025", date(2027, 1, 1), JULY)
    assert period.label == "2025–26 (1 Jul 2025 – 30 Jun 2026)"
    assert period_from_key("", date(2027, 1, 1), (1, 1)).label == "2027"
    assert [p.key for p in recent_periods(date(2026, 8, 1), JULY, 3)] == ["2026", "2025", "2024"]
    with pytest.raises(PeriodError, match="give the year it starts in"):
        period_from_key("last-year", date(2026, 1, 1), JULY)


@pytest.mark.parametrize(
    "key", ["9" * 5000, "0" * 4300 + "2025", "٢٠٢٥", "2025 ", "+2025", "20250"]
)
def test_a_period_key_that_is_not_a_year_is_refused_not_a_crash(key):
    """Thousands of digits (int() refuses them), digits of another script, signs, spaces."""
    with pytest.raises(PeriodError, match="give the year it starts in"):
        period_from_key(key, date(2026, 1, 1), JULY)


@pytest.mark.parametrize("setting", ["7/1", "13-01", "02-29", "July", ""])
def test_a_reporting_period_start_every_year_does_not_have_is_refused(setting):
    with pytest.raises(PeriodError, match="LMS_REPORTING_PERIOD_START must be a month and day"):
        parse_start(setting)


@pytest.mark.parametrize(
    "value, cell",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturn", "'\rReturn"),
        ("Ofc. Sofia Rivera", "Ofc. Sofia Rivera"),
        (None, ""),
        (date(2026, 7, 1), "2026-07-01"),
        (Decimal("8.00"), "8"),
        (Decimal("7.50"), "7.5"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralized(value, cell):
    assert safe_cell(value) == cell


def test_csv_bytes_round_trip_through_a_csv_reader():
    body = csv_bytes(["Name", "Note"], [["Zoë Müller", "=1+1"], ["O'Neil, Megan", 'say "hi"']])
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows == [["Name", "Note"], ["Zoë Müller", "'=1+1"], ["O'Neil, Megan", 'say "hi"']]


def test_the_chart_is_self_contained_accessible_svg_with_escaped_names():
    svg = str(
        compliance_chart_svg(
            "ALERRT: who is current",
            [("<script>alert(1)</script> PD", {"current": 3, "expired": 1}), ("Fire", {})],
            [
                ("current", "Current"),
                ("due_soon", "Due soon"),
                ("expired", "Expired"),
                ("never", "Never"),
            ],
            chart_id="c1",
        )
    )
    assert (
        svg.startswith("<svg")
        and 'role="img"' in svg
        and 'aria-labelledby="c1-title c1-desc"' in svg
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert re.findall(r"(?:href|src)=", svg) == []  # nothing fetched from anywhere
    assert "3 current, 0 due soon, 1 expired, 0 never" in svg  # the description
    assert "75% in force" in svg and "0% in force" in svg


def test_the_charts_for_a_phone_and_a_wide_screen_carry_the_same_figures_under_their_own_ids():
    charts = str(
        compliance_charts(
            "ALERRT: who is current",
            [("Missoula Police Department", {"current": 3, "expired": 1})],
            [("current", "Current"), ("expired", "Expired")],
            chart_id="c1",
        )
    )
    narrow, wide = charts.split("</svg>")[:2]
    assert 'class="chart chart-narrow"' in narrow and 'class="chart chart-wide"' in wide
    assert 'aria-labelledby="c1-narrow-title c1-narrow-desc"' in narrow
    assert 'aria-labelledby="c1-title c1-desc"' in wide
    # Narrow enough to keep its 13 px names near 13 px on a 320 px phone; same figures.
    assert 'viewBox="0 0 250 ' in narrow
    for chart in (narrow, wide):
        assert "Missoula Police Department: 3 current, 1 expired" in chart
        assert "75% in force" in chart
