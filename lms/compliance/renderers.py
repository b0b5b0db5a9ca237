"""Pure renderers of the compliance feature: CSV rows and bytes, and the SVG chart.

They take plain values or domain objects and return rows, bytes or markup,
so a download, an email attachment and a command can all reuse them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

# Cells a spreadsheet would read as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell as text that no spreadsheet will run: formula starters get a leading '."""
    if value is None:
        return ""
    if isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, Decimal):
        text = f"{value.normalize():f}"
    else:
        text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV of a header and rows, every cell neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


COMPLIANCE_HEADER = (
    "Name",
    "Badge number",
    "Person ID",
    "Agency",
    "Certification",
    "Status",
    "Due (expires on)",
)


def compliance_rows(standings, organization_names: Mapping[int, str]) -> list[list[object]]:
    """One row per person and track."""
    return [
        [
            s.full_name,
            s.badge_number or "",
            s.person_id,
            organization_names.get(s.organization_id, ""),
            s.track.name,
            s.state.label,
            s.expires_on,
        ]
        for s in standings
    ]


HOURS_HEADER = ("Name", "Badge number", "Person ID", "Agency", "Completions", "Credit hours")


def hours_rows(ledger, organization_names: Mapping[int, str]) -> list[list[object]]:
    return [
        [
            row.full_name,
            row.badge_number or "",
            row.person_id,
            organization_names.get(row.organization_id, ""),
            row.completions,
            row.hours,
        ]
        for row in ledger
    ]


POST_HEADER = (
    "Name",
    "ID/badge number",
    "Agency",
    "Course code",
    "Course title",
    "Date",
    "Hours",
)


def post_roster_rows(records) -> list[list[object]]:
    """Rows for a state POST submission: who, which course, when, how many hours."""
    return [
        [
            r.full_name,
            r.badge_number or f"LMS-{r.person_id}",
            r.agency,
            r.course_code,
            r.course_title,
            r.completed_on,
            r.credit_hours,
        ]
        for r in records
    ]


# --- the chart ---------------------------------------------------------------------

#: Fill colours of the states (dark enough for white labels: WCAG AA on each).
STATE_COLOURS = {
    "current": "#216e39",
    "due_soon": "#8a5a00",
    "expired": "#a4161a",
    "never": "#5b6875",
}


def compliance_chart_svg(
    title: str,
    bars: Sequence[tuple[str, Mapping[str, int]]],
    states: Sequence[tuple[str, str]],
    chart_id: str = "chart",
    narrow: bool = False,
) -> Markup:
    """A stacked horizontal bar per agency: how many are current, due soon, expired, never.

    ``bars``: (agency name, {state value: count}); ``states``: (value, label) in order.
    Returns inline SVG markup (no script, no external resource) with a title and a
    description for screen readers; the table beside it carries the same figures.
    ``narrow`` draws it for a phone (names above the bars, a two-column legend), so its
    text stays readable at 320 px: the page shows one drawing or the other by width.
    """
    if narrow:
        label_width, bar_width, row_height, top, name_above = 0, 160, 50, 48, 20
        width, legend_columns, longest = 250, 2, 33
    else:
        label_width, bar_width, row_height, top, name_above = 290, 520, 34, 34, 0
        width, legend_columns, longest = label_width + bar_width + 110, len(states), 38
    height = top + row_height * max(len(bars), 1) + 8
    variant = "chart-narrow" if narrow else "chart-wide"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'class="chart {variant}" font-family="system-ui, \'DejaVu Sans\', sans-serif">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]
    description = "; ".join(
        f"{name}: " + ", ".join(f"{counts.get(v, 0)} {label.lower()}" for v, label in states)
        for name, counts in bars
    )
    parts.append(f'<desc id="{chart_id}-desc">{escape(description or "No one to report.")}</desc>')
    x = 0
    for index, (value, label) in enumerate(states):
        if narrow:
            x, y = (index % legend_columns) * 125, 2 + (index // legend_columns) * 19
        else:
            y = 6
        parts.append(
            f'<rect x="{label_width + x}" y="{y}" width="12" height="12" '
            f'fill="{STATE_COLOURS.get(value, "#888")}"/>'
            f'<text x="{label_width + x + 17}" y="{y + 11}" font-size="12" fill="#1b2733">'
            f"{escape(label)}</text>"
        )
        x += 20 + 7 * len(label) + 18
    if not bars:
        parts.append(
            f'<text x="0" y="{top + 18}" font-size="13" fill="#5b6875">No one to report.</text>'
        )
    for index, (name, counts) in enumerate(bars):
        y = top + index * row_height + name_above
        total = sum(counts.get(v, 0) for v, _ in states)
        short = name if len(name) <= longest else name[: longest - 1] + "…"
        if narrow:
            parts.append(
                f'<text x="0" y="{y - 5}" font-size="13" fill="#1b2733">{escape(short)}</text>'
            )
        else:
            parts.append(
                f'<text x="{label_width - 8}" y="{y + 18}" font-size="13" text-anchor="end" '
                f'fill="#1b2733">{escape(short)}</text>'
            )
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{bar_width}" height="22" fill="#eef2f5"/>'
        )
        offset = 0.0
        for value, label in states:
            count = counts.get(value, 0)
            if not count or not total:
                continue
            span = bar_width * count / total
            parts.append(
                f'<rect x="{label_width + offset:.1f}" y="{y + 3}" width="{span:.1f}" height="22" '
                f'fill="{STATE_COLOURS.get(value, "#888")}"><title>{escape(name)}: {count} '
                f"{escape(label.lower())}</title></rect>"
            )
            if span >= 8 * len(str(count)) + 6:
                parts.append(
                    f'<text x="{label_width + offset + span / 2:.1f}" y="{y + 18}" font-size="12" '
                    f'text-anchor="middle" fill="#ffffff">{count}</text>'
                )
            offset += span
        current_share = (
            round(100 * (counts.get("current", 0) + counts.get("due_soon", 0)) / total)
            if total
            else 0
        )
        parts.append(
            f'<text x="{label_width + bar_width + 8}" y="{y + 18}" font-size="12" '
            f'fill="#1b2733">{current_share}% in force</text>'
        )
    parts.append("</svg>")
    # Every dynamic part above went through escape().
    return Markup("".join(parts))  # noqa: S704


def compliance_charts(
    title: str,
    bars: Sequence[tuple[str, Mapping[str, int]]],
    states: Sequence[tuple[str, str]],
    chart_id: str = "chart",
) -> Markup:
    """The chart drawn for a phone and for a wide screen; the stylesheet shows one of them."""
    narrow = compliance_chart_svg(title, bars, states, f"{chart_id}-narrow", narrow=True)
    return narrow + compliance_chart_svg(title, bars, states, chart_id)
