"""Planning certification cycles again when the cycles they counted from change.

A cycle's dates count from the cycle before it. So when a cycle is revoked, or
one is granted before cycles already on record (a roster finalized late, an
imported history), or a track's rules change, the later cycles of that person
and track are planned again: one whose dates still hold stays; one whose dates
change is revoked, saying why, and replaced by a cycle with the right dates,
or by none when the rules now grant nothing. Callers commit.
"""

from __future__ import annotations

from sqlalchemy import select

from ..core import db_session
from ..models import Certification, CertificationTrack, Person
from .cycle_writes import GrantReport, announce, audit_granted, new_cycle, revoke
from .cycles import highest_cycle_numbers, track_chains
from .renewal import CycleFacts, NoCycle, Replan, RouteCourses, replan_chain
from .routes import track_routes


def replan_after_grants(report: GrantReport, actor: Person | None) -> None:
    """Plan again the live cycles recorded after the day of a cycle just granted."""
    granted = list(report.granted)
    if not granted:
        return
    later = set(
        db_session().execute(
            select(Certification.person_id, Certification.track_id).where(
                Certification.person_id.in_({c.person_id for c in granted}),
                Certification.track_id.in_({c.track_id for c in granted}),
                Certification.granted_on > min(c.granted_on for c in granted),
                Certification.revoked_at.is_(None),
            )
        )
    )
    for cycle in granted:
        if (cycle.person_id, cycle.track_id) in later:
            note = f"cycle {cycle.cycle}, granted on {cycle.granted_on.isoformat()}, came before it"
            replan_after(cycle, note, actor, report)


def _facts(cycle: Certification) -> CycleFacts:
    """A recorded cycle as the planner sees it."""
    if cycle.completion_id is not None:
        course_id = cycle.completion.course_id
    elif cycle.taught_session_id is not None:
        course_id = cycle.taught_session.course_id
    else:
        course_id = None
    return CycleFacts(
        cycle.id, cycle.granted_on, cycle.valid_from, cycle.expires_on, cycle.source, course_id
    )


def replan_after(
    anchor: Certification, why: str, actor: Person | None, report: GrantReport
) -> None:
    """Plan again the live cycles of ``anchor``'s person and track that came after it.

    Each is checked against the cycles before it, in order, as when it was
    granted (:func:`~lms.status.renewal.replan_chain`). The report gets what changed.
    """
    track = anchor.track
    live = list(
        db_session().scalars(
            select(Certification)
            .where(
                Certification.person_id == anchor.person_id,
                Certification.track_id == track.id,
                Certification.revoked_at.is_(None),
            )
            .order_by(Certification.granted_on, Certification.id)
        )
    )
    position = (anchor.granted_on, anchor.id)
    history = [_facts(c) for c in live if (c.granted_on, c.id) <= position]
    later = [_facts(c) for c in live if (c.granted_on, c.id) > position]
    if not later:
        return
    granting = frozenset(c.id for c in track_routes([track])[track.id].granting)
    changes = replan_chain(track, history, later, granting)
    numbers = highest_cycle_numbers([anchor.person_id], [track.id])
    record_replans(track, changes, {c.id: c for c in live}, why, actor, report, numbers)


def record_replans(
    track: CertificationTrack,
    changes: list[Replan],
    cycles: dict[int, Certification],
    why: str | dict[int, str],
    actor: Person | None,
    report: GrantReport,
    numbers: dict[tuple[int, int], int],
) -> None:
    """Revoke each cycle whose dates no longer hold, saying why, and record its replacement.

    ``cycles`` holds the live cycles by id; ``why`` says why (for each person, or for
    all). The replacements are inserted together, then linked to their previous
    cycle when that is a replacement too: two flushes, however many cycles change.
    """
    replacements: dict[int, Certification] = {}  # a plan's stand-in id -> its new cycle
    granted = []
    for change in changes:
        cycle = cycles[change.cycle.id]
        reason = why if isinstance(why, str) else why[cycle.person_id]
        revoke(cycle, f"Planned again: {reason}.", actor)
        report.revoked.append(cycle)
        if isinstance(change.plan, NoCycle):
            name = db_session().get(Person, cycle.person_id).full_name
            report.notes.append(f"{name}, {track.name} (cycle {cycle.cycle}): {change.plan.reason}")
            continue
        previous = change.previous
        new = new_cycle(
            cycle.person_id,
            track,
            change.plan,
            cycle.granted_on,
            None if previous is None or previous.id in replacements else previous.id,
            numbers,
            actor,
            source=cycle.source,
            completion_id=cycle.completion_id,
            taught_session_id=cycle.taught_session_id,
        )
        replacements[change.replacement.id] = new
        granted.append((new, change))
    db_session().flush()
    for new, change in granted:
        if change.previous is not None and change.previous.id in replacements:
            new.previous_id = replacements[change.previous.id].id
        audit_granted(new, change.plan, actor)
        report.granted.append(new)
    db_session().flush()


def replan_track(
    track: CertificationTrack, routes: RouteCourses, why: str, actor: Person | None
) -> GrantReport:
    """Plan every live cycle on ``track`` again under its rules (after the track changed).

    The same planning as after a roster correction, from each person's first
    cycle, with ``routes`` saying which courses still earn the track: a cycle
    whose dates change is revoked (``why`` says why) and replaced, or not
    replaced when nothing earns it now. Callers commit.
    """
    report = GrantReport()
    chains = track_chains(track.id)
    changes = [
        change
        for chain in chains.values()
        for change in replan_chain(track, [], chain, routes.granting, routes)
    ]
    live = db_session().scalars(
        select(Certification).where(
            Certification.track_id == track.id, Certification.revoked_at.is_(None)
        )
    )
    numbers = highest_cycle_numbers(list(chains), [track.id])
    record_replans(track, changes, {c.id: c for c in live}, why, actor, report, numbers)
    announce(report, actor)
    return report
