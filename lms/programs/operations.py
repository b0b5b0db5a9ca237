"""Writes of the programs feature: tracks, their renewal paths, courses' rules and prerequisites.

Every change is audited with what it was and what it became (``changes``:
``{field: [before, after]}``): the audit log is the programs' version history.
A track change that moves earned cycles plans them again through
:func:`lms.status.replanning.replan_track` (old cycles revoked with the reason,
new ones granted), as after a roster correction; the view applies it only once
the admin has confirmed its preview (:func:`lms.programs.queries.track_impact`).
Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core import audit, db_session
from ..models import (
    CertificationTrack,
    Course,
    CoursePrerequisite,
    Person,
    RenewalBasis,
    RenewalMethod,
    TrackRenewalPath,
)
from ..status.cycle_writes import GrantReport
from ..status.replanning import replan_track
from ..status.routes import route_courses
from . import queries
from .drafts import TrackDraft

#: Track settings that decide the dates of earned cycles.
RULE_FIELDS = ("validity_months", "renewal_window_days", "renewal_basis")
#: Track settings that decide only how a standing is shown (no cycle moves).
SHOWN_FIELDS = ("due_soon_days",)
TRACK_FIELDS = ("code", "name", "description", *RULE_FIELDS, *SHOWN_FIELDS, "qualifies_instructors")
PATH_FIELDS = {
    RenewalMethod.COMPLETE_COURSE: "completing_courses",
    RenewalMethod.TEACH_SESSION: "teaching_courses",
}


class ProgramError(ValueError):
    """A change that cannot be saved; ``problems`` pairs a form field (or None) with why."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


@dataclass
class TrackUpdate:
    """What an applied track change did: its fields' before and after, and the cycles."""

    changes: dict[str, list[Any]]
    report: GrantReport


def _shown(value: Any) -> Any:
    return value.value if isinstance(value, RenewalBasis) else value


def _codes(course_ids: set[int]) -> list[str]:
    return sorted(queries.course_codes(course_ids).values())


def check_draft(track: CertificationTrack | None, draft: TrackDraft) -> None:
    """Refuse a draft that cannot be saved (before its preview, and again when applied)."""
    if queries.track_code_taken(draft.code, except_id=track.id if track else None):
        raise ProgramError([("code", f"Another track already has the code {draft.code}.")])


def _apply_fields(track: CertificationTrack, draft: TrackDraft) -> dict[str, list[Any]]:
    check_draft(track, draft)
    changes = {}
    for name in TRACK_FIELDS:
        old, new = getattr(track, name), getattr(draft, name)
        if old != new:
            changes[name] = [_shown(old), _shown(new)]
            setattr(track, name, new)
    return changes


def _apply_paths(track: CertificationTrack, draft: TrackDraft) -> dict[str, list[Any]]:
    changes = {}
    for method, label in PATH_FIELDS.items():
        held = {p.course_id: p for p in track.renewal_paths if p.method is method}
        wanted = draft.path_course_ids(method)
        if set(held) == wanted:
            continue
        changes[label] = [_codes(set(held)), _codes(wanted)]
        for course_id in set(held) - wanted:
            track.renewal_paths.remove(held[course_id])
        for course_id in sorted(wanted - set(held)):
            track.renewal_paths.append(TrackRenewalPath(method=method, course_id=course_id))
    return changes


def create_track(draft: TrackDraft, actor: Person) -> CertificationTrack:
    """A new track (no one holds it yet, so nothing to plan)."""
    track = CertificationTrack(renewal_paths=[])
    changes = _apply_fields(track, draft)
    db_session().add(track)
    changes |= _apply_paths(track, draft)
    db_session().flush()
    audit("track.created", track, actor=actor, details={"changes": changes})
    return track


def _said(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return str(value)


def _why(track: CertificationTrack, changes: dict[str, list[Any]]) -> str:
    """The reason written on every cycle the change revokes."""
    said = "; ".join(
        f"{name.replace('_', ' ')} {_said(old)} → {_said(new)}"
        for name, (old, new) in changes.items()
    )
    return f"the {track.name} track changed ({said})"


def update_track(track: CertificationTrack, draft: TrackDraft, actor: Person) -> TrackUpdate:
    """Apply the draft and plan the track's earned cycles again when their rules changed."""
    changes = _apply_fields(track, draft) | _apply_paths(track, draft)
    db_session().flush()
    moved = {k: v for k, v in changes.items() if k in RULE_FIELDS or k in PATH_FIELDS.values()}
    report = GrantReport()
    if moved:
        report = replan_track(track, route_courses(track.id), _why(track, moved), actor)
    if changes:
        audit(
            "track.updated",
            track,
            actor=actor,
            details={
                "changes": changes,
                "cycles_revoked": len(report.revoked),
                "cycles_granted": len(report.granted),
            },
        )
    return TrackUpdate(changes, report)


def set_course_program(
    course: Course,
    rule: str,
    params: dict[str, Any],
    prerequisite_track_ids: list[int],
    actor: Person,
) -> dict[str, list[Any]]:
    """Set a course's completion rule, its settings and prerequisites; return what changed.

    Completions already recorded keep the rule they were judged by (``rule_key``).
    """
    changes: dict[str, list[Any]] = {}
    if course.completion_rule != rule:
        changes["completion_rule"] = [course.completion_rule, rule]
        course.completion_rule = rule
    if (course.completion_params or {}) != params:
        changes["completion_params"] = [course.completion_params or {}, params]
        course.completion_params = params
    held = {p.track_id: p for p in course.prerequisites}
    wanted = set(prerequisite_track_ids)
    if set(held) != wanted:
        names = queries.track_codes(set(held) | wanted)
        changes["prerequisites"] = [
            sorted(names[i] for i in held),
            sorted(names[i] for i in wanted),
        ]
        for track_id in set(held) - wanted:
            course.prerequisites.remove(held[track_id])
        for track_id in sorted(wanted - set(held)):
            course.prerequisites.append(CoursePrerequisite(track_id=track_id))
    if changes:
        db_session().flush()
        audit("course.program_changed", course, actor=actor, details={"changes": changes})
    return changes
