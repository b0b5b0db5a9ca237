"""Writes of the scheduling feature for courses: created, changed, retired and restored.

Every change is audited with what it was and what it became. The course's
type plugin checks the result before anything is kept. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..core import audit, db_session, registries
from ..formatting import format_local_date
from ..models import Audience, Course, CoursePrerequisite, Person
from . import queries
from .operations import SchedulingError, jsonable


@dataclass
class CourseDraft:
    """A course as typed in its form, to be saved."""

    code: str
    title: str
    description: str
    audience: Audience
    credit_hours: Decimal
    course_type: str
    completion_rule: str
    certificate_layout: str
    grants_track_id: int | None
    instructor_track_id: int | None
    prerequisite_track_ids: list[int] = field(default_factory=list)
    is_public: bool = False


COURSE_FIELDS = (
    "code",
    "title",
    "description",
    "audience",
    "credit_hours",
    "course_type",
    "completion_rule",
    "certificate_layout",
    "grants_track_id",
    "instructor_track_id",
    "is_public",
)


def _apply_course(course: Course, draft: CourseDraft) -> dict[str, Any]:
    """Copy the draft onto ``course``; return what changed as {field: [old, new]}."""
    if queries.course_code_taken(draft.code, except_id=course.id):
        raise SchedulingError([("code", f"Another course already has the code {draft.code}.")])
    changes = {}
    for name in COURSE_FIELDS:
        old, new = getattr(course, name, None), getattr(draft, name)
        if old != new:
            changes[name] = [jsonable(old), jsonable(new)]
            setattr(course, name, new)
    if "completion_rule" in changes and course.id is not None:
        course.completion_params = {}  # the old rule's parameters mean nothing to the new one
    old_prereqs = sorted(p.track_id for p in course.prerequisites)
    new_prereqs = sorted(set(draft.prerequisite_track_ids))
    if old_prereqs != new_prereqs:
        changes["prerequisite_track_ids"] = [old_prereqs, new_prereqs]
        for link in [p for p in course.prerequisites if p.track_id not in new_prereqs]:
            course.prerequisites.remove(link)
        for track_id in sorted(set(new_prereqs) - set(old_prereqs)):
            course.prerequisites.append(CoursePrerequisite(track_id=track_id))
    db_session().add(course)
    db_session().flush()
    db_session().refresh(course, ["grants_track", "instructor_track"])
    course_type = registries().course_types.get(course.course_type)
    problems = [("course_type", p[:1].upper() + p[1:] + ".") for p in course_type.validate(course)]
    if problems:
        raise SchedulingError(problems)
    return changes


def create_course(draft: CourseDraft, organization_id: int, actor: Person) -> Course:
    """A new active course from ``draft``, audited with its fields."""
    course = Course(organization_id=organization_id, active=True, completion_params={})
    changes = _apply_course(course, draft)
    audit("course.created", course, actor=actor, details={"fields": changes})
    return course


def update_course(course: Course, draft: CourseDraft, actor: Person) -> dict[str, Any]:
    """Save ``draft`` onto ``course``; return (and audit) what changed."""
    changes = _apply_course(course, draft)
    if changes:
        audit("course.updated", course, actor=actor, details={"changes": changes})
    return changes


def set_course_active(course: Course, active: bool, actor: Person) -> None:
    """Retire a course (kept, hidden from the catalog) or bring it back."""
    if not active:
        coming = queries.coming_scheduled_sessions(course)
        if coming:
            days = ", ".join(format_local_date(s.starts_at, s.timezone) for s in coming)
            raise SchedulingError(
                [(None, f"{course.code} still has coming sessions ({days}); cancel them first.")]
            )
    if course.active == active:
        return
    course.active = active
    db_session().flush()
    audit("course.retired" if not active else "course.restored", course, actor=actor)
