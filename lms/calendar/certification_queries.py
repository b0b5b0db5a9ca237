"""Reads of a person's certification dates for their private feed: due dates and window openings.

Each track a person holds or held gives two all-day events (the renewal window
opening, and the expiry), dated from :mod:`lms.status` and numbered (SEQUENCE,
DTSTAMP) from the person's cycle history, read in one small query that also
serves the feed's ETag. Their UIDs are keyed hashes that name neither the
person nor the host.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, bindparam, func, select

from ..core import read
from ..models import Certification
from ..status.queries import TrackStatus, person_statuses
from .queries import PERSON
from .render import CertificationEntry, DateKind


@dataclass(frozen=True)
class CertificationDates:
    """A person's standing on one track, with what its calendar events need."""

    status: TrackStatus
    sequence: int  # rises with every cycle granted or revoked: the events' SEQUENCE
    stamp: datetime  # the latest such record: the events' DTSTAMP


#: Per track the person holds or held: the cycles granted by a day, how many were
#: revoked, and the latest record (the events' SEQUENCE and DTSTAMP).
_CYCLE_HISTORY = (
    select(
        Certification.track_id,
        func.count(Certification.id),
        func.count(Certification.revoked_at),
        func.max(Certification.created_at),
        func.max(Certification.revoked_at),
    )
    .where(
        Certification.person_id == bindparam(PERSON),
        Certification.granted_on <= bindparam("today", type_=Date()),
    )
    .group_by(Certification.track_id)
    .order_by(Certification.track_id)
)


def certification_history(person_id: int, today: date) -> tuple:
    """The person's cycles per track, as of ``today``: one small query."""
    rows = read(_CYCLE_HISTORY, {PERSON: person_id, "today": today})
    return tuple(tuple(row) for row in rows)


def certification_dates(person_id: int, today: date, history: tuple) -> list[CertificationDates]:
    """Due dates (from lms.status) of the tracks in ``history``, with SEQUENCE and DTSTAMP."""
    if not history:
        return []
    by_track = {
        track_id: (granted + revoked, max(filter(None, (recorded, revoked_at))))
        for track_id, granted, revoked, recorded, revoked_at in history
    }
    dates = []
    for status in sorted(person_statuses(person_id, today), key=lambda s: s.track.id):
        if status.expires_on is not None and status.track.id in by_track:
            dates.append(CertificationDates(status, *by_track[status.track.id]))
    return dates


def certification_entries(
    person_id: int, today: date, history: tuple, key: bytes, url: str
) -> list[CertificationEntry]:
    """All-day events for each track: the renewal window opening, and the expiry."""
    entries = []
    for found in certification_dates(person_id, today, history):
        track = found.status.track
        kinds = [DateKind.EXPIRES]
        if track.renewal_window_days > 0:
            kinds.append(DateKind.WINDOW_OPENS)
        entries += [
            CertificationEntry(
                uid=date_uid(key, person_id, track.id, kind.value),
                kind=kind,
                track_name=track.name,
                expires_on=found.status.expires_on,
                window_opens_on=found.status.window_opens_on,
                sequence=found.sequence,
                stamp=found.stamp,
                url=url,
            )
            for kind in kinds
        ]
    return entries


def date_uid(key: bytes, person_id: int, track_id: int, kind: str) -> str:
    """A stable UID for a certification date that reveals neither person nor host.

    A keyed hash (HMAC-SHA256, key derived from the app's secret): stable while
    the secret is, and without the key the ids cannot be recovered or guessed.
    """
    message = f"lms-calendar-date:{person_id}:{track_id}:{kind}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def uid_key(secret: str | bytes) -> bytes:
    """The UID key: derived from the app secret, never the secret itself."""
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"lms.calendar.uid", hashlib.sha256).digest()
