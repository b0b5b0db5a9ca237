"""Writes of the rosters feature: finalizing a roster, and correcting it afterwards.

Finalizing applies the course's completion rule to everyone, records the
completions and grants their certification cycles; a correction changes one
person's marks or results with a reason, and records, reinstates or revokes
their completion. Both lock the session row first and check everything
before the first write (see :mod:`lms.rosters.marks`, which also holds the
marks and results written before finalizing). Callers commit (and roll back on
:class:`~lms.rosters.marks.RosterError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import current_app

from .. import signals
from ..core import audit, db_session, to_local
from ..models import Completion, CourseSession, EnrollmentStatus, Person, SessionStatus, utcnow
from ..plugins import RuleOutcome
from ..status import operations as status_operations
from ..status.cycle_writes import GrantReport
from . import queries
from .marks import (
    PeopleUndecided,
    RosterError,
    attendance_rows,
    checked_value,
    evaluation_rows,
    locked_session,
    plain,
    refuse_strangers,
    set_status,
    upsert_attendance,
    write_evaluation,
)
from .queries import EvaluationValue, Roster, RosterEntry

MIN_REASON_LENGTH = 10


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


def _final_status(outcome: RuleOutcome, attendance: Mapping[int, bool]) -> EnrollmentStatus:
    """After finalizing: completed on a pass, else failed if present anywhere, else no-show."""
    if outcome.passed:
        return EnrollmentStatus.COMPLETED
    return EnrollmentStatus.FAILED if any(attendance.values()) else EnrollmentStatus.NO_SHOW


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


# --- finalizing ------------------------------------------------------------------


def finalize_roster(session_id: int, actor: Person) -> FinalizeReport:
    """Apply the course's completion rule to everyone and record the results.

    Refused (nothing written) when the roster is already finalized, the last
    meeting has not begun, the rule is unusable, anyone is undecided, or
    ``actor`` may not finalize (see :func:`queries.finalize_refusal`).
    """
    session = locked_session(session_id)
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
        raise PeopleUndecided(
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
        set_status(entry.enrollment, _final_status(entry.outcome, entry.attendance))
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
    session = locked_session(session_id)
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
        refuse_strangers(session, {enrollment_id}, set())
    meeting_ids = [m.id for m in session.meetings]
    present = set(present_meeting_ids)
    if present - set(meeting_ids):
        raise RosterError("Attendance was given for a meeting that is not part of this session.")
    new_attendance = {m: m in present for m in meeting_ids}
    new_evaluations = dict(entry.evaluations)
    for value in evaluations:
        new_evaluations[value.kind] = checked_value(value.kind, value, entry.person.full_name)
    new_evaluations = {k: v for k, v in new_evaluations.items() if not v.is_empty}

    before = {
        "attendance": {str(m): entry.attendance.get(m) for m in meeting_ids},
        "evaluations": {
            k: plain(v) for k, v in sorted(entry.evaluations.items()) if not v.is_empty
        },
    }
    after = {
        "attendance": {str(m): new_attendance[m] for m in meeting_ids},
        "evaluations": {k: plain(v) for k, v in sorted(new_evaluations.items())},
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
    existing_attendance = attendance_rows([entry.enrollment.id])
    for meeting_id, mark in new_attendance.items():
        upsert_attendance(entry.enrollment.id, meeting_id, mark, existing_attendance, actor)
    existing_evaluations = evaluation_rows([entry.enrollment.id])
    for kind in set(entry.evaluations) | set(new_evaluations):
        value = new_evaluations.get(kind, EvaluationValue(kind))
        write_evaluation(entry.enrollment.id, value, existing_evaluations, actor)

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
    set_status(entry.enrollment, status_after)
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
