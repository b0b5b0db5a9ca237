"""Reading a community group's roster CSV: name, email, optional phone and role.

A pure function of the uploaded bytes. It returns the rows it understood and a
problem for every line it did not, numbered as a spreadsheet shows them (the
header is line 1), so the coordinator can fix the whole file in one go.
:func:`refusal` words a refused file for its page: what is wrong overall, once,
then the lines' problems, the same problem on many lines said once for all of them.
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


#: Line problems a refused roster's page lists before "…and N more lines".
SHOWN_LINE_PROBLEMS = 5


@dataclass(frozen=True)
class LineProblem:
    """One problem and every line that has it."""

    lines: tuple[int, ...]
    message: str

    def __str__(self) -> str:
        return f"{line_words(self.lines)}: {self.message}"


@dataclass(frozen=True)
class RosterRefusal:
    """Why nothing of a roster was imported: ``reason`` overall, then its lines' problems."""

    reason: str
    line_problems: tuple[LineProblem, ...]
    shown: int = SHOWN_LINE_PROBLEMS

    @property
    def shown_problems(self) -> tuple[LineProblem, ...]:
        return self.line_problems[: self.shown]

    @property
    def more_lines(self) -> int:
        """Lines with a problem past the ones shown."""
        shown = {line for p in self.shown_problems for line in p.lines}
        return len({line for p in self.line_problems for line in p.lines} - shown)


def line_words(lines: tuple[int, ...]) -> str:
    """``(3, 4, 5, 9)`` as "Lines 3–5 and 9"; ``(3,)`` as "Line 3"."""
    runs: list[list[int]] = []
    for line in sorted(set(lines)):
        if runs and line == runs[-1][-1] + 1:
            runs[-1].append(line)
        else:
            runs.append([line])
    parts = [f"{run[0]}–{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs]
    if len(parts) == 1:
        return f"Line {parts[0]}" if len(runs[0]) == 1 else f"Lines {parts[0]}"
    return f"Lines {', '.join(parts[:-1])} and {parts[-1]}"


def refusal(problems: list[RosterProblem], reason: str | None = None) -> RosterRefusal:
    """A refused roster as its page tells it: once overall, then each problem with its lines.

    Without a ``reason``, the problems of the file as a whole give it, else the
    number of lines with problems.
    """
    by_message: dict[str, list[int]] = {}
    general = []
    for problem in sorted(problems, key=lambda p: p.line or 0):
        if problem.line is None:
            general.append(problem.message)
        else:
            by_message.setdefault(problem.message, []).append(problem.line)
    line_problems = tuple(LineProblem(tuple(lines), m) for m, lines in by_message.items())
    bad_lines = len({line for p in line_problems for line in p.lines})
    overall = [reason] if reason else []
    overall += general
    if not overall:
        overall.append(
            f"{bad_lines} line{'s' if bad_lines != 1 else ''} of the file "
            f"{'have problems' if bad_lines != 1 else 'has a problem'}."
        )
    return RosterRefusal(" ".join(overall), line_problems)


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
