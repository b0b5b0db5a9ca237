"""Writes of the rosters feature: attendance, evaluations, finalizing, corrections.

Every write locks the session row first (see ``_lock_session_row``), so two instructors
saving at once, or a save racing a finalization, cannot interleave. Every
check runs before the first write: a refused request leaves nothing behind.
Callers commit (and roll back on :class:`RosterError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from .. import signals
from ..core import audit, db_session, lock_row, to_local
from ..models import (
    AttendanceRecord,
    Completion,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    EvaluationKind,
    EvaluationResult,
    Person,
    SessionStatus,
    utcnow,
)
from ..plugins import RuleOutcome
from ..status import operations as status_operations
from ..status.cycle_writes import GrantReport
from . import queries
from .queries import EVALUATION_LABELS, EvaluationValue, Roster, RosterEntry

MIN_REASON_LENGTH = 10
SCORE_RANGE = (Decimal("0"), Decimal("100"))


class RosterError(ValueError):
    """A roster change that cannot be made; the message says why, for the person who tried."""


@dataclass
class FinalizeReport:
    """What finalizing did, for the instructor to read."""

    completed: list[RosterEntry] = field(default_factory=list)
    not_completed: list[RosterEntry] = field(default_factory=list)
    certifications: GrantReport = field(default_factory=GrantReport)
    teaching: GrantReport = field(default_factory=GrantReport)


@dataclass
class CorrectionReport:
    entry: RosterEntry
    status_before: EnrollmentStatus
    status_after: EnrollmentStatus
    outcome: RuleOutcome
    certifications: GrantReport


def _app():
    return current_app._get_current_object()


def _locked_session(session_id: int) -> CourseSession:
    session = lock_row(CourseSession, session_id)
    if session is None:
        raise RosterError("That session does not exist.")
    if session.status is SessionStatus.CANCELLED:
        raise RosterError("This session is cancelled; its roster cannot change.")
    return session


def _not_finalized(session: CourseSession) -> None:
    if session.roster_finalized_at is not None:
        raise RosterError(
            "This roster is finalized. A change now is a correction: open the person's "
            "correction form and give a reason."
        )


def _refuse_strangers(session: CourseSession, ids: set[int], roster_ids: set[int]) -> None:
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


def _final_status(outcome: RuleOutcome, attendance: Mapping[int, bool]) -> EnrollmentStatus:
    if outcome.passed:
        return EnrollmentStatus.COMPLETED
    return EnrollmentStatus.FAILED if any(attendance.values()) else EnrollmentStatus.NO_SHOW


def _set_status(enrollment: Enrollment, status: EnrollmentStatus) -> None:
    if enrollment.status is not status:
        enrollment.status = status
        enrollment.status_changed_at = utcnow()


def _upsert_attendance(
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


def _attendance_rows(enrollment_ids: list[int]) -> dict[tuple[int, int], AttendanceRecord]:
    if not enrollment_ids:
        return {}
    rows = db_session().scalars(
        select(AttendanceRecord).where(AttendanceRecord.enrollment_id.in_(enrollment_ids))
    )
    return {(r.enrollment_id, r.meeting_id): r for r in rows}


def _evaluation_rows(enrollment_ids: list[int]) -> dict[tuple[int, str], EvaluationResult]:
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
    session = _locked_session(session_id)
    _not_finalized(session)
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
    _refuse_strangers(session, present, roster_ids)

    existing = _attendance_rows(sorted(roster_ids))
    changed = []
    for enrollment in enrollments:
        if _upsert_attendance(enrollment.id, meeting.id, enrollment.id in present, existing, actor):
            changed.append(enrollment.id)
    meeting_ids = [m.id for m in session.meetings]
    for enrollment in enrollments:
        marks = {m: r.present for (e, m), r in existing.items() if e == enrollment.id}
        _set_status(enrollment, _provisional_status(marks, meeting_ids))
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
    signals.attendance_recorded.send(_app(), session=session, meeting=meeting, actor=actor)
    return len(present), len(roster_ids - present)


# --- evaluations -----------------------------------------------------------------


def _checked_value(kind: str, value: EvaluationValue, person_name: str) -> EvaluationValue:
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


def _write_evaluation(
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
    return {"kind": value.kind, "before": _plain(before), "after": _plain(value)}


def _plain(value: EvaluationValue) -> dict:
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
    session = _locked_session(session_id)
    _not_finalized(session)
    enrollments = {e.id: e for e in queries.roster_enrollments(session.id)}
    _refuse_strangers(session, set(results), set(enrollments))
    checked = {
        enrollment_id: [
            _checked_value(v.kind, v, enrollments[enrollment_id].person.full_name) for v in values
        ]
        for enrollment_id, values in results.items()
    }
    existing = _evaluation_rows(sorted(checked))
    changes = []
    for enrollment_id, values in checked.items():
        for value in values:
            change = _write_evaluation(enrollment_id, value, existing, actor)
            if change:
                changes.append({"enrollment_id": enrollment_id, **change})
    if changes:
        audit("roster.evaluations_recorded", session, actor=actor, details={"changes": changes})
        db_session().flush()
    return len(changes)


# --- finalizing ------------------------------------------------------------------


def _rule_or_refuse(roster: Roster) -> None:
    if roster.rule_problem:
        raise RosterError(roster.rule_problem + " Ask an administrator to fix the course.")


def _record_completion(
    entry: RosterEntry, session: CourseSession, roster: Roster, actor: Person | None
) -> Completion:
    day = queries.completion_day(session)
    completion = Completion(
        enrollment=entry.enrollment,
        person=entry.person,
        course=session.course,
        session=session,
        completed_on=day,
        credit_hours=session.course.credit_hours,
        rule_key=roster.rule.name,
        recorded_by_id=actor.id if actor else None,
    )
    db_session().add(completion)
    db_session().flush()
    audit(
        "completion.recorded",
        completion,
        actor=actor,
        organization_id=entry.enrollment.organization_id,
        details={
            "person_id": completion.person_id,
            "course": session.course.code,
            "session_id": session.id,
            "completed_on": day.isoformat(),
            "credit_hours": str(completion.credit_hours),
            "rule": roster.rule.name,
            "reason": entry.outcome.reason,
        },
    )
    return completion


def finalize_roster(session_id: int, actor: Person) -> FinalizeReport:
    """Apply the course's completion rule to everyone and record the results.

    Refused (nothing written) when the roster is already finalized, the last
    meeting has not begun, the rule is unusable, anyone is undecided, or
    ``actor`` may not finalize (see :func:`queries.finalize_refusal`).
    """
    session = _locked_session(session_id)
    if session.roster_finalized_at is not None:
        raise RosterError(
            f"This roster was already finalized on "
            f"{to_local(session.roster_finalized_at):%d %b %Y}."
        )
    refusal = queries.finalize_refusal(actor, session)
    if refusal:
        raise RosterError(refusal)
    if not session.meetings:
        raise RosterError("This session has no meetings to take attendance at.")
    if session.meetings[-1].starts_at > utcnow():
        raise RosterError("A roster can be finalized once the last meeting has begun.")
    roster = queries.load_roster(session)
    _rule_or_refuse(roster)
    undecided = roster.undecided
    if undecided:
        raise RosterError(
            f"{len(undecided)} {'person has' if len(undecided) == 1 else 'people have'} no "
            "result yet: "
            + "; ".join(f"{e.person.full_name} ({e.outcome.reason})" for e in undecided)
            + ". Record their attendance and results, then finalize."
        )

    report = FinalizeReport()
    completions = []
    for entry in roster.entries:
        if entry.completion is not None:
            # Recorded before this roster existed (imported history): kept as it is.
            report.completed.append(entry)
            continue
        _set_status(entry.enrollment, _final_status(entry.outcome, entry.attendance))
        if entry.outcome.passed:
            entry.completion = _record_completion(entry, session, roster, actor)
            completions.append(entry.completion)
            report.completed.append(entry)
        else:
            report.not_completed.append(entry)
    session.roster_finalized_at = utcnow()
    session.roster_finalized_by_id = actor.id
    session.status = SessionStatus.COMPLETED
    db_session().flush()

    report.certifications = status_operations.grant_for_completions(completions, actor)
    # Teaching an empty room renews nothing: someone must have attended.
    if any(e.present_anywhere for e in roster.entries):
        report.teaching = status_operations.renew_for_teaching(
            session, queries.completion_day(session), actor
        )
    audit(
        "roster.finalized",
        session,
        actor=actor,
        details={
            "rule": roster.rule.name,
            "params": roster.params,
            "completed": [e.enrollment.id for e in report.completed],
            "not_completed": {str(e.enrollment.id): e.outcome.reason for e in report.not_completed},
            "certifications": [c.id for c in report.certifications.granted],
            "teaching_renewals": [c.id for c in report.teaching.granted],
            "notes": report.certifications.notes + report.teaching.notes,
        },
    )
    db_session().flush()
    app = _app()
    signals.roster_finalized.send(app, session=session, actor=actor)
    for completion in completions:
        signals.course_completed.send(app, completion=completion)
    return report


# --- corrections after finalizing ---------------------------------------------------


def correct_result(
    session_id: int,
    enrollment_id: int,
    *,
    present_meeting_ids: Iterable[int],
    evaluations: Iterable[EvaluationValue],
    reason: str,
    actor: Person,
) -> CorrectionReport:
    """Correct one person's attendance or results on a finalized roster, with a reason.

    The rule is applied again. A result that becomes a pass records (or
    reinstates) the completion and grants its cycles; one that stops being a
    pass revokes them. Nothing is deleted: the audit log keeps the values
    before and after, who corrected them and why.
    """
    session = _locked_session(session_id)
    if session.roster_finalized_at is None:
        raise RosterError(
            "This roster is not finalized yet: change attendance and results directly."
        )
    refusal = queries.finalize_refusal(actor, session)
    if refusal:
        raise RosterError(refusal)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise RosterError(
            f"Give the reason for this correction (at least {MIN_REASON_LENGTH} characters)."
        )
    roster = queries.load_roster(session)
    _rule_or_refuse(roster)
    entry = roster.entry(enrollment_id)
    if entry is None:
        _refuse_strangers(session, {enrollment_id}, set())
    meeting_ids = [m.id for m in session.meetings]
    present = set(present_meeting_ids)
    if present - set(meeting_ids):
        raise RosterError("Attendance was given for a meeting that is not part of this session.")
    new_attendance = {m: m in present for m in meeting_ids}
    new_evaluations = dict(entry.evaluations)
    for value in evaluations:
        new_evaluations[value.kind] = _checked_value(value.kind, value, entry.person.full_name)
    new_evaluations = {k: v for k, v in new_evaluations.items() if not v.is_empty}

    before = {
        "attendance": {str(m): entry.attendance.get(m) for m in meeting_ids},
        "evaluations": {
            k: _plain(v) for k, v in sorted(entry.evaluations.items()) if not v.is_empty
        },
    }
    after = {
        "attendance": {str(m): new_attendance[m] for m in meeting_ids},
        "evaluations": {k: _plain(v) for k, v in sorted(new_evaluations.items())},
    }
    if before == after:
        raise RosterError("Nothing changed: correct at least one mark or result.")
    facts = queries.facts_for(
        entry.enrollment, meeting_ids, new_attendance, new_evaluations, entry.holds_prerequisites
    )
    outcome = queries.judge(roster.rule, roster.params, facts)
    if outcome.passed is None:
        raise RosterError(
            f"After this correction {entry.person.full_name} would have no result "
            f"({outcome.reason}); a finalized roster needs one for everyone."
        )

    # Checks done: write.
    existing_attendance = _attendance_rows([entry.enrollment.id])
    for meeting_id, mark in new_attendance.items():
        _upsert_attendance(entry.enrollment.id, meeting_id, mark, existing_attendance, actor)
    existing_evaluations = _evaluation_rows([entry.enrollment.id])
    for kind in set(entry.evaluations) | set(new_evaluations):
        value = new_evaluations.get(kind, EvaluationValue(kind))
        _write_evaluation(entry.enrollment.id, value, existing_evaluations, actor)

    status_before = entry.enrollment.status
    status_after = _final_status(outcome, new_attendance)
    grants = GrantReport()
    completion = entry.completion
    correction_note = f"Roster correction: {reason}"
    if outcome.passed and completion is None:
        entry.outcome = outcome
        completion = entry.completion = _record_completion(entry, session, roster, actor)
        grants = status_operations.grant_for_completions([completion], actor)
        signals.course_completed.send(_app(), completion=completion)
    elif outcome.passed and completion.is_revoked:
        completion.revoked_at = completion.revoked_by_id = completion.revoke_reason = None
        audit(
            "completion.reinstated",
            completion,
            actor=actor,
            organization_id=entry.enrollment.organization_id,
            details={"reason": reason, "person_id": completion.person_id},
        )
        db_session().flush()
        grants = status_operations.grant_for_completions([completion], actor)
        signals.course_completed.send(_app(), completion=completion)
    elif not outcome.passed and completion is not None and not completion.is_revoked:
        completion.revoked_at = utcnow()
        completion.revoked_by_id = actor.id
        completion.revoke_reason = correction_note
        audit(
            "completion.revoked",
            completion,
            actor=actor,
            organization_id=entry.enrollment.organization_id,
            details={"reason": reason, "person_id": completion.person_id},
        )
        grants = status_operations.revoke_cycles_of(completion, correction_note, actor)
        signals.completion_revoked.send(
            _app(), completion=completion, actor=actor, reason=correction_note
        )
    _set_status(entry.enrollment, status_after)
    audit(
        "roster.corrected",
        entry.enrollment,
        actor=actor,
        details={
            "session_id": session.id,
            "person_id": entry.enrollment.person_id,
            "reason": reason,
            "before": before,
            "after": after,
            "status_before": status_before.value,
            "status_after": status_after.value,
            "outcome": outcome.reason,
        },
    )
    db_session().flush()
    return CorrectionReport(entry, status_before, status_after, outcome, grants)
