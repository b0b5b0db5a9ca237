"""What a process keeps of the compliance report, until anyone's standing changes.

Counting a department's standing aggregates every certification cycle (tens of
milliseconds of the database's time on 10,000 officers, on every page); it changes
only when a cycle, a required role, a track or a person's listed details do
(:data:`lms.models.stamps.STANDING`, migration 0020), or the catalog behind the
tracks' required roles. So the counts and pages are kept per process under both
stamps (:mod:`lms.site_cache`), as plain tuples, and made into the report's rows
again for each request; the day is part of the key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from .. import site_cache
from ..core import db_session
from ..models import CertificationTrack
from ..status.population import Standing
from ..status.queries import CertificationState, state_on

#: Counts as kept: ((track id, organization id), ((state value, how many), ...)), ...
Counts = tuple[tuple[tuple[int, int], tuple[tuple[str, int], ...]], ...]
#: A listed row as kept: person id, name, badge, organization id, track id, expiry.
Row = tuple[int, str, "str | None", int, int, "date | None"]


def key(
    kind: str, day: date, scope: set[int] | None, tracks: list[CertificationTrack], *rest
) -> tuple:
    return (
        kind,
        day,
        None if scope is None else frozenset(scope),
        tuple(t.id for t in tracks),
        *rest,
    )


def remember(key: tuple, build: Callable[[], tuple]) -> tuple:
    """``build()``, or what this process kept of it since anyone's standing last changed."""
    return site_cache.remember(db_session(), key, build, stamps=site_cache.STANDING_STAMPS)


def keep_counts(counts: dict[tuple[int, int], Counter]) -> Counts:
    return tuple((pair, tuple((s.value, n) for s, n in c.items())) for pair, c in counts.items())


def counts_of(kept: Counts) -> dict[tuple[int, int], Counter]:
    return {pair: Counter({CertificationState(s): n for s, n in c}) for pair, c in kept}


def keep_rows(rows: list[Standing]) -> tuple[Row, ...]:
    return tuple(
        (r.person_id, r.full_name, r.badge_number, r.organization_id, r.track.id, r.expires_on)
        for r in rows
    )


def rows_of(kept: tuple[Row, ...], tracks: list[CertificationTrack], day: date) -> list[Standing]:
    by_id = {t.id: t for t in tracks}
    return [
        Standing(pid, name, badge, org, by_id[tid], state_on(by_id[tid], expires, day), expires)
        for pid, name, badge, org, tid, expires in kept
    ]
