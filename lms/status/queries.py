"""Certification status: current, due soon, expired or never, per person and track.

Status is derived from the certification cycles, never stored: the latest
expiry among live (not revoked) cycles granted by the day asked about decides
it. Every function here reads in a fixed number of queries, whatever the
number of people, so pages and reports stay flat as the department grows.

Here: the standing of some people on some tracks and a person's cycles.
Elsewhere: the officer's overview (:mod:`lms.status.overview`), everyone at once
(:mod:`lms.status.population`),
how tracks are earned (:mod:`lms.status.routes`), the cycle records the writes
plan from (:mod:`lms.status.cycles`), instructor qualification
(:mod:`lms.status.qualification`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..core import db_session, local_today
from ..models import (
    SESSION_LISTING,
    Certification,
    CertificationTrack,
    Completion,
    Course,
)
from .cycles import counts_on


class CertificationState(enum.StrEnum):
    CURRENT = "current"
    DUE_SOON = "due_soon"
    EXPIRED = "expired"
    NEVER = "never"

    @property
    def label(self) -> str:
        return {
            "current": "Current",
            "due_soon": "Due soon",
            "expired": "Expired",
            "never": "Never certified",
        }[self.value]


#: Display order of states: best first.
STATE_ORDER = (
    CertificationState.CURRENT,
    CertificationState.DUE_SOON,
    CertificationState.EXPIRED,
    CertificationState.NEVER,
)


@dataclass(frozen=True)
class TrackStatus:
    """A person's standing on one track on one day."""

    track: CertificationTrack
    state: CertificationState
    expires_on: date | None = None

    @property
    def due_on(self) -> date | None:
        """The day renewal is due: the day the certification lapses."""
        return self.expires_on

    @property
    def window_opens_on(self) -> date | None:
        if self.expires_on is None:
            return None
        return self.expires_on - timedelta(days=self.track.renewal_window_days)

    @property
    def is_current(self) -> bool:
        """Certified today (due soon still counts as certified)."""
        return self.state in (CertificationState.CURRENT, CertificationState.DUE_SOON)


def state_on(track: CertificationTrack, expires_on: date | None, day: date) -> CertificationState:
    """The state for a latest expiry of ``expires_on`` (None: never certified)."""
    if expires_on is None:
        return CertificationState.NEVER
    if day >= expires_on:
        return CertificationState.EXPIRED
    if day >= expires_on - timedelta(days=track.due_soon_days):
        return CertificationState.DUE_SOON
    return CertificationState.CURRENT


def latest_expiries(
    person_ids: Iterable[int], track_ids: Iterable[int], day: date
) -> dict[tuple[int, int], date]:
    """(person, track) -> latest expiry of live cycles granted on or before ``day``; one query."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    rows = db_session().execute(
        _latest_expiries_statement(),
        {"person_ids": person_ids, "track_ids": track_ids, "day": day},
    )
    return {(p, t): expiry for p, t, expiry in rows}


@cache
def _latest_expiries_statement() -> Select:
    """Built once per process; ``person_ids``, ``track_ids`` and ``day`` are bound per call."""
    return (
        select(Certification.person_id, Certification.track_id, func.max(Certification.expires_on))
        .where(
            Certification.person_id.in_(bindparam("person_ids", expanding=True)),
            Certification.track_id.in_(bindparam("track_ids", expanding=True)),
            counts_on(bindparam("day")),
        )
        .group_by(Certification.person_id, Certification.track_id)
    )


@cache
def _all_tracks_statement() -> Select:
    return select(CertificationTrack).order_by(CertificationTrack.name)


def all_tracks() -> list[CertificationTrack]:
    """Every certification track, by name."""
    return list(db_session().scalars(_all_tracks_statement()))


def statuses_for(
    person_ids: Iterable[int],
    tracks: list[CertificationTrack] | None = None,
    day: date | None = None,
) -> dict[tuple[int, int], TrackStatus]:
    """Status of every (person, track) pair, in two queries whatever the number of people."""
    tracks = tracks if tracks is not None else all_tracks()
    day = day or local_today()
    person_ids = list(person_ids)
    expiries = latest_expiries(person_ids, [t.id for t in tracks], day)
    return {
        (person_id, track.id): TrackStatus(
            track,
            state_on(track, expiries.get((person_id, track.id)), day),
            expiries.get((person_id, track.id)),
        )
        for person_id in person_ids
        for track in tracks
    }


def track_status(person_id: int, track: CertificationTrack, day: date | None = None) -> TrackStatus:
    """One person's status on one track."""
    return statuses_for([person_id], [track], day)[(person_id, track.id)]


def is_current(person_id: int, track: CertificationTrack, day: date | None = None) -> bool:
    """Whether the person is certified on ``track`` on ``day`` (due soon counts)."""
    return track_status(person_id, track, day).is_current


@cache
def _tracks_statement() -> Select:
    """Every track by name, with the latest expiry of the live cycles of ``person_id``
    granted by ``day`` (both bound per call; NULL: none). Built once."""
    latest = (
        select(func.max(Certification.expires_on))
        .where(
            Certification.track_id == CertificationTrack.id,
            Certification.person_id == bindparam("person_id"),
            counts_on(bindparam("day")),
        )
        .correlate(CertificationTrack)
        .scalar_subquery()
    )
    return select(CertificationTrack, latest).order_by(CertificationTrack.name)


def person_statuses(person_id: int, day: date) -> list[TrackStatus]:
    """One person's status on every track, by track name: one statement, where
    :func:`statuses_for` takes two (the tracks, then the expiries)."""
    rows = db_session().execute(_tracks_statement(), {"person_id": person_id, "day": day})
    return [TrackStatus(track, state_on(track, expiry, day), expiry) for track, expiry in rows]


# --- cycles (history) ----------------------------------------------------------


@cache
def _cycles_statement() -> Select:
    """A person's cycles (``person_id`` bound per call) with what earned each; built once.

    The completion and its course ride along in the same statement; a taught
    session comes with its meetings (its day) but not its instructors, and no
    course brings its prerequisites: the history names a code and a day.
    """
    return (
        select(Certification)
        .where(Certification.person_id == bindparam("person_id"))
        .options(
            joinedload(Certification.completion)
            .joinedload(Completion.course)
            .lazyload(Course.prerequisites),
            selectinload(Certification.taught_session).options(*SESSION_LISTING),
        )
        .order_by(Certification.granted_on.desc(), Certification.id.desc())
    )


def cycles_of(person_id: int) -> list[Certification]:
    """Every cycle of a person on every track, revoked ones included, newest first."""
    return list(db_session().scalars(_cycles_statement(), {"person_id": person_id}))
