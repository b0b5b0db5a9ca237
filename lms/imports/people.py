"""What importing an HR export of people would do: the plan a preview shows and apply carries out.

Each line is matched to a person by employee number, else by email (emails are
kept lower-cased, so the match ignores case). The plan lists who would be
created, who updated (field by field, old -> new), who is left as is and, when
asked, who of one organization would be deactivated for missing from the file
and who would be given a role (Officer) they lack in their organization; or
every problem, by line and column. An empty cell never blanks a field: an
export that lacks a value says nothing about it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..credentials.fonts import unprintable_characters
from ..forms import unprintable_warning
from ..models import Organization, Role
from ..status.population import cyclic_gc_paused
from . import queries
from .people_lines import STORED, PersonLine, organization_index, read_line
from .reading import Mapping, Problem, map_columns, mapping_problems, read_table

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
    # names no certificate can print: imported all the same, shown before applying
    warnings: list[Problem] = field(default_factory=list)
    creations: list[Creation] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)  # line, name
    departures: list[dict[str, Any]] = field(default_factory=list)  # people to deactivate
    deactivating_in: Organization | None = None
    role: Role | None = None  # everyone in the file holds it afterwards, in their organization
    role_grants: list[tuple[int, int]] = field(default_factory=list)  # found people without it

    @property
    def needs_mapping(self) -> bool:
        return bool(self.mapping and self.mapping.unknown)

    @property
    def can_apply(self) -> bool:
        return not self.problems and self.mapping is not None

    def counts(self) -> dict[str, int]:
        counts = {
            "created": len(self.creations),
            "updated": len(self.updates),
            "unchanged": len(self.unchanged),
            "deactivated": len(self.departures),
        }
        if self.role is not None:
            counts[role_count_name(self.role)] = len(self.creations) + len(self.role_grants)
        return counts

    def digest(self) -> str:
        """A fingerprint of the changes: apply refuses when the database moved since the preview."""
        changes = (
            [c.values for c in self.creations],
            [(u.person_id, u.values) for u in self.updates],
            [d["id"] for d in self.departures],
            [self.role, self.role_grants],
        )
        return hashlib.sha256(json.dumps(changes, sort_keys=True, default=str).encode()).hexdigest()


def role_count_name(role: Role) -> str:
    """How counts name the people given ``role`` ("given the Officer role")."""
    return f"given the {role.label} role"


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _diff(
    row: PersonLine, person: dict[str, Any], orgs_by_id
) -> tuple[dict[str, Any], list[Change]]:
    values, changes = {}, []
    for name, new in row.values.items():
        if person[name] != new:
            values[name] = new
            changes.append(Change(STORED[name][0], _shown(person[name]), new))
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
    role: Role | None = None,
) -> PeoplePlan:
    """The plan for importing ``data`` (a CSV or XLSX HR export) as ``scope`` allows.

    ``scope``: the organizations the importer coordinates (None: all). People
    without an organization column join ``default_organization``. ``role``: a
    role everyone in the file gets, scoped to their organization, unless they hold it.
    """
    plan = PeoplePlan(deactivating_in=deactivate_missing_in, role=role)
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

    orgs = organization_index()
    orgs_by_id = {o.id: o for o in orgs.values()}
    lines = [
        row
        for number, cells in table.rows
        if (row := read_line(number, cells, mapping, table.headers, orgs, scope, plan.problems))
    ]
    plan.warnings = [
        Problem(row.line, row.columns.get(name), unprintable_warning(row.values[name], missing))
        for row in lines
        for name in ("full_name", "preferred_name")
        if name in row.values and (missing := unprintable_characters(row.values[name]))
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
    if role is not None:
        found = {p["id"]: p for p in [*by_number.values(), *by_email.values()]}
        moved = {u.person_id: u.values.get("organization_id") for u in plan.updates}
        plan.role_grants = queries.missing_roles(
            role, {i: moved.get(i) or found[i]["organization_id"] for i in matched}
        )
    if plan.problems:
        plan.creations, plan.updates, plan.unchanged, plan.departures = [], [], [], []
        plan.role_grants = []
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
