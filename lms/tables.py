"""Tables that become stacked cards on a phone: each cell labelled with its column's header.

A template wraps a table in ``{% filter stacked %}...{% endfilter %}``: every body and
footer cell gets ``data-label="<its column header>"`` and the table the class ``stacked``;
under the phone breakpoint ``lms.css`` shows each row as a card of "label: value" lines,
on wider screens the table is a table. The labels come from the table's own header row,
so they never drift from it, and no script is needed.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from markupsafe import Markup

_SPACE = re.compile(r"\s+")


class _CellLabeller(HTMLParser):
    """Finds where to insert each attribute: (offset of a start tag's end, text to insert)."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.source = source
        self.inserts: list[tuple[int, str]] = []
        self.tables: list[dict] = []  # a stack: nested tables label their own cells

    def _tag_end(self) -> int:
        """Offset just before the '>' (or '/>') of the start tag being handled."""
        line, column = self.getpos()
        start = self.line_starts[line - 1] + column
        end = start + len(self.get_starttag_text())
        return end - (2 if self.source[end - 2 : end] == "/>" else 1)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            classes = (attributes.get("class") or "").split()
            self.tables.append({"headers": [], "section": None, "column": 0, "text": None})
            if "stacked" not in classes:
                if "class" in attributes:
                    self._add_class(classes)
                else:
                    self.inserts.append((self._tag_end(), ' class="stacked"'))
            return
        if not self.tables:
            return
        table = self.tables[-1]
        if tag in ("thead", "tbody", "tfoot"):
            table["section"] = tag
        elif tag == "tr":
            table["column"] = 0
            if table["section"] == "thead":
                table["headers"] = []  # the last header row names the columns
        elif tag in ("td", "th"):
            span = int(attributes.get("colspan") or 1)
            if table["section"] == "thead":
                table["text"] = []
                table["headers"].append(("", span))
            else:
                label = self._header_at(table, table["column"]) if span == 1 else ""
                if label and "data-label" not in attributes:
                    self.inserts.append((self._tag_end(), f' data-label="{escape(label)}"'))
            table["column"] += span

    def handle_endtag(self, tag):
        if not self.tables:
            return
        table = self.tables[-1]
        if tag == "table":
            self.tables.pop()
        elif tag in ("td", "th") and table["text"] is not None:
            text, span = _SPACE.sub(" ", "".join(table["text"])).strip(), table["headers"][-1][1]
            table["headers"][-1] = (text, span)
            table["text"] = None
        elif tag in ("thead", "tbody", "tfoot"):
            table["section"] = "body" if tag == "thead" else None

    def handle_data(self, data):
        if self.tables and self.tables[-1]["text"] is not None:
            self.tables[-1]["text"].append(data)

    def _add_class(self, classes: list[str]) -> None:
        """Add 'stacked' to an existing class attribute (rewritten in place)."""
        line, column = self.getpos()
        start = self.line_starts[line - 1] + column
        tag_text = self.get_starttag_text()
        match = re.search(r"""class\s*=\s*(["'])(.*?)\1""", tag_text)
        if match:
            at = start + match.end(2)
            self.inserts.append((at, " stacked"))

    @staticmethod
    def _header_at(table: dict, column: int) -> str:
        position = 0
        for text, span in table["headers"]:
            if position <= column < position + span:
                return text if span == 1 else ""
            position += span
        return ""


def stacked(html: str) -> Markup:
    """``html`` with its tables marked ``stacked`` and each body cell labelled by its header."""
    source = str(html)
    labeller = _CellLabeller(source)
    labeller.feed(source)
    labeller.close()
    parts, last = [], 0
    for at, text in sorted(labeller.inserts, key=lambda insert: insert[0]):
        parts.append(source[last:at])
        parts.append(text)
        last = at
    parts.append(source[last:])
    # The input is the template's own markup (already escaped); labels are escaped above.
    return Markup("".join(parts))  # noqa: S704
