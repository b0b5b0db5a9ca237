"""The pieces audit sentences are made of: names, values, before → after.

Plain values in, text out (instants are shown in the department's zone, so
they need the app). :mod:`.actions` builds each action's sentence from them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..formatting import format_local_datetime
from ..models import AuditEvent

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def as_int(value: Any) -> int | None:
    """``value`` as an id, or None (details are JSON: ids may come back as text)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Names:
    """Labels of what a page of events names, by id (resolved once per page)."""

    people: Mapping[int, str] = field(default_factory=dict)
    sessions: Mapping[int, str] = field(default_factory=dict)
    courses: Mapping[int, str] = field(default_factory=dict)
    organizations: Mapping[int, str] = field(default_factory=dict)
    tracks: Mapping[int, str] = field(default_factory=dict)

    def person(self, person_id: Any, missing: str = "someone") -> str:
        return self.people.get(as_int(person_id), missing)

    def session(self, session_id: Any) -> str:
        label = self.sessions.get(as_int(session_id))
        return label or (f"session {session_id}" if session_id is not None else "a session")

    def course(self, course_id: Any) -> str:
        return self.courses.get(as_int(course_id)) or f"course {course_id}"

    def organization(self, organization_id: Any) -> str:
        return self.organizations.get(as_int(organization_id)) or "an organization"


@dataclass(frozen=True)
class Change:
    """One value before and after."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        prefix = f"{self.label}: " if self.label else ""
        return f"{prefix}{self.before} → {self.after}" if self.before else prefix + self.after


@dataclass(frozen=True)
class Description:
    """An event in words: a sentence, the values it changed, and why."""

    sentence: str
    changes: tuple[Change, ...] = ()
    reason: str | None = None

    @property
    def text(self) -> str:
        """The whole description on one line (the page's and the CSV's)."""
        text = self.sentence
        if self.changes:
            text += ": " + "; ".join(str(c) for c in self.changes)
        if self.reason:
            text += f", reason: {self.reason}"
        return text


# --- values -----------------------------------------------------------------------------


def plain(value: Any) -> str:
    """A detail's value as a reader expects it ("—" for nothing, dates as days)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and ISO_DAY.match(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return moment.date().strftime("%d %b %Y")
        if moment.tzinfo is None:  # stored instants are UTC
            moment = moment.replace(tzinfo=UTC)
        return format_local_datetime(moment)
    if isinstance(value, list):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {plain(v)}" for k, v in value.items())
    return str(value)


def humanize(name: str) -> str:
    """``registration_closes_at`` -> "registration closes at"."""
    return name.replace("_ids", "s").replace("_id", "").replace("_", " ")


def count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def reason_of(event: AuditEvent) -> str | None:
    reason = (event.details or {}).get("reason")
    return str(reason) if reason else None


def field_changes(changes: Any) -> tuple[Change, ...]:
    """A ``{"field": [before, after]}`` detail as changes (anything else: none)."""
    if not isinstance(changes, Mapping):
        return ()
    found = []
    for name, values in changes.items():
        if isinstance(values, list) and len(values) == 2:
            found.append(Change(humanize(str(name)), plain(values[0]), plain(values[1])))
        else:
            found.append(Change(humanize(str(name)), "", plain(values)))
    return tuple(found)


# --- roster values ----------------------------------------------------------------------


def attendance_words(marks: Any) -> str:
    """``{"meeting id": true/false/null}`` as "present", "absent" or "present at 1 of 2"."""
    if not isinstance(marks, Mapping) or not marks:
        return "—"
    values = list(marks.values())
    if len(values) == 1:
        return {True: "present", False: "absent"}.get(values[0], "not marked")
    present = sum(1 for v in values if v is True)
    return f"present at {present} of {len(values)} meetings"


def _result_words(value: Any) -> str:
    if not isinstance(value, Mapping):
        return "—"
    parts = []
    if value.get("passed") is not None:
        parts.append("pass" if value["passed"] else "fail")
    if value.get("score") is not None:
        parts.append(f"score {value['score']}")
    return ", ".join(parts) or "—"


def evaluation_changes(before: Any, after: Any) -> list[Change]:
    """Changed results, per kind: "practical: fail → pass"."""
    before = before if isinstance(before, Mapping) else {}
    after = after if isinstance(after, Mapping) else {}
    return [
        Change(humanize(kind), _result_words(before.get(kind)), _result_words(after.get(kind)))
        for kind in sorted(set(before) | set(after))
        if before.get(kind) != after.get(kind)
    ]


def status_words(value: Any) -> str:
    return str(value).replace("_", "-") if value else "—"


# --- who and what -----------------------------------------------------------------------


def actor(event: AuditEvent, names: Names) -> str:
    """Who did it: a person, or the system (a command, the public, a scheduled job)."""
    return names.person(event.actor_id, "The system") if event.actor_id else "The system"


def subject(event: AuditEvent, names: Names) -> str:
    """Whom the event is about."""
    return names.person(event.subject_person_id or (event.details or {}).get("person_id"))


def possessive(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def object_label(event: AuditEvent, names: Names) -> str:
    """The object in words: a person, a session, a course, or its type and id."""
    kind, ident = event.object_type, event.object_id
    if kind == "Person":
        return names.person(ident)
    if kind == "CourseSession":
        return names.session(ident)
    if kind == "Course":
        return names.course(ident)
    if kind == "CertificationTrack" and as_int(ident) in names.tracks:
        return names.tracks[as_int(ident)]
    label = humanize(kind) + (f" {ident}" if ident else "")
    if event.subject_person_id:
        return f"{label} of {names.person(event.subject_person_id)}"
    return label


def fallback(event: AuditEvent, names: Names) -> Description:
    """An action nobody described: who, the action in words, on what; changes and reason."""
    words = humanize(event.action.replace(".", " "))
    details = event.details or {}
    return Description(
        f"{actor(event, names)} — {words} — {object_label(event, names)}",
        field_changes(details.get("changes")),
        reason_of(event),
    )
