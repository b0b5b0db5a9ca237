"""Writes of the status feature: certification cycles granted, renewed and revoked.

Cycles are history. A new cycle is a new row (numbered after every earlier
one, revoked ones included); a cycle that should not have been granted is
revoked with a reason, never changed or deleted. Callers commit.

A cycle's dates count from the cycle before it. So when a cycle is revoked, or
one is granted before cycles already on record (a roster finalized late), the
later cycles of that person and track are planned again: one whose dates still
hold stays; one whose dates change is revoked, saying why, and replaced by a
cycle with the right dates, or by none when the rules now grant nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from .. import signals
from ..bulk import bulk_insert, reserve_ids
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
from .renewal import CycleFacts, CyclePlan, NoCycle, Replan, RouteCourses, plan_cycle, replan_chain


@dataclass
class GrantReport:
    """What a completion, a taught session or a correction did to certifications."""

    granted: list[Certification] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    revoked: list[Certification] = field(default_factory=list)


def _new_cycle(
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


def _audit_granted(cycle: Certification, plan: CyclePlan, actor: Person | None) -> None:
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
    cycle = _new_cycle(
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
    _audit_granted(cycle, plan, actor)
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
    _replan_after_grants(report, actor)
    _announce(report, actor)
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
    _replan_after_grants(report, actor)
    _announce(report, actor)
    return report


def _revoke(cycle: Certification, reason: str, actor: Person | None) -> None:
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


def revoke_cycles_of(completion: Completion, reason: str, actor: Person | None) -> GrantReport:
    """Revoke the live cycles a completion granted, and plan the later ones again.

    The revoked cycles stay in the history, marked; the report lists them with
    any later cycle revoked and replaced because its dates counted from them.
    """
    report = GrantReport()
    cycles = list(
        db_session().scalars(
            select(Certification)
            .where(
                Certification.completion_id == completion.id,
                Certification.revoked_at.is_(None),
            )
            .order_by(Certification.granted_on, Certification.id)
        )
    )
    for cycle in cycles:
        _revoke(cycle, reason, actor)
        report.revoked.append(cycle)
    db_session().flush()
    for cycle in cycles:
        _replan_after(cycle, f"cycle {cycle.cycle} it counted from was revoked", actor, report)
    _announce(report, actor)
    return report


def _replan_after_grants(report: GrantReport, actor: Person | None) -> None:
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
            _replan_after(cycle, note, actor, report)


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


def _replan_after(
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
    granting = frozenset(c.id for c in queries.track_routes([track])[track.id].granting)
    changes = replan_chain(track, history, later, granting)
    numbers = queries.highest_cycle_numbers([anchor.person_id], [track.id])
    _record_replans(track, changes, {c.id: c for c in live}, why, actor, report, numbers)


def _record_replans(
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
        _revoke(cycle, f"Planned again: {reason}.", actor)
        report.revoked.append(cycle)
        if isinstance(change.plan, NoCycle):
            name = db_session().get(Person, cycle.person_id).full_name
            report.notes.append(f"{name}, {track.name} (cycle {cycle.cycle}): {change.plan.reason}")
            continue
        previous = change.previous
        new = _new_cycle(
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
        _audit_granted(new, change.plan, actor)
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
    chains = queries.track_chains(track.id)
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
    numbers = queries.highest_cycle_numbers(list(chains), [track.id])
    _record_replans(track, changes, {c.id: c for c in live}, why, actor, report, numbers)
    _announce(report, actor)
    return report


def _announce(report: GrantReport, actor: Person | None) -> None:
    """Signal every cycle the report granted and revoked, once the writes are done."""
    app = current_app._get_current_object()
    for cycle in report.granted:
        signals.certification_granted.send(app, certification=cycle)
    for cycle in report.revoked:
        signals.certification_revoked.send(
            app, certification=cycle, actor=actor, reason=cycle.revoke_reason
        )


# --- imported history ----------------------------------------------------------------

#: A past training record that names a track: (person id, track, day it was completed).
ImportedEntry = tuple[int, CertificationTrack, date]


@dataclass(frozen=True)
class ImportedPlan:
    """The cycle a past record earns (or NoCycle), and the cycle it counts from.

    ``counts_from`` is a cycle id already on record, or ``("new", i)``: the
    cycle planned for entry ``i`` of the same import.
    """

    plan: CyclePlan | NoCycle
    counts_from: int | tuple[str, int] | None


def _live_cycle_dates(entries: list[ImportedEntry]) -> dict[tuple[int, int], list]:
    """(person, track) -> [(granted_on, expires_on, id)] of the live cycles on record."""
    known: dict[tuple[int, int], list] = {}
    person_ids = sorted({p for p, _, _ in entries})
    track_ids = sorted({t.id for _, t, _ in entries})
    for start in range(0, len(person_ids), 5000):
        rows = db_session().execute(
            select(
                Certification.person_id,
                Certification.track_id,
                Certification.granted_on,
                Certification.expires_on,
                Certification.id,
            ).where(
                Certification.person_id.in_(person_ids[start : start + 5000]),
                Certification.track_id.in_(track_ids),
                Certification.revoked_at.is_(None),
            )
        )
        for person_id, track_id, granted_on, expires_on, ident in rows:
            known.setdefault((person_id, track_id), []).append((granted_on, expires_on, ident))
    return known


def plan_imported_cycles(entries: list[ImportedEntry]) -> list[ImportedPlan]:
    """The cycles past training earns, one per entry in the order given.

    Imported history is taken as granting its track: entries are planned in date
    order after the live cycles already on record and the earlier entries, by
    the same rules (:func:`~lms.status.renewal.plan_cycle`) as a completion, so
    a renewal inside the window counts from the previous expiry, and a record
    that would not extend the certification earns no cycle.
    """
    history = _live_cycle_dates(entries)
    plans: list[ImportedPlan | None] = [None] * len(entries)
    order = sorted(
        range(len(entries)), key=lambda i: (entries[i][0], entries[i][1].id, entries[i][2], i)
    )
    for i in order:
        person_id, track, day = entries[i]
        held = history.setdefault((person_id, track.id), [])
        previous = max(
            (c for c in held if c[0] <= day), key=lambda c: (c[1], str(c[2])), default=None
        )
        plan = plan_cycle(track, previous[1] if previous else None, day, grants=True)
        plans[i] = ImportedPlan(plan, previous[2] if previous else None)
        if isinstance(plan, CyclePlan):
            held.append((day, plan.expires_on, ("new", i)))
    return plans  # type: ignore[return-value]


def record_imported_cycles(
    entries: list[ImportedEntry], plans: list[ImportedPlan], actor: Person | None
) -> tuple[list[int | None], GrantReport]:
    """Record the IMPORTED cycles ``plans`` (from :func:`plan_imported_cycles`) in bulk.

    Returns each entry's cycle id (None: no cycle) and what planning the later
    cycles again changed: a cycle earned on a course after an imported one now
    counts from it. The caller audits the import as a whole and commits.
    """
    chosen = [i for i, p in enumerate(plans) if isinstance(p.plan, CyclePlan)]
    ids: list[int | None] = [None] * len(entries)
    report = GrantReport()
    if not chosen:
        return ids, report
    person_ids = sorted({entries[i][0] for i in chosen})
    track_ids = sorted({entries[i][1].id for i in chosen})
    numbers: dict[tuple[int, int], int] = {}
    for start in range(0, len(person_ids), 5000):
        numbers.update(queries.highest_cycle_numbers(person_ids[start : start + 5000], track_ids))
    # Numbered, and given ids, in date order: a cycle's previous one is written before it.
    chosen.sort(key=lambda i: (entries[i][2], i))
    for i, ident in zip(chosen, reserve_ids(Certification.__table__, len(chosen)), strict=True):
        ids[i] = ident
    rows = []
    for i in chosen:
        person_id, track, day = entries[i]
        key = (person_id, track.id)
        numbers[key] = numbers.get(key, 0) + 1
        counts_from = plans[i].counts_from
        rows.append(
            {
                "id": ids[i],
                "person_id": person_id,
                "track_id": track.id,
                "cycle": numbers[key],
                "granted_on": day,
                "valid_from": plans[i].plan.valid_from,
                "expires_on": plans[i].plan.expires_on,
                "source": CertificationSource.IMPORTED,
                "previous_id": ids[counts_from[1]]
                if isinstance(counts_from, tuple)
                else counts_from,
                "recorded_by_id": actor.id if actor else None,
            }
        )
    bulk_insert(Certification.__table__, rows)
    _replan_after_imports(entries, ids, actor, report)
    _announce(report, actor)
    return ids, report


def _replan_after_imports(entries, ids, actor, report: GrantReport) -> None:
    """Plan again the cycles on record after the earliest imported cycle of each person and track.

    Set-based, as an import touches thousands of people: each track's chains
    of the people imported are read 5,000 people a query, planned in memory,
    and every change is recorded in one go.
    """
    earliest: dict[tuple[int, int], tuple[date, int]] = {}
    tracks: dict[int, CertificationTrack] = {}
    for (person_id, track, day), ident in zip(entries, ids, strict=True):
        if ident is not None:
            key = (person_id, track.id)
            earliest[key] = min(earliest.get(key, (day, ident)), (day, ident))
            tracks[track.id] = track
    for track_id, track in tracks.items():
        person_ids = sorted(p for p, t in earliest if t == track_id)
        granting = frozenset(c.id for c in queries.track_routes([track])[track_id].granting)
        changes: list[Replan] = []
        why: dict[int, str] = {}
        for start in range(0, len(person_ids), 5000):
            chains = queries.track_chains(track_id, person_ids[start : start + 5000])
            for person_id, chain in chains.items():
                anchor = earliest[person_id, track_id]
                history = [c for c in chain if (c.granted_on, c.id) <= anchor]
                later = [c for c in chain if (c.granted_on, c.id) > anchor]
                if all(c.source is CertificationSource.IMPORTED for c in later):
                    continue  # imported cycles stand as planned
                found = replan_chain(track, history, later, granting)
                if found:
                    changes += found
                    why[person_id] = (
                        f"an imported cycle granted on {anchor[0].isoformat()} came before it"
                    )
        if changes:
            moved = _cycles_by_id([change.cycle.id for change in changes])
            numbers: dict[tuple[int, int], int] = {}
            people = sorted(why)
            for start in range(0, len(people), 5000):
                chunk = people[start : start + 5000]
                numbers.update(queries.highest_cycle_numbers(chunk, [track_id]))
            _record_replans(track, changes, moved, why, actor, report, numbers)


def _cycles_by_id(ids: list[int]) -> dict[int, Certification]:
    found: dict[int, Certification] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            (c.id, c)
            for c in db_session().scalars(select(Certification).where(Certification.id.in_(chunk)))
        )
    return found
