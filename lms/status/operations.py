"""Writes of the status feature: certification cycles granted, renewed and revoked.

Completions and taught sessions grant or renew cycles; a revoked completion
revokes the cycles it granted; imported history records past cycles in bulk.
Each plans again the later cycles whose dates counted from what changed
(:mod:`lms.status.replanning`). Cycles are history: see
:mod:`lms.status.cycle_writes`. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..bulk import bulk_insert, reserve_ids
from ..core import db_session
from ..models import (
    Certification,
    CertificationSource,
    CertificationTrack,
    Completion,
    CourseSession,
    Person,
)
from .cycle_writes import GrantReport, announce, earn_cycle, revoke
from .cycles import highest_cycle_numbers, latest_cycles, track_chains
from .queries import all_tracks
from .renewal import CyclePlan, NoCycle, Replan, plan_cycle, replan_chain
from .replanning import record_replans, replan_after, replan_after_grants
from .routes import track_routes


def grant_for_completions(completions: list[Completion], actor: Person | None) -> GrantReport:
    """Start the cycles these completions earn (their course grants or renews a track)."""
    report = GrantReport()
    if not completions:
        return report
    course = completions[0].course
    routes = track_routes(all_tracks())
    earned = [
        (route.track, course.id in {c.id for c in route.granting})
        for route in routes.values()
        if course.id in route.course_ids
    ]
    if not earned:
        return report
    person_ids = [c.person_id for c in completions]
    track_ids = [track.id for track, _ in earned]
    numbers = highest_cycle_numbers(person_ids, track_ids)
    by_day: dict[date, list[Completion]] = {}
    for completion in completions:
        by_day.setdefault(completion.completed_on, []).append(completion)
    for day, done in by_day.items():
        latest = latest_cycles([c.person_id for c in done], track_ids, day)
        for completion in done:
            for track, grants in earned:
                previous = latest.get((completion.person_id, track.id))
                earn_cycle(
                    report,
                    completion.person,
                    track,
                    day,
                    previous,
                    numbers,
                    actor,
                    grants=grants,
                    source=CertificationSource.COMPLETION,
                    completion_id=completion.id,
                )
    replan_after_grants(report, actor)
    announce(report, actor)
    return report


def renew_for_teaching(session: CourseSession, day: date, actor: Person | None) -> GrantReport:
    """Renew the tracks of the session's instructors that teaching this course renews.

    Only a current certification inside its renewal window is renewed (see
    :mod:`lms.status.renewal`); each session renews a track at most once per person.
    """
    report = GrantReport()
    routes = track_routes(all_tracks())
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
    latest = latest_cycles(teachers, track_ids, day)
    numbers = highest_cycle_numbers(teachers, track_ids)
    for person_id, person in sorted(teachers.items(), key=lambda kv: kv[1].full_name):
        for track in tracks:
            if (person_id, track.id) in already:
                continue
            previous = latest.get((person_id, track.id))
            earn_cycle(
                report,
                person,
                track,
                day,
                previous,
                numbers,
                actor,
                grants=False,
                teaching=True,
                source=CertificationSource.TEACHING,
                taught_session_id=session.id,
            )
    replan_after_grants(report, actor)
    announce(report, actor)
    return report


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
        revoke(cycle, reason, actor)
        report.revoked.append(cycle)
    db_session().flush()
    for cycle in cycles:
        replan_after(cycle, f"cycle {cycle.cycle} it counted from was revoked", actor, report)
    announce(report, actor)
    return report


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
        numbers.update(highest_cycle_numbers(person_ids[start : start + 5000], track_ids))
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
    announce(report, actor)
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
        granting = frozenset(c.id for c in track_routes([track])[track_id].granting)
        changes: list[Replan] = []
        why: dict[int, str] = {}
        for start in range(0, len(person_ids), 5000):
            chains = track_chains(track_id, person_ids[start : start + 5000])
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
                numbers.update(highest_cycle_numbers(chunk, [track_id]))
            record_replans(track, changes, moved, why, actor, report, numbers)


def _cycles_by_id(ids: list[int]) -> dict[int, Certification]:
    found: dict[int, Certification] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        found.update(
            (c.id, c)
            for c in db_session().scalars(select(Certification).where(Certification.id.in_(chunk)))
        )
    return found
