"""The writes every change to certification cycles is made of.

Cycles are history. A new cycle is a new row (numbered after every earlier
one, revoked ones included); a cycle that should not have been granted is
revoked with a reason, never changed or deleted. Each write here is audited;
:func:`announce` signals a whole report once its writes are done. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from .. import signals
from ..core import audit, db_session
from ..models import Certification, CertificationTrack, Person, utcnow
from .renewal import CyclePlan, NoCycle, plan_cycle


@dataclass
class GrantReport:
    """What a completion, a taught session or a correction did to certifications."""

    granted: list[Certification] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    revoked: list[Certification] = field(default_factory=list)


def new_cycle(
    person_id: int,
    track: CertificationTrack,
    plan: CyclePlan,
    day: date,
    previous_id: int | None,
    cycle_numbers: dict[tuple[int, int], int],
    actor: Person | None,
    **origin,
) -> Certification:
    """A new cycle added to the session: not flushed, not yet audited."""
    key = (person_id, track.id)
    cycle_numbers[key] = cycle_numbers.get(key, 0) + 1
    cycle = Certification(
        person_id=person_id,
        track=track,
        cycle=cycle_numbers[key],
        granted_on=day,
        valid_from=plan.valid_from,
        expires_on=plan.expires_on,
        previous_id=previous_id,
        recorded_by_id=actor.id if actor else None,
        **origin,
    )
    db_session().add(cycle)
    return cycle


def audit_granted(cycle: Certification, plan: CyclePlan, actor: Person | None) -> None:
    """Audit a cycle just granted (flushed), with the dates ``plan`` gave it and why."""
    audit(
        "certification.granted",
        cycle,
        actor=actor,
        details={
            "person_id": cycle.person_id,
            "track": cycle.track.code,
            "cycle": cycle.cycle,
            "source": cycle.source.value,
            "granted_on": cycle.granted_on.isoformat(),
            "valid_from": plan.valid_from.isoformat(),
            "expires_on": plan.expires_on.isoformat(),
            "rule": plan.explanation,
            "previous_id": cycle.previous_id,
        },
    )


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
    """A new cycle counting from ``previous``: added, flushed and audited."""
    cycle = new_cycle(
        person_id,
        track,
        plan,
        day,
        previous.id if previous else None,
        cycle_numbers,
        actor,
        **origin,
    )
    db_session().flush()
    audit_granted(cycle, plan, actor)
    return cycle


def earn_cycle(
    report: GrantReport,
    person: Person,
    track: CertificationTrack,
    day: date,
    previous: Certification | None,
    cycle_numbers: dict[tuple[int, int], int],
    actor: Person | None,
    *,
    grants: bool,
    teaching: bool = False,
    **origin,
) -> None:
    """Record in ``report`` the cycle earned on ``day`` after ``previous``, or why there is none.

    ``grants`` and ``teaching`` say how it was earned (see
    :func:`~lms.status.renewal.plan_cycle`); ``origin`` names the completion or session.
    """
    plan = plan_cycle(
        track, previous.expires_on if previous else None, day, grants=grants, teaching=teaching
    )
    if isinstance(plan, NoCycle):
        report.notes.append(f"{person.full_name}, {track.name}: {plan.reason}")
        return
    report.granted.append(
        _record_cycle(person.id, track, plan, day, previous, cycle_numbers, actor, **origin)
    )


def revoke(cycle: Certification, reason: str, actor: Person | None) -> None:
    """Mark a cycle revoked (kept, with who and why) and audit it; the caller flushes."""
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


def announce(report: GrantReport, actor: Person | None) -> None:
    """Signal every cycle the report granted and revoked, once the writes are done."""
    app = current_app._get_current_object()
    for cycle in report.granted:
        signals.certification_granted.send(app, certification=cycle)
    for cycle in report.revoked:
        signals.certification_revoked.send(
            app, certification=cycle, actor=actor, reason=cycle.revoke_reason
        )
