"""Tables that stack into cards on a phone: each body cell is labelled by its column header."""

from __future__ import annotations

import re

from markupsafe import Markup

from lms.tables import stacked


def labels(html: str) -> list[str | None]:
    """Each body or footer cell's data-label, in order (None where it has none)."""
    body = html.split("</thead>", 1)[-1]
    cells = re.findall(r"<t[dh]\b([^>]*)>", body)
    found = [re.search(r'data-label="([^"]*)"', attrs) for attrs in cells]
    return [match.group(1) if match else None for match in found]


def test_each_cell_is_labelled_by_its_columns_header_and_the_table_is_marked():
    html = stacked(
        '<table aria-labelledby="people">\n'
        '  <thead><tr><th scope="col">Name</th><th scope="col">Agency &amp; unit</th>'
        '<th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>\n'
        "  <tbody>\n"
        '    <tr><th scope="row">Ofc. Sofia Rivera</th><td>MPD</td>'
        '<td><a href="/x">Cancel</a></td></tr>\n'
        "    <tr><td>Ofc. Marcus Bell</td><td>MFD</td><td></td></tr>\n"
        "  </tbody>\n"
        "</table>"
    )
    assert isinstance(html, Markup)
    assert html.startswith('<table aria-labelledby="people" class="stacked">')
    assert labels(html) == ["Name", "Agency &amp; unit", "Action"] * 2
    # Nothing else changed: removing the labels and the class gives the input back.
    plain = re.sub(r' data-label="[^"]*"| class="stacked"', "", str(html))
    assert 'Ofc. Sofia Rivera</th><td>MPD</td><td><a href="/x">Cancel</a></td>' in plain


def test_spanning_cells_and_headers_get_no_label_and_existing_labels_stay():
    html = stacked(
        '<table class="results-table"><thead>'
        '<tr><th colspan="3">Grouped</th></tr>'  # an upper header row: the last one names columns
        '<tr><th>Name</th><th colspan="2">Day 1 &amp; 2</th><th>Say "hi"</th></tr></thead>'
        "<tbody><tr><td>Ann</td><td>yes</td><td>no</td><td>x</td></tr>"
        '<tr><td colspan="4">No one else.</td></tr>'
        '<tr><td data-label="Own">a</td><td>b</td><td>c</td><td>d</td></tr></tbody>'
        "<tfoot><tr><th>All</th><td></td><td></td><td>3</td></tr></tfoot></table>"
    )
    assert html.startswith('<table class="results-table stacked">')
    assert labels(html) == [
        "Name", None, None, "Say &quot;hi&quot;",  # under a two-column header: no label
        None,  # spans every column
        "Own", None, None, "Say &quot;hi&quot;",
        "Name", None, None, "Say &quot;hi&quot;",
    ]  # fmt: skip


def test_nested_tables_label_their_own_cells():
    html = stacked(
        "<table><thead><tr><th>Outer</th></tr></thead><tbody><tr><td>"
        "<table><thead><tr><th>Inner</th></tr></thead><tbody><tr><td>i</td></tr></tbody></table>"
        "</td></tr><tr><td>o</td></tr></tbody></table>"
    )
    assert re.findall(r'data-label="(\w+)">(\w?)', html) == [
        ("Outer", ""),
        ("Inner", "i"),
        ("Outer", "o"),
    ]
