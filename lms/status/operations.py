"""Writes of the status feature: certification cycles granted, renewed and revoked.

Cycles are history. A new cycle is a new row (numbered after every earlier
one, revoked ones included); a cycle that should not have been granted is
revoked with a reason, never changed or deleted. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from .. import signals
from ..core import audit, db_session
from ..models import (
    Certification,
    CertificationSource,
    CertificationTrack,
    Completion,
    CourseSession,
    Person,
    utcnow,
)
from . import queries
from .renewal import CyclePlan, NoCycle, plan_cycle


@dataclass
class GrantReport:
    """What a completion or a taught session did to certifications, for people to read."""

    granted: list[Certification] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _record_cycle(
    person_id: int,
    track: CertificationTrack,
    plan: CyclePlan,
    day: date,
    previous: Certification | None,
    cycle_numbers: dict[tuple[int, int], int],
    actor: Person | None,
    **origin,
) -> Certification:
    key = (person_id, track.id)
    cycle_numbers[key] = cycle_numbers.get(key, 0) + 1
    cycle = Certification(
        person_id=person_id,
        track=track,
        cycle=cycle_numbers[key],
        granted_on=day,
        valid_from=plan.valid_from,
        expires_on=plan.expires_on,
        previous_id=previous.id if previous else None,
        recorded_by_id=actor.id if actor else None,
        **origin,
    )
    db_session().add(cycle)
    db_session().flush()
    audit(
        "certification.granted",
        cycle,
        actor=actor,
        details={
            "person_id": person_id,
            "track": track.code,
            "cycle": cycle.cycle,
            "source": cycle.source.value,
            "granted_on": day.isoformat(),
            "valid_from": plan.valid_from.isoformat(),
            "expires_on": plan.expires_on.isoformat(),
            "rule": plan.explanation,
            "previous_id": cycle.previous_id,
        },
    )
    return cycle


def grant_for_completions(completions: list[Completion], actor: Person | None) -> GrantReport:
    """Start the cycles these completions earn (their course grants or renews a track)."""
    report = GrantReport()
    if not completions:
        return report
    course = completions[0].course
    routes = queries.track_routes(queries.all_tracks())
    earned = [
        (route.track, course.id in {c.id for c in route.granting})
        for route in routes.values()
        if course.id in route.course_ids
    ]
    if not earned:
        return report
    person_ids = [c.person_id for c in completions]
    track_ids = [track.id for track, _ in earned]
    numbers = queries.highest_cycle_numbers(person_ids, track_ids)
    by_day: dict[date, list[Completion]] = {}
    for completion in completions:
        by_day.setdefault(completion.completed_on, []).append(completion)
    for day, done in by_day.items():
        latest = queries.latest_cycles([c.person_id for c in done], track_ids, day)
        for completion in done:
            for track, grants in earned:
                previous = latest.get((completion.person_id, track.id))
                plan = plan_cycle(
                    track, previous.expires_on if previous else None, day, grants=grants
                )
                if isinstance(plan, NoCycle):
                    report.notes.append(
                        f"{completion.person.full_name}, {track.name}: {plan.reason}"
                    )
                    continue
                report.granted.append(
                    _record_cycle(
                        completion.person_id,
                        track,
                        plan,
                        day,
                        previous,
                        numbers,
                        actor,
                        source=CertificationSource.COMPLETION,
                        completion_id=completion.id,
                    )
                )
    _announce(report.granted)
    return report


def renew_for_teaching(session: CourseSession, day: date, actor: Person | None) -> GrantReport:
    """Renew the tracks of the session's instructors that teaching this course renews.

    Only a current certification inside its renewal window is renewed (see
    :mod:`lms.status.renewal`); each session renews a track at most once per person.
    """
    report = GrantReport()
    routes = queries.track_routes(queries.all_tracks())
    tracks = [r.track for r in routes.values() if session.course_id in {c.id for c in r.teaching}]
    teachers = {i.person_id: i.person for i in session.instructors}
    if not tracks or not teachers:
        return report
    track_ids = [t.id for t in tracks]
    already = set(
        db_session().execute(
            select(Certification.person_id, Certification.track_id).where(
                Certification.taught_session_id == session.id,
                Certification.revoked_at.is_(None),
            )
        )
    )
    latest = queries.latest_cycles(teachers, track_ids, day)
    numbers = queries.highest_cycle_numbers(teachers, track_ids)
    for person_id, person in sorted(teachers.items(), key=lambda kv: kv[1].full_name):
        for track in tracks:
            if (person_id, track.id) in already:
                continue
            previous = latest.get((person_id, track.id))
            plan = plan_cycle(
                track, previous.expires_on if previous else None, day, grants=False, teaching=True
            )
            if isinstance(plan, NoCycle):
                report.notes.append(f"{person.full_name}, {track.name}: {plan.reason}")
                continue
            report.granted.append(
                _record_cycle(
                    person_id,
                    track,
                    plan,
                    day,
                    previous,
                    numbers,
                    actor,
                    source=CertificationSource.TEACHING,
                    taught_session_id=session.id,
                )
            )
    _announce(report.granted)
    return report


def revoke_cycles_of(
    completion: Completion, reason: str, actor: Person | None
) -> list[Certification]:
    """Revoke the live cycles a completion granted; they stay in the history, marked."""
    cycles = list(
        db_session().scalars(
            select(Certification).where(
                Certification.completion_id == completion.id,
                Certification.revoked_at.is_(None),
            )
        )
    )
    for cycle in cycles:
        cycle.revoked_at = utcnow()
        cycle.revoked_by_id = actor.id if actor else None
        cycle.revoke_reason = reason
        audit(
            "certification.revoked",
            cycle,
            actor=actor,
            details={
                "person_id": cycle.person_id,
                "track": cycle.track.code,
                "cycle": cycle.cycle,
                "expires_on": cycle.expires_on.isoformat(),
                "reason": reason,
            },
        )
    db_session().flush()
    app = current_app._get_current_object()
    for cycle in cycles:
        signals.certification_revoked.send(app, certification=cycle, actor=actor, reason=reason)
    return cycles


def _announce(cycles: list[Certification]) -> None:
    app = current_app._get_current_object()
    for cycle in cycles:
        signals.certification_granted.send(app, certification=cycle)
