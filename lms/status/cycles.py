"""Reads of certification cycles as records: which count on a day, the latest, their numbers.

What granting, revoking and planning again (:mod:`lms.status.operations`,
:mod:`lms.status.replanning`) need to know of the cycles already on record,
each for any number of people in one query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..core import db_session
from ..models import Certification, Completion, CourseSession
from .renewal import CycleFacts


def counts_on(day: date, cycle=Certification):
    """SQL: the cycle (``Certification`` or an alias of it) counts on ``day``: granted by
    then and not revoked."""
    return and_(cycle.granted_on <= day, cycle.revoked_at.is_(None))


def latest_cycles(
    person_ids: Iterable[int], track_ids: Iterable[int], day: date
) -> dict[tuple[int, int], Certification]:
    """(person, track) -> the live cycle with the latest expiry granted by ``day``; one query."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    latest: dict[tuple[int, int], Certification] = {}
    cycles = db_session().scalars(
        select(Certification).where(
            Certification.person_id.in_(person_ids),
            Certification.track_id.in_(track_ids),
            counts_on(day),
        )
    )
    for cycle in cycles:
        key = (cycle.person_id, cycle.track_id)
        held = latest.get(key)
        if held is None or (cycle.expires_on, cycle.id) > (held.expires_on, held.id):
            latest[key] = cycle
    return latest


def highest_cycle_numbers(
    person_ids: Iterable[int], track_ids: Iterable[int]
) -> dict[tuple[int, int], int]:
    """(person, track) -> the highest cycle number used so far (revoked cycles count too)."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    rows = db_session().execute(
        select(Certification.person_id, Certification.track_id, func.max(Certification.cycle))
        .where(Certification.person_id.in_(person_ids), Certification.track_id.in_(track_ids))
        .group_by(Certification.person_id, Certification.track_id)
    )
    return {(p, t): n for p, t, n in rows}


def track_chains(track_id: int, person_ids: list[int] | None = None) -> dict[int, list[CycleFacts]]:
    """person -> their live cycles on a track in the order granted, as planned; one query.

    Everyone's, or only those of ``person_ids`` (a few thousand at most: one IN list).
    """
    taught = aliased(CourseSession)
    query = (
        select(
            Certification.person_id,
            Certification.id,
            Certification.granted_on,
            Certification.valid_from,
            Certification.expires_on,
            Certification.source,
            func.coalesce(Completion.course_id, taught.course_id),
        )
        .outerjoin(Completion, Completion.id == Certification.completion_id)
        .outerjoin(taught, taught.id == Certification.taught_session_id)
        .where(Certification.track_id == track_id, Certification.revoked_at.is_(None))
        .order_by(Certification.person_id, Certification.granted_on, Certification.id)
    )
    if person_ids is not None:
        query = query.where(Certification.person_id.in_(person_ids))
    rows = db_session().execute(query)
    chains: dict[int, list[CycleFacts]] = {}
    for person_id, *facts in rows:
        chains.setdefault(person_id, []).append(CycleFacts(*facts))
    return chains
