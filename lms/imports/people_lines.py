"""One line of an HR export read into a person's stored values, or its problems.

Each cell is checked on its own (text, name, email, phone, lengths) and the
organization looked up by name or short name; the plan (:mod:`.people`) then
matches the line to a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..boundary import name_problem, text_problem
from ..enrollment.roster_csv import PHONE_RE, clean_email
from ..models import Organization
from . import queries
from .reading import IGNORE, Problem

#: Stored columns an import sets: their label and longest value.
STORED = {
    "full_name": ("Name", 200),
    "preferred_name": ("Preferred name", 200),
    "email": ("Email", 254),
    "employee_number": ("Employee number", 40),
    "badge_number": ("Badge number", 40),
    "job_title": ("Rank or title", 120),
    "unit": ("Unit", 120),
    "phone": ("Phone", 40),
}


@dataclass
class PersonLine:
    """A line that reads well: the values it sets, and where it places the person."""

    line: int
    values: dict[str, str]  # stored column -> new value (non-empty cells only)
    organization: Organization | None
    columns: dict[str, str]  # field -> header, to name the column of a problem


def organization_index() -> dict[str, Organization]:
    """Organizations by name and by short name, case-insensitive (as a file may write them)."""
    index = {}
    for org in queries.organizations():
        index[org.name.casefold()] = org
        index[org.slug.casefold()] = org
    return index


def read_line(line, cells, mapping, headers, orgs, scope, problems) -> PersonLine | None:
    """Line ``line``'s cells as a person's values; None (its problems added) if any is wrong."""
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
    for name, (label, longest) in STORED.items():
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
    return None if found else PersonLine(line, values, organization, columns)
