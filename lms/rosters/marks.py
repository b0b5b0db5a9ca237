"""Writes of an open roster: attendance marks and evaluation results, before finalizing.

Every write locks the session row first (:func:`locked_session`), so two
instructors saving at once, or a save racing a finalization, cannot
interleave. Every check runs before the first write: a refused request leaves
nothing behind. The row writes here also serve corrections after finalizing
(:func:`lms.rosters.operations.correct_result`). Callers commit (and roll back
on :class:`RosterError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from .. import signals
from ..core import audit, db_session, lock_row, to_local
from ..models import (
    AttendanceRecord,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    EvaluationKind,
    EvaluationResult,
    Person,
    SessionStatus,
    utcnow,
)
from . import queries
from .queries import EVALUATION_LABELS, EvaluationValue

SCORE_RANGE = (Decimal("0"), Decimal("100"))


class RosterError(ValueError):
    """A roster change that cannot be made; the message says why, for the person who tried."""


class PeopleUndecided(RosterError):
    """Finalizing refused because some people have no result yet (the page lists them)."""


def locked_session(session_id: int) -> CourseSession:
    """The session, its row locked; refused when it does not exist or is cancelled."""
    session = lock_row(CourseSession, session_id)
    if session is None:
        raise RosterError("That session does not exist.")
    if session.status is SessionStatus.CANCELLED:
        raise RosterError("This session is cancelled; its roster cannot change.")
    return session


def not_finalized(session: CourseSession) -> None:
    """Refuse a direct change to a finalized roster: that is a correction."""
    if session.roster_finalized_at is not None:
        raise RosterError(
            "This roster is finalized. A change now is a correction: open the person's "
            "correction form and give a reason."
        )


def refuse_strangers(session: CourseSession, ids: set[int], roster_ids: set[int]) -> None:
    """A clear error naming anyone given who does not hold a seat in the session."""
    strangers = ids - roster_ids
    if not strangers:
        return
    known = list(
        db_session().scalars(
            select(Enrollment).where(
                Enrollment.id.in_(strangers), Enrollment.session_id == session.id
            )
        )
    )
    described = [f"{e.person.full_name} ({e.status.label.lower()})" for e in known]
    described += [f"enrollment #{i}" for i in sorted(strangers - {e.id for e in known})]
    raise RosterError(
        "Not enrolled in this session, so no attendance or result can be recorded: "
        + ", ".join(described)
        + "."
    )


def _provisional_status(attendance: Mapping[int, bool], meeting_ids: list[int]) -> EnrollmentStatus:
    """Before finalizing: attended once present anywhere; no-show once absent throughout."""
    if any(attendance.values()):
        return EnrollmentStatus.ATTENDED
    if meeting_ids and all(attendance.get(m) is False for m in meeting_ids):
        return EnrollmentStatus.NO_SHOW
    return EnrollmentStatus.ENROLLED


def set_status(enrollment: Enrollment, status: EnrollmentStatus) -> None:
    """Give the enrollment ``status`` (its change time moves only when it changes)."""
    if enrollment.status is not status:
        enrollment.status = status
        enrollment.status_changed_at = utcnow()


def upsert_attendance(
    enrollment_id: int,
    meeting_id: int,
    present: bool,
    existing: dict[tuple[int, int], AttendanceRecord],
    actor: Person | None,
) -> bool:
    """Write one attendance mark; True when it changed."""
    record = existing.get((enrollment_id, meeting_id))
    if record is not None and record.present == present:
        return False
    if record is None:
        record = AttendanceRecord(enrollment_id=enrollment_id, meeting_id=meeting_id)
        db_session().add(record)
        existing[(enrollment_id, meeting_id)] = record
    record.present = present
    record.recorded_by_id = actor.id if actor else None
    record.recorded_at = utcnow()
    return True


def attendance_rows(enrollment_ids: list[int]) -> dict[tuple[int, int], AttendanceRecord]:
    """(enrollment, meeting) -> the attendance mark on record, for these enrollments."""
    if not enrollment_ids:
        return {}
    rows = db_session().scalars(
        select(AttendanceRecord).where(AttendanceRecord.enrollment_id.in_(enrollment_ids))
    )
    return {(r.enrollment_id, r.meeting_id): r for r in rows}


def evaluation_rows(enrollment_ids: list[int]) -> dict[tuple[int, str], EvaluationResult]:
    """(enrollment, kind) -> the evaluation result on record, for these enrollments."""
    if not enrollment_ids:
        return {}
    rows = db_session().scalars(
        select(EvaluationResult).where(EvaluationResult.enrollment_id.in_(enrollment_ids))
    )
    return {(r.enrollment_id, r.kind.value): r for r in rows}


# --- attendance ------------------------------------------------------------------


def record_attendance(
    session_id: int,
    meeting_id: int,
    present_enrollment_ids: Iterable[int],
    actor: Person | None,
    *,
    everyone: bool = False,
) -> tuple[int, int]:
    """Mark who was at one meeting: the given people present, everyone else absent.

    ``everyone`` marks the whole roster present in one action. Returns
    (present, absent) counts.
    """
    session = locked_session(session_id)
    not_finalized(session)
    meeting = next((m for m in session.meetings if m.id == meeting_id), None)
    if meeting is None:
        raise RosterError("That meeting is not part of this session.")
    if meeting.starts_at > utcnow():
        raise RosterError(
            "Attendance for a meeting can be recorded once it has begun "
            f"({to_local(meeting.starts_at, session.timezone):%a %d %b %Y, %H:%M %Z})."
        )
    enrollments = queries.roster_enrollments(session.id)
    roster_ids = {e.id for e in enrollments}
    present = set(roster_ids) if everyone else set(present_enrollment_ids)
    refuse_strangers(session, present, roster_ids)

    existing = attendance_rows(sorted(roster_ids))
    changed = []
    for enrollment in enrollments:
        if upsert_attendance(enrollment.id, meeting.id, enrollment.id in present, existing, actor):
            changed.append(enrollment.id)
    meeting_ids = [m.id for m in session.meetings]
    for enrollment in enrollments:
        marks = {m: r.present for (e, m), r in existing.items() if e == enrollment.id}
        set_status(enrollment, _provisional_status(marks, meeting_ids))
    audit(
        "roster.attendance_recorded",
        session,
        actor=actor,
        details={
            "meeting_id": meeting.id,
            "present": sorted(present),
            "absent": sorted(roster_ids - present),
            "changed": changed,
            "everyone": everyone,
        },
    )
    db_session().flush()
    signals.attendance_recorded.send(
        current_app._get_current_object(), session=session, meeting=meeting, actor=actor
    )
    return len(present), len(roster_ids - present)


# --- evaluations -----------------------------------------------------------------


def checked_value(kind: str, value: EvaluationValue, person_name: str) -> EvaluationValue:
    """``value`` checked and in its stored form, or RosterError saying what is wrong."""
    label = EVALUATION_LABELS.get(kind, kind)
    if kind not in EVALUATION_LABELS:
        raise RosterError(f"Unknown evaluation {kind!r}.")
    if kind == EvaluationKind.PRACTICAL.value and value.score is not None:
        raise RosterError("The practical evaluation is pass or fail, not a score.")
    if kind != EvaluationKind.PRACTICAL.value and value.passed is not None:
        raise RosterError(f"The {label.lower()} is a score, not pass or fail.")
    if value.score is not None:
        try:
            score = Decimal(str(value.score))
        except (ArithmeticError, ValueError, TypeError):
            raise RosterError(f"{label} of {person_name} is not a number.") from None
        low, high = SCORE_RANGE
        if not score.is_finite() or not low <= score <= high:
            raise RosterError(
                f"{label} of {person_name} must be between {low} and {high}; got {value.score}."
            )
        if score != score.quantize(Decimal("0.01")):
            raise RosterError(f"{label} of {person_name} has more than two decimal places.")
        # Stored as NUMERIC(5, 2): compare and log in that form (91 and 91.00 are one score).
        value = EvaluationValue(kind, None, score.quantize(Decimal("0.01")), value.remarks)
    if len(value.remarks or "") > 2000:
        raise RosterError(f"Remarks on {person_name} are too long (2,000 characters at most).")
    return EvaluationValue(kind, value.passed, value.score, (value.remarks or "").strip())


def write_evaluation(
    enrollment_id: int,
    value: EvaluationValue,
    existing: dict[tuple[int, str], EvaluationResult],
    actor: Person | None,
) -> dict | None:
    """Write one evaluation; the before/after values when it changed, else None."""
    row = existing.get((enrollment_id, value.kind))
    before = EvaluationValue.of(row) if row is not None else EvaluationValue(value.kind)
    if before == value or (row is None and value.is_empty):
        return None
    if row is None:
        row = EvaluationResult(enrollment_id=enrollment_id, kind=EvaluationKind(value.kind))
        db_session().add(row)
        existing[(enrollment_id, value.kind)] = row
    row.passed, row.score, row.remarks = value.passed, value.score, value.remarks
    row.recorded_by_id = actor.id if actor else None
    row.recorded_at = utcnow()
    return {"kind": value.kind, "before": plain(before), "after": plain(value)}


def plain(value: EvaluationValue) -> dict:
    """An evaluation value as the audit log keeps it."""
    return {
        "passed": value.passed,
        "score": str(value.score) if value.score is not None else None,
        "remarks": value.remarks,
    }


def record_evaluations(
    session_id: int,
    results: Mapping[int, Iterable[EvaluationValue]],
    actor: Person | None,
) -> int:
    """Record practical, written and teach-back results by enrollment; returns changes made."""
    session = locked_session(session_id)
    not_finalized(session)
    enrollments = {e.id: e for e in queries.roster_enrollments(session.id)}
    refuse_strangers(session, set(results), set(enrollments))
    checked = {
        enrollment_id: [
            checked_value(v.kind, v, enrollments[enrollment_id].person.full_name) for v in values
        ]
        for enrollment_id, values in results.items()
    }
    existing = evaluation_rows(sorted(checked))
    changes = []
    for enrollment_id, values in checked.items():
        for value in values:
            change = write_evaluation(enrollment_id, value, existing, actor)
            if change:
                changes.append({"enrollment_id": enrollment_id, **change})
    if changes:
        audit("roster.evaluations_recorded", session, actor=actor, details={"changes": changes})
        db_session().flush()
    return len(changes)
