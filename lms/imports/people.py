"""What importing an HR export of people would do: the plan a preview shows and apply carries out.

Each line is matched to a person by employee number, else by email (emails are
kept lower-cased, so the match ignores case). The plan lists who would be
created, who updated (field by field, old -> new), who is left as is and, when
asked, who of one organization would be deactivated for missing from the file;
or every problem, by line and column. An empty cell never blanks a field: an
export that lacks a value says nothing about it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..boundary import name_problem, text_problem
from ..enrollment.roster_csv import PHONE_RE, clean_email
from ..models import Organization
from ..status.queries import cyclic_gc_paused
from . import queries
from .reading import IGNORE, Mapping, Problem, map_columns, mapping_problems, read_table

#: Fields a column may feed, as the preview and the mapping step name them.
FIELDS = {
    "full_name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "preferred_name": "Preferred name (printed on certificates)",
    "email": "Email",
    "employee_number": "Employee number",
    "badge_number": "Badge number",
    "job_title": "Rank or title",
    "unit": "Unit",
    "organization": "Organization (name or short name)",
    "phone": "Phone",
}
#: Headers seen in HR exports, as :func:`~lms.imports.reading.normalize_header` reduces them.
ALIASES = {
    **dict.fromkeys(["name", "full name", "employee name", "officer name"], "full_name"),
    **dict.fromkeys(["first name", "first", "given name", "firstname"], "first_name"),
    **dict.fromkeys(["last name", "last", "surname", "family name", "lastname"], "last_name"),
    **dict.fromkeys(["preferred name", "name on certificate", "nickname"], "preferred_name"),
    **dict.fromkeys(["email", "e mail", "email address", "e mail address"], "email"),
    **dict.fromkeys(
        ["employee number", "employee id", "emp id", "emp number", "employee", "id"],
        "employee_number",
    ),
    **dict.fromkeys(["badge number", "badge", "badge id"], "badge_number"),
    **dict.fromkeys(["rank", "title", "rank title", "job title", "position"], "job_title"),
    **dict.fromkeys(["unit", "division", "assignment", "section"], "unit"),
    **dict.fromkeys(["organization", "organisation", "agency", "department"], "organization"),
    **dict.fromkeys(["phone", "phone number", "telephone", "mobile", "cell"], "phone"),
}
TEMPLATE_HEADERS = (
    "Employee #",
    "First name",
    "Last name",
    "Preferred name",
    "E-mail",
    "Badge #",
    "Rank/Title",
    "Unit",
    "Organization",
    "Phone",
)
#: Stored columns an import sets: their label and longest value.
_STORED = {
    "full_name": ("Name", 200),
    "preferred_name": ("Preferred name", 200),
    "email": ("Email", 254),
    "employee_number": ("Employee number", 40),
    "badge_number": ("Badge number", 40),
    "job_title": ("Rank or title", 120),
    "unit": ("Unit", 120),
    "phone": ("Phone", 40),
}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class Creation:
    line: int
    values: dict[str, Any]  # Person columns
    organization: str


@dataclass
class Update:
    line: int
    person_id: int
    name: str
    active: bool
    values: dict[str, Any]  # only the columns that change
    changes: list[Change]


@dataclass
class PeoplePlan:
    """Everything an import of this file would do, or why it cannot be done."""

    read_as: str = ""
    headers: list[str] = field(default_factory=list)
    mapping: Mapping | None = None
    problems: list[Problem] = field(default_factory=list)
    creations: list[Creation] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)  # line, name
    departures: list[dict[str, Any]] = field(default_factory=list)  # people to deactivate
    deactivating_in: Organization | None = None

    @property
    def needs_mapping(self) -> bool:
        return bool(self.mapping and self.mapping.unknown)

    @property
    def can_apply(self) -> bool:
        return not self.problems and self.mapping is not None

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.creations),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
            "deactivated": len(self.departures),
        }

    def digest(self) -> str:
        """A fingerprint of the changes: apply refuses when the database moved since the preview."""
        changes = (
            [c.values for c in self.creations],
            [(u.person_id, u.values) for u in self.updates],
            [d["id"] for d in self.departures],
        )
        return hashlib.sha256(json.dumps(changes, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class _Line:
    line: int
    values: dict[str, str]  # stored column -> new value (non-empty cells only)
    organization: Organization | None
    columns: dict[str, str]  # field -> header, to name the column of a problem


def _organization_index() -> dict[str, Organization]:
    index = {}
    for org in queries.organizations():
        index[org.name.casefold()] = org
        index[org.slug.casefold()] = org
    return index


def _read_line(line, cells, mapping, headers, orgs, scope, problems) -> _Line | None:
    raw = {f: cells[i] for i, f in enumerate(mapping.columns) if f != IGNORE}
    columns = {f: headers[i] for i, f in enumerate(mapping.columns) if f != IGNORE}
    found: list[Problem] = []

    def bad(name: str | None, message: str) -> None:
        found.append(Problem(line, columns.get(name) if name else None, message))

    for name, value in raw.items():
        if problem := text_problem(value):
            bad(name, problem)
    if found:
        problems += found
        return None
    values: dict[str, str] = {}
    full = " ".join(raw.get("full_name", "").split()) or " ".join(
        f"{raw.get('first_name', '')} {raw.get('last_name', '')}".split()
    )
    parts = [n for n in ("full_name", "first_name", "last_name") if raw.get(n)]
    if not full:
        bad("full_name" if "full_name" in raw else "last_name", "the name is empty.")
    elif problems_of_name := [(n, p) for n in parts if (p := name_problem(raw[n]))]:
        for part, problem in problems_of_name:
            bad(part, problem)
    else:
        values["full_name"] = full
    preferred = " ".join(raw.get("preferred_name", "").split())
    if preferred and (problem := name_problem(preferred)):
        bad("preferred_name", problem)
    elif preferred:
        values["preferred_name"] = preferred
    if raw.get("email"):
        try:
            values["email"] = clean_email(raw["email"])
        except ValueError as exc:
            bad("email", f"“{raw['email']}” is not a valid email: {exc}")
    for name in ("employee_number", "badge_number", "job_title", "unit", "phone"):
        if raw.get(name):
            values[name] = " ".join(raw[name].split())
    if values.get("phone") and not PHONE_RE.match(values["phone"]):
        bad("phone", f"“{values['phone']}” is not a phone number.")
    for name, (label, longest) in _STORED.items():
        if len(values.get(name, "")) > longest:
            bad(name, f"the {label.lower()} is longer than {longest} characters.")
    organization = None
    if raw.get("organization"):
        organization = orgs.get(" ".join(raw["organization"].split()).casefold())
        if organization is None or (scope is not None and organization.id not in scope):
            bad(
                "organization", f"no organization you coordinate is called “{raw['organization']}”."
            )
    if not (values.get("employee_number") or raw.get("email")):
        bad(None, "give an employee number or an email to match the person by.")
    problems += found
    return None if found else _Line(line, values, organization, columns)


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _diff(row: _Line, person: dict[str, Any], orgs_by_id) -> tuple[dict[str, Any], list[Change]]:
    values, changes = {}, []
    for name, new in row.values.items():
        if person[name] != new:
            values[name] = new
            changes.append(Change(_STORED[name][0], _shown(person[name]), new))
    if row.organization is not None and row.organization.id != person["organization_id"]:
        values["organization_id"] = row.organization.id
        old = orgs_by_id.get(person["organization_id"])
        changes.append(Change("Organization", old.name if old else "", row.organization.name))
    return values, changes


@cyclic_gc_paused()  # thousands of lines make small objects, no cycles
def plan_people(
    data: bytes,
    filename: str,
    *,
    chosen: dict[int, str] | None = None,
    scope: set[int] | None,
    default_organization: Organization | None,
    deactivate_missing_in: Organization | None = None,
    actor_id: int | None = None,
) -> PeoplePlan:
    """The plan for importing ``data`` (a CSV or XLSX HR export) as ``scope`` allows.

    ``scope``: the organizations the importer coordinates (None: all). People
    without an organization column join ``default_organization``.
    """
    plan = PeoplePlan(deactivating_in=deactivate_missing_in)
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
    if not ({"full_name"} <= has or {"first_name", "last_name"} <= has):
        plan.problems.append(
            Problem(1, None, "no column gives the name (Name, or First and Last name).")
        )
    if not has & {"employee_number", "email"}:
        plan.problems.append(Problem(1, None, "no column gives an employee number or an email."))
    if "organization" not in has and default_organization is None:
        plan.problems.append(Problem(1, None, "no Organization column: choose the organization."))
    if plan.problems:
        return plan

    orgs = _organization_index()
    orgs_by_id = {o.id: o for o in orgs.values()}
    lines = [
        row
        for number, cells in table.rows
        if (row := _read_line(number, cells, mapping, table.headers, orgs, scope, plan.problems))
    ]
    by_number = queries.people_by_employee_number(
        r.values["employee_number"] for r in lines if "employee_number" in r.values
    )
    by_email = queries.people_by_email(r.values["email"] for r in lines if "email" in r.values)
    first_line: dict[tuple[str, str], int] = {}
    matched: dict[int, int] = {}
    for row in lines:
        _plan_line(
            row,
            plan,
            by_number,
            by_email,
            first_line,
            matched,
            orgs_by_id,
            scope,
            default_organization,
        )
    if deactivate_missing_in is not None:
        plan.departures = [
            p
            for p in queries.active_people_of(deactivate_missing_in.id)
            if p["id"] not in matched and p["id"] != actor_id
        ]
    if plan.problems:
        plan.creations, plan.updates, plan.unchanged, plan.departures = [], [], [], []
    plan.problems.sort(key=lambda p: (p.line or 0, p.column or ""))
    return plan


def _plan_line(row, plan, by_number, by_email, first_line, matched, orgs_by_id, scope, default):
    def bad(name: str | None, message: str) -> None:
        plan.problems.append(Problem(row.line, row.columns.get(name) if name else None, message))

    duplicate = False
    for key in ("employee_number", "email"):
        value = row.values.get(key)
        if value and (key, value.casefold()) in first_line:
            bad(key, f"{value} is also on line {first_line[key, value.casefold()]}.")
            duplicate = True
        elif value:
            first_line[key, value.casefold()] = row.line
    if duplicate:
        return
    number, email = row.values.get("employee_number"), row.values.get("email")
    by_num = by_number.get(number) if number else None
    by_mail = by_email.get(email) if email else None
    for key, found in (("employee_number", by_num), ("email", by_mail)):
        if found and scope is not None and found["organization_id"] not in scope:
            bad(key, "this belongs to someone outside the organizations you coordinate.")
            return
    if by_num and by_mail and by_num["id"] != by_mail["id"]:
        bad(
            None,
            f"matched twice: employee number {number} is {by_num['full_name']}, "
            f"but {email} is {by_mail['full_name']}.",
        )
        return
    person = by_num or by_mail
    if by_mail and not by_num and number and by_mail["employee_number"]:
        bad(
            "employee_number",
            f"{email} is {by_mail['full_name']}, whose employee number is "
            f"{by_mail['employee_number']}, not {number}.",
        )
        return
    if person is None:
        organization = row.organization or default
        plan.creations.append(
            Creation(
                row.line, {**row.values, "organization_id": organization.id}, organization.name
            )
        )
        return
    if person["id"] in matched:
        bad(None, f"{person['full_name']} is also on line {matched[person['id']]}.")
        return
    matched[person["id"]] = row.line
    values, changes = _diff(row, person, orgs_by_id)
    if changes:
        plan.updates.append(
            Update(row.line, person["id"], person["full_name"], person["active"], values, changes)
        )
    else:
        plan.unchanged.append((row.line, person["full_name"]))


def template_csv() -> bytes:
    """The downloadable template: the header and one example line."""
    example = (
        "10442",
        "Dana",
        "Rivera",
        "",
        "dana.rivera@example.org",
        "2291",
        "Officer",
        "Patrol",
        "",
        "",
    )
    lines = [",".join(TEMPLATE_HEADERS), ",".join(example)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
