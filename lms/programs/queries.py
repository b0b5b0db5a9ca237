"""Reads of the programs feature: tracks, their courses, a change's impact, the history.

:func:`track_impact` is a dry run of a track change: the planning
:func:`lms.status.replanning.replan_track` would do, over the same cycles,
without writing. Its fingerprint lets the view apply a change only while the
impact is the one the admin saw.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..core import db_session
from ..models import (
    AuditEvent,
    CertificationTrack,
    Course,
    CoursePrerequisite,
    Person,
    RenewalMethod,
)
from ..status.cycles import track_chains
from ..status.population import cyclic_gc_paused
from ..status.renewal import RouteCourses, replan_chain
from ..status.routes import route_courses
from .drafts import TrackDraft


def track_by_id(track_id: int) -> CertificationTrack | None:
    return db_session().get(CertificationTrack, track_id)


def track_code_taken(code: str, except_id: int | None = None) -> bool:
    query = select(CertificationTrack.id).where(CertificationTrack.code == code)
    if except_id is not None:
        query = query.where(CertificationTrack.id != except_id)
    return db_session().scalar(query) is not None


def course_codes(course_ids: set[int]) -> dict[int, str]:
    """id -> code of these courses."""
    if not course_ids:
        return {}
    rows = db_session().execute(select(Course.id, Course.code).where(Course.id.in_(course_ids)))
    return dict(rows.all())


def track_codes(track_ids: set[int]) -> dict[int, str]:
    """id -> code of these tracks."""
    if not track_ids:
        return {}
    rows = db_session().execute(
        select(CertificationTrack.id, CertificationTrack.code).where(
            CertificationTrack.id.in_(track_ids)
        )
    )
    return dict(rows.all())


@dataclass
class TrackCourses:
    """The courses around a track: granting it, renewing it, requiring it."""

    granting: list[Course]
    completing: list[Course]
    teaching: list[Course]
    requiring: list[Course]


def track_courses(track: CertificationTrack) -> TrackCourses:
    """Every course (retired ones too) that grants, renews or requires the track, by code."""
    by_method = {method: [] for method in RenewalMethod}
    for path in sorted(track.renewal_paths, key=lambda p: p.course.code):
        by_method[path.method].append(path.course)
    return TrackCourses(
        granting=list(
            db_session().scalars(
                select(Course).where(Course.grants_track_id == track.id).order_by(Course.code)
            )
        ),
        completing=by_method[RenewalMethod.COMPLETE_COURSE],
        teaching=by_method[RenewalMethod.TEACH_SESSION],
        requiring=list(
            db_session().scalars(
                select(Course)
                .join(CoursePrerequisite, CoursePrerequisite.course_id == Course.id)
                .where(CoursePrerequisite.track_id == track.id)
                .order_by(Course.code)
            )
        ),
    )


def history(obj: CertificationTrack | Course) -> list[AuditEvent]:
    """The audit events of a track or course, newest first: its versions."""
    return list(
        db_session().scalars(
            select(AuditEvent)
            .where(
                AuditEvent.object_type == type(obj).__name__,
                AuditEvent.object_id == str(obj.id),
            )
            .order_by(AuditEvent.id.desc())
        )
    )


# --- the impact of a track change -----------------------------------------------------


@dataclass(frozen=True)
class DueChange:
    """One person whose due date (their latest expiry on the track) a change moves."""

    person_id: int
    name: str
    old_due: date
    new_due: date | None  # None: no cycle left standing


@dataclass
class Impact:
    """What applying a track change would do to the cycles already earned."""

    due_changes: list[DueChange]
    cycles_replanned: int
    people_replanned: int
    fingerprint: str

    @property
    def moves_cycles(self) -> bool:
        return self.cycles_replanned > 0


def _rules_of(draft: TrackDraft) -> CertificationTrack:
    """A track carrying the draft's rules, for planning only (never added to the session)."""
    return CertificationTrack(
        name=draft.name,
        validity_months=draft.validity_months,
        renewal_window_days=draft.renewal_window_days,
        due_soon_days=draft.due_soon_days,
        renewal_basis=draft.renewal_basis,
    )


def _state(track: CertificationTrack, draft: TrackDraft, routes: RouteCourses) -> dict:
    """The track as it is and as the draft wants it: part of what a fingerprint covers."""
    return {
        "track": [
            track.id,
            track.code,
            track.name,
            track.validity_months,
            track.renewal_window_days,
            track.due_soon_days,
            track.renewal_basis.value,
            track.qualifies_instructors,
            sorted((p.method.value, p.course_id) for p in track.renewal_paths),
        ],
        "draft": [
            draft.code,
            draft.name,
            draft.description,
            draft.validity_months,
            draft.renewal_window_days,
            draft.due_soon_days,
            draft.renewal_basis.value,
            draft.qualifies_instructors,
            sorted(routes.completing),
            sorted(routes.teaching),
        ],
    }


def track_impact(track: CertificationTrack, draft: TrackDraft) -> Impact:
    """The cycles the draft would plan again, and whose due dates move; nothing written."""
    current = route_courses(track.id)
    routes = RouteCourses(
        granting=current.granting,
        completing=frozenset(draft.completing_course_ids),
        teaching=frozenset(draft.teaching_course_ids),
    )
    rules = _rules_of(draft)
    moves: dict[int, tuple[date, date | None]] = {}
    seen = []
    replanned = 0
    with cyclic_gc_paused():  # tens of thousands of small objects, no cycles among them
        for person_id, chain in track_chains(track.id).items():
            changes = replan_chain(rules, [], chain, routes.granting, routes)
            if not changes:
                continue
            replanned += len(changes)
            gone = {c.cycle.id for c in changes}
            left = [c for c in chain if c.id not in gone] + [
                c.replacement for c in changes if c.replacement
            ]
            old_due = max(c.expires_on for c in chain)
            new_due = max((c.expires_on for c in left), default=None)
            if new_due != old_due:
                moves[person_id] = (old_due, new_due)
            seen.append(
                [person_id]
                + [
                    [c.cycle.id, str(c.cycle.expires_on), str(getattr(c.plan, "expires_on", None))]
                    for c in changes
                ]
            )
    names = {}
    if moves:
        named = select(Person.id, Person.full_name).where(Person.id.in_(moves))
        names = dict(db_session().execute(named).all())
    due_changes = sorted(
        (DueChange(pid, names[pid], old, new) for pid, (old, new) in moves.items()),
        key=lambda d: (d.name.casefold(), d.person_id),
    )
    payload = json.dumps({**_state(track, draft, routes), "cycles": seen}, sort_keys=True)
    return Impact(
        due_changes=due_changes,
        cycles_replanned=replanned,
        people_replanned=len(seen),
        fingerprint=hashlib.sha256(payload.encode()).hexdigest(),
    )
