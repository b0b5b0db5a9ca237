"""Reading an uploaded spreadsheet (CSV or XLSX) into lines of text cells, and mapping its columns.

Pure functions of the file's bytes: nothing here touches the database. Lines are
numbered as a spreadsheet shows them (the header is line 1), columns named as the
file names them, so every problem can be found in the file and fixed in one go.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from ..boundary import text_problem

#: What a column may be mapped to besides a field: its values are not read.
IGNORE = "ignore"
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: a line (None: the file) and a column as the file names it."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"Line {self.line}")
        if self.column:
            where.append(f"column “{self.column}”")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Table:
    """The header and the non-empty lines of a file, every cell as stripped text."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    read_as: str  # "UTF-8", "Windows-1252 (cp1252)" or "XLSX workbook": shown in the preview


@dataclass
class Mapping:
    """Which field each column feeds (by position), and the columns still to be mapped."""

    columns: list[str]  # field name or IGNORE, per column
    unknown: list[int] = field(default_factory=list)  # positions the user must map

    def position(self, name: str) -> int | None:
        return self.columns.index(name) if name in self.columns else None


def normalize_header(header: str) -> str:
    """A header reduced to lower-case words: "Badge #" and "badge no." both read "badge number"."""
    text = header.casefold().replace("#", " number ")
    text = re.sub(r"\bno\b\.?|\bnum\b", " number ", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _decode(data: bytes) -> tuple[str | None, str, list[Problem]]:
    try:
        return data.decode("utf-8-sig"), "UTF-8", []
    except UnicodeDecodeError as exc:
        utf8_at = (data[exc.start], data[: exc.start].count(b"\n") + 1)
    try:
        return data.decode("cp1252"), "Windows-1252 (cp1252), as it is not UTF-8", []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return (
            None,
            "",
            [
                Problem(
                    line,
                    None,
                    f"the file is neither UTF-8 (byte 0x{utf8_at[0]:02X} at line {utf8_at[1]}) "
                    "nor Windows-1252 text. "
                    "In your spreadsheet, save it as “CSV UTF-8” or as an Excel workbook (.xlsx).",
                )
            ],
        )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> tuple[Table | None, list[Problem]]:
    try:
        # Imported here, not at the top: openpyxl reads /etc/mime.types when imported,
        # and importing lms must do no I/O (a host imports it at start-up).
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return None, [Problem(None, None, f"the file is not a readable Excel workbook ({exc}).")]
    try:
        sheet = workbook.worksheets[0]
        lines = [
            (number, [_cell_text(v) for v in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        workbook.close()
    return _table(lines, "XLSX workbook")


def _read_csv(data: bytes) -> tuple[Table | None, list[Problem]]:
    text, read_as, problems = _decode(data)
    if text is None:
        return None, problems
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    lines, line = [], 1
    try:
        for cells in reader:
            lines.append((line, [c.strip() for c in cells]))
            line = reader.line_num + 1
    except csv.Error as exc:
        return None, [Problem(reader.line_num, None, f"the line cannot be read as CSV ({exc}).")]
    return _table(lines, read_as)


def _table(lines: list[tuple[int, list[str]]], read_as: str) -> tuple[Table | None, list[Problem]]:
    lines = [(n, cells) for n, cells in lines if any(cells)]
    if not lines:
        return None, [Problem(None, None, "the file is empty.")]
    (header_line, headers), rows = lines[0], lines[1:]
    problems = [
        Problem(header_line, header, f"the header: {problem}")
        for header in headers
        if (problem := text_problem(header))
    ]
    width = max((len(cells) for _, cells in lines), default=0)
    headers = headers + [""] * (width - len(headers))
    problems += [
        Problem(n, None, f"{len(cells)} values, but the header names {len(headers)} columns.")
        for n, cells in rows
        if len(cells) > len(headers) and any(cells[len(headers) :])
    ]
    if not rows:
        problems.append(Problem(None, None, "the file has a header but no lines after it."))
    rows = [(n, cells + [""] * (width - len(cells))) for n, cells in rows]
    return (None if problems else Table(headers, rows, read_as)), problems


def read_table(data: bytes, filename: str) -> tuple[Table | None, list[Problem]]:
    """The lines of a CSV or XLSX file, or the problems that stop it being read at all."""
    name = filename.casefold()
    if not data.strip():
        return None, [Problem(None, None, "the file is empty.")]
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data)
    if name.endswith((".xlsx", ".xlsm")):
        return None, [
            Problem(None, None, "the file is named like an Excel workbook (.xlsx) but is not one.")
        ]
    if data.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        return None, [
            Problem(
                None, None, "old Excel files (.xls) cannot be read: save it as .xlsx or CSV UTF-8."
            )
        ]
    if b"\x00" in data[:4096]:
        return None, [Problem(None, None, "the file is not a CSV or XLSX file (it is binary).")]
    return _read_csv(data)


def map_columns(headers: list[str], aliases: dict[str, str], chosen: dict[int, str]) -> Mapping:
    """Each column's field: from ``chosen`` (the user's mapping step), else from ``aliases``."""
    columns, unknown = [], []
    for position, header in enumerate(headers):
        if position in chosen:
            columns.append(chosen[position])
        elif not header:
            columns.append(IGNORE)
        elif (known := aliases.get(normalize_header(header))) is not None:
            columns.append(known)
        else:
            columns.append(IGNORE)
            unknown.append(position)
    return Mapping(columns, unknown)


def mapping_problems(table: Table, mapping: Mapping, labels: dict[str, str]) -> list[Problem]:
    """Columns mapped to no known field, or two columns mapped to the same field."""
    problems = []
    seen: dict[str, str] = {}
    for header, target in zip(table.headers, mapping.columns, strict=True):
        if target != IGNORE and target not in labels:
            problems.append(Problem(1, header, f"“{target}” is not a field of this import."))
        elif target in seen:
            problems.append(
                Problem(
                    1,
                    header,
                    f"this column and “{seen[target]}” are both {labels[target]}: keep one.",
                )
            )
        elif target != IGNORE:
            seen[target] = header
    return problems
