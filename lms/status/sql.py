"""Certification status in SQL: the rule of :func:`~lms.status.queries.state_on`, as clauses.

Pages that filter, sort, page and count thousands of people by status (the
people directory, the compliance report) must do it in the database rather
than load everyone. These clauses say the same thing as ``state_on`` over the
latest live expiry of ``latest_expiries``; ``tests/people/test_directory.py``
and ``tests/compliance/test_counting.py`` hold them to it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.sql.selectable import ScalarSelect

from ..models import Certification, CertificationTrack
from .cycles import counts_on
from .queries import CertificationState


def next_expiry(person_id, track_ids: list[int], day: date) -> ScalarSelect:
    """When the person ``person_id`` (a column) is next due on these tracks (NULL: never).

    The soonest of their latest live expiries (granted by ``day``) per track.
    Correlated, so the database looks up only the people already filtered,
    each from the status index, instead of aggregating every cycle.
    """
    latest = (
        select(func.max(Certification.expires_on).label("expires_on"))
        .where(
            Certification.person_id == person_id,
            Certification.track_id.in_(track_ids or [-1]),
            counts_on(day),
        )
        .group_by(Certification.track_id)
        .correlate_except(Certification)
        .subquery("latest_per_track")
    )
    return select(func.min(latest.c.expires_on)).scalar_subquery()


def state_clause(
    track: CertificationTrack, state: CertificationState, person_id, day: date
) -> ColumnElement[bool]:
    """True where the person ``person_id`` (a column) is in ``state`` on ``track`` on ``day``.

    Written as (anti-)semi-joins on the person's live cycles rather than over
    their latest expiry: "the latest expiry is after X" is "some live cycle
    expires after X", which the database answers from the status index
    without aggregating every cycle of the department first.
    """

    def held(*conditions) -> ColumnElement[bool]:
        return exists().where(
            Certification.person_id == person_id,
            Certification.track_id == track.id,
            counts_on(day),
            *conditions,
        )

    due_soon_until = day + timedelta(days=track.due_soon_days)
    if state is CertificationState.NEVER:
        return ~held()
    if state is CertificationState.EXPIRED:
        return and_(held(), ~held(Certification.expires_on > day))
    if state is CertificationState.DUE_SOON:
        return and_(
            held(Certification.expires_on > day), ~held(Certification.expires_on > due_soon_until)
        )
    return held(Certification.expires_on > due_soon_until)


def state_case(
    tracks: list[CertificationTrack], track_id, expires_on, day: date
) -> ColumnElement[str]:
    """The :class:`CertificationState` value for a latest expiry ``expires_on`` (a column,
    NULL: never certified) on the track ``track_id`` (a column, one of ``tracks``) on ``day``.

    The rule of ``state_on``, for counting and filtering a whole population in
    the database: each track's "due soon" window ends on its own day.
    """
    due_soon_until = case(
        {t.id: day + timedelta(days=t.due_soon_days) for t in tracks}, value=track_id
    )
    return case(
        (expires_on.is_(None), CertificationState.NEVER.value),
        (expires_on <= day, CertificationState.EXPIRED.value),
        (expires_on <= due_soon_until, CertificationState.DUE_SOON.value),
        else_=CertificationState.CURRENT.value,
    )
