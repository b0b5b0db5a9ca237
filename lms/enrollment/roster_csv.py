"""Reading a community group's roster CSV: name, email, optional phone and role.

A pure function of the uploaded bytes. It returns the rows it understood and a
problem for every line it did not, numbered as a spreadsheet shows them (the
header is line 1), so the coordinator can fix the whole file in one go.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from ..boundary import name_problem, text_problem

#: Most people one upload may name (a class is far smaller; this bounds the work).
MAX_ROWS = 500

REQUIRED_COLUMNS = ("name", "email")
OPTIONAL_COLUMNS = ("phone", "role")
COLUMN_ALIASES = {
    "name": "name",
    "full name": "name",
    "full_name": "name",
    "email": "email",
    "e-mail": "email",
    "email address": "email",
    "phone": "phone",
    "phone number": "phone",
    "telephone": "phone",
    "role": "role",
    "job title": "role",
    "title": "role",
    "position": "role",
}
PHONE_RE = re.compile(r"^[0-9+().\- x]{3,40}$", re.IGNORECASE)


@dataclass(frozen=True)
class RosterRow:
    line: int
    full_name: str
    email: str
    phone: str | None
    role: str | None


@dataclass(frozen=True)
class RosterProblem:
    """What is wrong, and on which line (None: the file as a whole)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


def clean_email(raw: str) -> str:
    """The address lower-cased and checked; ValueError says what is wrong with it."""
    try:
        # test_environment admits the reserved .test domain the demo and tests use.
        checked = validate_email(raw.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    return checked.normalized.lower()


def _decode(data: bytes) -> tuple[str | None, list[RosterProblem]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    bad = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
    shown = ", ".join(str(n) for n in bad[:20]) + (" …" if len(bad) > 20 else "")
    return None, [
        RosterProblem(
            None,
            f"The file is not UTF-8 text (line{'s' if len(bad) != 1 else ''} {shown}). "
            "In your spreadsheet, save it as “CSV UTF-8”.",
        )
    ]


def _read_header(cells: list[str], line: int) -> tuple[list[str] | None, RosterProblem | None]:
    names = [COLUMN_ALIASES.get(" ".join(c.strip().lower().split()), "") for c in cells]
    unknown = [c.strip() for c, n in zip(cells, names, strict=True) if not n and c.strip()]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if not (unknown or missing or duplicated):
        return names, None
    why = []
    if missing:
        why.append("missing " + ", ".join(missing))
    if unknown:
        why.append("unknown " + ", ".join(repr(c) for c in unknown))
    if duplicated:
        why.append("repeated " + ", ".join(duplicated))
    return None, RosterProblem(
        line,
        "the header must name the columns name, email and optionally phone and role "
        f"({'; '.join(why)}).",
    )


def roster_template() -> bytes:
    """A roster file to fill in: the header :func:`parse_roster` reads, and no one yet.

    No example person: a line left in by mistake would enroll them. The byte-order
    mark makes spreadsheets open it as UTF-8 (names with accents); the reader skips it.
    """
    return ("\ufeff" + ",".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS) + "\r\n").encode()


def parse_roster(
    data: bytes, max_rows: int = MAX_ROWS
) -> tuple[list[RosterRow], list[RosterProblem]]:
    """The people a roster file names, and every problem with it (all lines checked)."""
    if not data.strip():
        return [], [RosterProblem(None, "The file is empty.")]
    text, problems = _decode(data)
    if text is None:
        return [], problems

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[RosterRow] = []
    first_line_of: dict[str, int] = {}
    previous_end = 0
    try:
        for cells in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header, problem = _read_header(cells, line)
                if problem:
                    return [], [problem]
                continue
            row, row_problems = _read_row(header, cells, line, first_line_of)
            problems += row_problems
            if row is not None:
                rows.append(row)
    except csv.Error as exc:
        problems.append(RosterProblem(reader.line_num, f"the line cannot be read as CSV ({exc})."))
    if header is None:
        return [], [RosterProblem(None, "The file has no header line (name,email,phone,role).")]
    if not rows and not problems:
        problems.append(RosterProblem(None, "The file names no one: add a line per person."))
    if len(rows) > max_rows:
        problems.append(
            RosterProblem(None, f"The file names {len(rows)} people; the most is {max_rows}.")
        )
    return rows, problems


def _read_row(
    header: list[str], cells: list[str], line: int, first_line_of: dict[str, int]
) -> tuple[RosterRow | None, list[RosterProblem]]:
    problems = []
    if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
        return None, [
            RosterProblem(line, f"{len(cells)} values but the header names {len(header)} columns.")
        ]
    values = dict(zip(header, [c.strip() for c in cells] + [""] * len(header), strict=False))
    name = " ".join(values.get("name", "").split())
    raw_email = values.get("email", "")
    phone = values.get("phone") or None
    role = values.get("role") or None
    email = ""
    if not name:
        problems.append(RosterProblem(line, "the name is empty."))
    elif len(name) > 200:
        problems.append(RosterProblem(line, "the name is longer than 200 characters."))
    elif problem := name_problem(name):
        problems.append(RosterProblem(line, f"the name: {problem}"))
    unreadable = {c for c in ("email", "phone", "role") if text_problem(values.get(c, ""))}
    problems += [
        RosterProblem(line, f"the {c}: {text_problem(values[c])}") for c in sorted(unreadable)
    ]
    if "email" in unreadable:
        pass  # said above
    elif not raw_email:
        problems.append(RosterProblem(line, "the email is empty."))
    else:
        try:
            email = clean_email(raw_email)
        except ValueError as exc:
            problems.append(RosterProblem(line, f"“{raw_email}” is not a valid email: {exc}"))
    if email:
        if email in first_line_of:
            problems.append(
                RosterProblem(
                    line, f"{email} is listed twice (also on line {first_line_of[email]})."
                )
            )
        else:
            first_line_of[email] = line
    if phone and not PHONE_RE.match(phone):
        problems.append(RosterProblem(line, f"“{phone}” is not a phone number."))
    if role and len(role) > 120:
        problems.append(RosterProblem(line, "the role is longer than 120 characters."))
    if problems:
        return None, problems
    return RosterRow(line, name, email, phone, role), []
