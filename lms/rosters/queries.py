"""Reads of the rosters feature: a session's roster, what its rule says, who may act."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, or_, select

from ..auth.policy import (
    coordinated_organization_ids,
    coordinates_session,
    is_session_staff,
    is_staff,
    leads,
)
from ..core import db_session, registries, to_local
from ..models import (
    IN_A_KNOWN_SESSION,
    SEAT_HOLDING,
    AttendanceRecord,
    AuditEvent,
    Completion,
    CourseSession,
    Enrollment,
    EvaluationKind,
    EvaluationResult,
    Person,
    SessionInstructor,
    SessionStatus,
    utcnow,
)
from ..plugins import CompletionRule, EnrollmentFacts, PluginError, RuleOutcome
from ..status import queries as status_queries
from ..status.qualification import lead_problem


@dataclass(frozen=True)
class EvaluationValue:
    """An evaluation as completion rules see it: plain values, never a database row."""

    kind: str
    passed: bool | None = None
    score: Decimal | None = None
    remarks: str = ""

    @property
    def is_empty(self) -> bool:
        return self.passed is None and self.score is None and not self.remarks

    @classmethod
    def of(cls, row: EvaluationResult) -> EvaluationValue:
        return cls(row.kind.value, row.passed, row.score, row.remarks or "")


EVALUATION_LABELS = {
    EvaluationKind.PRACTICAL.value: "Practical",
    EvaluationKind.WRITTEN.value: "Written score",
    EvaluationKind.TEACH_BACK.value: "Teach-back score",
}
ALL_EVALUATIONS = tuple(k.value for k in EvaluationKind)


def rule_evaluations(rule: CompletionRule | None) -> tuple[str, ...]:
    """The evaluation kinds a rule reads; rules that do not say get every kind."""
    kinds = getattr(rule, "evaluations", None) if rule is not None else ()
    if kinds is None:
        return ALL_EVALUATIONS
    return tuple(k for k in ALL_EVALUATIONS if k in kinds)


@dataclass
class RosterEntry:
    """One person on a roster: attendance, evaluations, the rule's verdict."""

    enrollment: Enrollment
    attendance: dict[int, bool]
    evaluations: dict[str, EvaluationValue]
    completion: Completion | None
    holds_prerequisites: bool
    outcome: RuleOutcome | None = None

    @property
    def person(self) -> Person:
        return self.enrollment.person

    def present_at(self, meeting_id: int) -> bool | None:
        return self.attendance.get(meeting_id)

    @property
    def present_anywhere(self) -> bool:
        return any(self.attendance.values())


@dataclass
class Roster:
    session: CourseSession
    entries: list[RosterEntry]
    rule: CompletionRule | None
    params: dict[str, Any] = field(default_factory=dict)
    rule_problem: str | None = None

    @property
    def finalized(self) -> bool:
        return self.session.roster_finalized_at is not None

    @property
    def evaluation_kinds(self) -> tuple[str, ...]:
        return rule_evaluations(self.rule)

    @property
    def undecided(self) -> list[RosterEntry]:
        return [e for e in self.entries if e.outcome is None or e.outcome.passed is None]

    def entry(self, enrollment_id: int) -> RosterEntry | None:
        return next((e for e in self.entries if e.enrollment.id == enrollment_id), None)


def completion_day(session: CourseSession) -> date | None:
    """The completion date of a session: its last meeting's date where the department is."""
    if not session.meetings:
        return None
    return to_local(session.meetings[-1].starts_at).date()


def resolve_rule(session: CourseSession) -> tuple[CompletionRule | None, dict, str | None]:
    """The course's completion rule and checked parameters, or why they cannot be used."""
    course = session.course
    try:
        rule = registries().completion_rules.get(course.completion_rule)
    except PluginError:
        return (
            None,
            {},
            (f"The completion rule {course.completion_rule!r} of {course.code} is not installed."),
        )
    try:
        params = rule.parse_params(course.completion_params)
    except ValueError as exc:
        return rule, {}, f"The completion rule parameters of {course.code} are invalid: {exc}."
    return rule, params, None


def facts_for(
    enrollment: Enrollment,
    meeting_ids: list[int],
    attendance: Mapping[int, bool],
    evaluations: Mapping[str, EvaluationValue],
    holds_prerequisites: bool,
) -> EnrollmentFacts:
    return EnrollmentFacts(
        enrollment=enrollment,
        meeting_ids=list(meeting_ids),
        present_meeting_ids={m for m, present in attendance.items() if present},
        absent_meeting_ids={m for m, present in attendance.items() if not present},
        evaluations=dict(evaluations),
        holds_prerequisites=holds_prerequisites,
    )


def judge(
    rule: CompletionRule | None, params: Mapping[str, Any], facts: EnrollmentFacts
) -> RuleOutcome | None:
    """The rule's verdict; None when there is no usable rule."""
    if rule is None:
        return None
    outcome = rule.evaluate(facts, params)
    if not isinstance(outcome, RuleOutcome):
        raise PluginError(f"completion rule {rule.name!r} returned {outcome!r}, not a RuleOutcome")
    return outcome


def roster_enrollments(session_id: int) -> list[Enrollment]:
    """Everyone holding a seat in the session, by name."""
    return list(
        db_session()
        .scalars(
            select(Enrollment)
            .join(Person, Person.id == Enrollment.person_id)
            .where(Enrollment.session_id == session_id, Enrollment.status.in_(SEAT_HOLDING))
            .order_by(func.lower(Person.full_name), Enrollment.id)
            .options(*IN_A_KNOWN_SESSION)
        )
        .unique()
    )


def load_roster(session: CourseSession) -> Roster:
    """The roster with every person's facts and the rule's verdict; six queries."""
    rule, params, problem = resolve_rule(session)
    enrollments = roster_enrollments(session.id)
    ids = [e.id for e in enrollments]
    meeting_ids = [m.id for m in session.meetings]
    attendance: dict[int, dict[int, bool]] = {i: {} for i in ids}
    evaluations: dict[int, dict[str, EvaluationValue]] = {i: {} for i in ids}
    completions: dict[int, Completion] = {}
    if ids:
        for enrollment_id, meeting_id, present in db_session().execute(
            select(
                AttendanceRecord.enrollment_id,
                AttendanceRecord.meeting_id,
                AttendanceRecord.present,
            ).where(AttendanceRecord.enrollment_id.in_(ids))
        ):
            attendance[enrollment_id][meeting_id] = present
        for row in db_session().scalars(
            select(EvaluationResult).where(EvaluationResult.enrollment_id.in_(ids))
        ):
            evaluations[row.enrollment_id][row.kind.value] = EvaluationValue.of(row)
        completions = {
            c.enrollment_id: c
            for c in db_session().scalars(
                select(Completion).where(Completion.enrollment_id.in_(ids))
            )
        }
    prerequisite_tracks = session.course.prerequisite_tracks
    day = completion_day(session)
    held = (
        status_queries.statuses_for([e.person_id for e in enrollments], prerequisite_tracks, day)
        if prerequisite_tracks and day
        else {}
    )
    entries = []
    for enrollment in enrollments:
        holds = all(held[(enrollment.person_id, t.id)].is_current for t in prerequisite_tracks)
        entry = RosterEntry(
            enrollment,
            attendance[enrollment.id],
            evaluations[enrollment.id],
            completions.get(enrollment.id),
            holds,
        )
        facts = facts_for(enrollment, meeting_ids, entry.attendance, entry.evaluations, holds)
        entry.outcome = judge(rule if problem is None else None, params, facts)
        entries.append(entry)
    return Roster(session, entries, rule, params, problem)


# --- who may do what ------------------------------------------------------------


def can_view_roster(person: Person, session: CourseSession) -> bool:
    """See the roster, mark attendance and record results.

    Instructors of the session (lead or assistant), and staff who manage the
    organization running it.
    """
    return is_session_staff(person, session)


def finalize_refusal(person: Person, session: CourseSession) -> str | None:
    """Why ``person`` may not finalize (or correct) the roster; None when they may.

    A lead instructor of the session, or staff of its organization; when the
    course requires an instructor certification, they must have held it
    current on the session's last day (the day they vouch for).
    """
    if not (leads(person, session) or coordinates_session(person, session)):
        return "Only a lead instructor of this session or a training coordinator may do this."
    problem = lead_problem(person, session.course, completion_day(session))
    if problem:
        track = session.course.instructor_track
        return (
            f"Only someone holding a current {track.name} certification may finalize or "
            f"correct a {session.course.code} roster. {problem}"
        )
    return None


# --- lists ----------------------------------------------------------------------


def sessions_with_rosters(person: Person, *, finalized: bool, limit: int = 100):
    """Begun, not cancelled sessions whose roster ``person`` keeps, newest first."""
    teaches = exists().where(
        SessionInstructor.session_id == CourseSession.id,
        SessionInstructor.person_id == person.id,
    )
    visible = teaches
    if is_staff(person):
        org_ids = coordinated_organization_ids(person)
        visible = (
            CourseSession.id.is_not(None)
            if org_ids is None
            else or_(teaches, CourseSession.organization_id.in_(org_ids or {-1}))
        )
    query = select(CourseSession).where(
        visible,
        CourseSession.status != SessionStatus.CANCELLED,
        CourseSession.starts_at <= utcnow(),
    )
    if finalized:
        query = query.where(
            CourseSession.roster_finalized_at.is_not(None),
            CourseSession.roster_finalized_at >= utcnow() - timedelta(days=180),
        )
    else:
        # Sessions closed without a roster (imported history) are not waiting for one.
        query = query.where(
            CourseSession.roster_finalized_at.is_(None),
            CourseSession.status == SessionStatus.SCHEDULED,
        )
    query = query.order_by(CourseSession.starts_at.desc(), CourseSession.id.desc()).limit(limit)
    return list(db_session().scalars(query).unique())


def corrections(enrollment_ids: list[int]) -> list[AuditEvent]:
    """The audit trail of corrections to these enrollments' results, oldest first."""
    if not enrollment_ids:
        return []
    return list(
        db_session().scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == "roster.corrected",
                AuditEvent.object_type == "Enrollment",
                AuditEvent.object_id.in_([str(i) for i in enrollment_ids]),
            )
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )
