"""Certification status: current, due soon, expired or never, per person and track.

Status is derived from the certification cycles, never stored: the latest
expiry among cycles granted by the day asked about decides it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from ..core import db_session, local_today
from ..models import Certification, CertificationTrack


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
    if day >= expires_on - timedelta(days=track.renewal_window_days):
        return CertificationState.DUE_SOON
    return CertificationState.CURRENT


def latest_expiries(
    person_ids: Iterable[int], track_ids: Iterable[int], day: date
) -> dict[tuple[int, int], date]:
    """(person, track) -> latest expiry among cycles granted on or before ``day``; one query."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    rows = db_session().execute(
        select(Certification.person_id, Certification.track_id, func.max(Certification.expires_on))
        .where(
            Certification.person_id.in_(person_ids),
            Certification.track_id.in_(track_ids),
            Certification.granted_on <= day,
        )
        .group_by(Certification.person_id, Certification.track_id)
    )
    return {(p, t): expiry for p, t, expiry in rows}


def all_tracks() -> list[CertificationTrack]:
    return list(db_session().scalars(select(CertificationTrack).order_by(CertificationTrack.name)))


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
    return track_status(person_id, track, day).is_current
