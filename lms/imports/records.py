"""What importing past training records would do: the plan a preview shows and apply carries out.

Each line names a person (employee number or email), a course or a track, the
day it was completed, hours, instructor, the prior certificate number and the
system it comes from. It becomes a :class:`~lms.models.PriorTraining` record
and, when it names a track (itself, or through the course that grants it or
renews it on completion), an IMPORTED certification cycle planned by the status
rules. A line already
imported (same person and content: its fingerprint) is left as is.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ..boundary import EARLIEST_DATE, text_problem
from ..core import local_today
from ..enrollment.roster_csv import clean_email
from ..models import CertificationTrack, Course
from ..status.operations import ImportedPlan, plan_imported_cycles
from ..status.population import cyclic_gc_paused
from ..status.renewal import NoCycle
from . import queries
from .reading import IGNORE, Mapping, Problem, map_columns, mapping_problems, read_table

FIELDS = {
    "employee_number": "Employee number",
    "email": "Email",
    "course": "Course code",
    "track": "Certification track code",
    "title": "Title (as the old system named it)",
    "completed_on": "Completed on",
    "hours": "Hours",
    "instructor": "Instructor",
    "certificate_number": "Prior certificate number",
    "source_system": "Source system",
}
ALIASES = {
    **dict.fromkeys(
        ["employee number", "employee id", "emp id", "employee", "id"], "employee_number"
    ),
    **dict.fromkeys(["email", "e mail", "email address"], "email"),
    **dict.fromkeys(["course", "course code", "course id"], "course"),
    **dict.fromkeys(["track", "track code", "certification", "certification track"], "track"),
    **dict.fromkeys(["title", "course title", "course name", "training"], "title"),
    **dict.fromkeys(
        ["completed on", "completed", "completion date", "date completed", "date"], "completed_on"
    ),
    **dict.fromkeys(["hours", "credit hours", "training hours"], "hours"),
    **dict.fromkeys(["instructor", "instructor name", "trainer"], "instructor"),
    **dict.fromkeys(
        ["prior certificate number", "certificate number", "certificate", "cert number"],
        "certificate_number",
    ),
    **dict.fromkeys(["source system", "source", "system"], "source_system"),
}
TEMPLATE_HEADERS = (
    "Employee #",
    "E-mail",
    "Course code",
    "Track code",
    "Title",
    "Completed on",
    "Hours",
    "Instructor",
    "Certificate #",
    "Source system",
)
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_LONGEST = {"title": 200, "instructor": 200, "certificate_number": 80, "source_system": 120}
MAX_HOURS = Decimal("9999.99")


@dataclass
class RecordLine:
    """One past training record to create."""

    line: int
    person_id: int
    person_name: str
    course: Course | None
    track: CertificationTrack | None
    title: str
    completed_on: date
    hours: Decimal
    instructor: str | None
    certificate_number: str | None
    source_system: str
    fingerprint: str
    cycle: ImportedPlan | None = None

    @property
    def cycle_dates(self) -> tuple[date, date] | None:
        """The certification cycle it earns: valid from, expires on (None: no cycle)."""
        if self.cycle is None or isinstance(self.cycle.plan, NoCycle):
            return None
        return self.cycle.plan.valid_from, self.cycle.plan.expires_on

    @property
    def cycle_note(self) -> str:
        if self.cycle is None:
            return "no track"
        plan = self.cycle.plan
        if isinstance(plan, NoCycle):
            return f"no cycle: {plan.reason}"
        return f"{self.track.code} {plan.valid_from.isoformat()} – {plan.expires_on.isoformat()}"


@dataclass(frozen=True)
class Catalog:
    """The courses and tracks lines may name (by code, any case), and what a course earns."""

    courses: dict[str, Course]
    tracks: dict[str, CertificationTrack]
    renewed: dict[int, list[CertificationTrack]]  # course id -> tracks completing it renews

    @classmethod
    def load(cls) -> Catalog:
        return cls(
            queries.courses_by_code(),
            queries.tracks_by_code(),
            queries.tracks_renewed_by_completing(),
        )

    def tracks_earned_by(self, course: Course) -> list[CertificationTrack]:
        """The track ``course`` grants, then those completing it renews (a renewal path)."""
        granted = [course.grants_track] if course.grants_track else []
        return granted + [t for t in self.renewed.get(course.id, []) if t not in granted]


@dataclass
class RecordsPlan:
    read_as: str = ""
    headers: list[str] = field(default_factory=list)
    mapping: Mapping | None = None
    problems: list[Problem] = field(default_factory=list)
    new: list[RecordLine] = field(default_factory=list)
    already: list[tuple[int, str]] = field(default_factory=list)  # line, person name

    @property
    def needs_mapping(self) -> bool:
        return bool(self.mapping and self.mapping.unknown)

    @property
    def can_apply(self) -> bool:
        return not self.problems and self.mapping is not None

    def counts(self) -> dict[str, int]:
        cycles = sum(1 for r in self.new if r.cycle and not isinstance(r.cycle.plan, NoCycle))
        return {"records": len(self.new), "cycles": cycles, "already imported": len(self.already)}

    def digest(self) -> str:
        """A fingerprint of what apply would write (the database may move after the preview)."""
        content = "\n".join(f"{r.person_id}:{r.fingerprint}:{r.cycle_note}" for r in self.new)
        return hashlib.sha256(content.encode()).hexdigest()


def parse_day(text: str) -> date | None:
    """``2024-03-07`` or ``3/7/2024`` (month first, as US exports write it); None if neither."""
    match = _US_DATE.match(text)
    try:
        if match:
            month, day, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text) if re.match(r"^\d{4}-\d{2}-\d{2}$", text) else None
    except ValueError:
        return None


def _fingerprint(person_id: int, course, track, day, hours, instructor, number, source) -> str:
    parts = [
        str(person_id),
        course.code if course else "",
        track.code if track else "",
        day.isoformat(),
        f"{hours:.2f}",
        (instructor or "").casefold(),
        (number or "").casefold(),
        source.casefold(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@cyclic_gc_paused()  # 100,000 lines make small objects, no cycles: a third less time
def plan_records(
    data: bytes,
    filename: str,
    *,
    chosen: dict[int, str] | None = None,
    scope: set[int] | None,
    default_source: str = "",
) -> RecordsPlan:
    """The plan for importing ``data`` for people of ``scope`` (None: everyone)."""
    plan = RecordsPlan()
    table, plan.problems = read_table(data, filename)
    if table is None:
        return plan
    plan.read_as, plan.headers = table.read_as, table.headers
    plan.mapping = mapping = map_columns(table.headers, ALIASES, chosen or {})
    plan.problems += [
        Problem(
            1, table.headers[i], "this column is not recognized: map it to a field, or ignore it."
        )
        for i in mapping.unknown
    ]
    plan.problems += mapping_problems(table, mapping, FIELDS)
    has = set(mapping.columns)
    if not has & {"employee_number", "email"}:
        plan.problems.append(
            Problem(1, None, "no column names the person (employee number or email).")
        )
    if not has & {"course", "track"}:
        plan.problems.append(Problem(1, None, "no column names the course or the track."))
    if "completed_on" not in has:
        plan.problems.append(Problem(1, None, "no column gives the day it was completed."))
    if "source_system" not in has and not default_source:
        plan.problems.append(Problem(1, None, "no Source system column: name the source system."))
    if plan.problems:
        return plan
    rows = [
        (line, {f: cells[i] for i, f in enumerate(mapping.columns) if f != IGNORE})
        for line, cells in table.rows
    ]
    columns = {f: table.headers[i] for i, f in enumerate(mapping.columns) if f != IGNORE}
    _plan_rows(plan, rows, columns, scope, default_source)
    return plan


def _plan_rows(plan, rows, columns, scope, default_source) -> None:
    emails = {}  # as written -> checked (once per address: checking is not cheap)
    for raw_email in {raw["email"] for _, raw in rows if raw.get("email")}:
        with suppress(ValueError):
            emails[raw_email] = clean_email(raw_email)
    by_number = queries.people_by_employee_number(
        r["employee_number"] for _, r in rows if r.get("employee_number")
    )
    by_email = queries.people_by_email(emails.values())
    if scope is not None:  # people outside the scope are not found, as if unknown
        by_number = {k: p for k, p in by_number.items() if p["organization_id"] in scope}
        by_email = {k: p for k, p in by_email.items() if p["organization_id"] in scope}
    catalog, today = Catalog.load(), local_today()
    recorded = queries.recorded_fingerprints(
        {p["id"] for p in by_number.values()} | {p["id"] for p in by_email.values()}
    )
    first_line: dict[tuple[int, str], int] = {}
    for line, raw in rows:
        found: list[Problem] = []

        def bad(name, message, line=line, found=found):
            found.append(Problem(line, columns.get(name) if name else None, message))

        record = _read_record(raw, bad, emails, by_number, by_email, catalog, today, default_source)
        plan.problems += found
        if record is None or found:
            continue
        person_id, person_name, course, track, day, hours, instructor, number, source, title = (
            record
        )
        fingerprint = _fingerprint(person_id, course, track, day, hours, instructor, number, source)
        if (person_id, fingerprint) in first_line:
            plan.problems.append(
                Problem(
                    line, None, f"the same record as line {first_line[person_id, fingerprint]}."
                )
            )
            continue
        first_line[person_id, fingerprint] = line
        if (person_id, fingerprint) in recorded:
            plan.already.append((line, person_name))
            continue
        plan.new.append(
            RecordLine(
                line,
                person_id,
                person_name,
                course,
                track,
                title,
                day,
                hours,
                instructor,
                number,
                source,
                fingerprint,
            )
        )
    if plan.problems:
        plan.new, plan.already = [], []
        plan.problems.sort(key=lambda p: (p.line or 0, p.column or ""))
        return
    with_track = [r for r in plan.new if r.track is not None]
    cycles = plan_imported_cycles([(r.person_id, r.track, r.completed_on) for r in with_track])
    for record, cycle in zip(with_track, cycles, strict=True):
        record.cycle = cycle


def _read_record(raw, bad, emails, by_number, by_email, catalog, today, default_source):
    for name, value in raw.items():
        if problem := text_problem(value):
            bad(name, problem)
    number, email = raw.get("employee_number", ""), raw.get("email", "")
    person = by_number.get(number) if number else None
    person_by_mail = by_email.get(emails.get(email, "")) if email else None
    if number and person is None:
        bad("employee_number", f"no one you coordinate has the employee number {number}.")
    if email and email not in emails:
        bad("email", f"“{email}” is not a valid email.")
    elif email and person_by_mail is None:
        bad("email", f"no one you coordinate has the email {email}.")
    if person and person_by_mail and person["id"] != person_by_mail["id"]:
        bad(
            None,
            f"matched twice: {number} is {person['full_name']}, "
            f"{email} is {person_by_mail['full_name']}.",
        )
    if not number and not email:
        bad(None, "name the person by employee number or email.")
    person = person or person_by_mail
    course = catalog.courses.get(raw.get("course", "").casefold()) if raw.get("course") else None
    if raw.get("course") and course is None:
        bad("course", f"no course has the code {raw['course']}.")
    track = catalog.tracks.get(raw.get("track", "").casefold()) if raw.get("track") else None
    if raw.get("track") and track is None:
        bad("track", f"no certification track has the code {raw['track']}.")
    if not raw.get("course") and not raw.get("track"):
        bad(None, "name a course or a track.")
    earned = catalog.tracks_earned_by(course) if course else []
    codes = " and ".join(t.code for t in earned)
    if track and earned and track not in earned:
        bad("track", f"{course.code} grants or renews {codes}, not {track.code}.")
    elif course and not track and course.grants_track is None and len(earned) > 1:
        bad("track", f"{course.code} renews {codes}: say which in a track column.")
    elif course and not track and earned:
        track = earned[0]  # the track it grants, else the only one it renews
    day = parse_day(raw.get("completed_on", ""))
    if not raw.get("completed_on"):
        bad("completed_on", "the day it was completed is empty.")
    elif day is None:
        bad(
            "completed_on", f"“{raw['completed_on']}” is not a date (write 2024-03-07 or 3/7/2024)."
        )
    elif day > today:
        bad("completed_on", f"{day.isoformat()} is in the future.")
    elif day < EARLIEST_DATE:
        bad("completed_on", f"{day.isoformat()} is before {EARLIEST_DATE.year}.")
    hours = _hours(raw.get("hours", ""), course, bad)
    values = {k: " ".join(raw.get(k, "").split()) or None for k in _LONGEST}
    values["source_system"] = values["source_system"] or default_source or None
    if values["source_system"] is None:
        bad("source_system", "the source system is empty.")
    for name, longest in _LONGEST.items():
        if values[name] and len(values[name]) > longest:
            bad(name, f"longer than {longest} characters.")
    if person is None or day is None or hours is None or not (course or track):
        return None
    title = values["title"] or (course.title if course else track.name)
    return (
        person["id"], person["full_name"], course, track, day, hours,
        values["instructor"], values["certificate_number"], values["source_system"], title,
    )  # fmt: skip


def _hours(text: str, course: Course | None, bad) -> Decimal | None:
    if not text:
        return course.credit_hours if course else Decimal(0)
    try:
        hours = Decimal(text.replace(",", "."))
    except InvalidOperation:
        bad("hours", f"“{text}” is not a number of hours.")
        return None
    if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
        bad("hours", f"{text} hours is out of range (0 to {MAX_HOURS}).")
        return None
    return hours.quantize(Decimal("0.01"))


def template_csv() -> bytes:
    """The downloadable template: the header and one example line."""
    example = (
        "10442",
        "",
        "ALERRT-REFRESH",
        "",
        "",
        "2024-03-07",
        "8",
        "Sgt. Hayes",
        "A-2024-118",
        "Old LMS",
    )
    return (",".join(TEMPLATE_HEADERS) + "\r\n" + ",".join(example) + "\r\n").encode("utf-8")
