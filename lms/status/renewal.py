"""When a completion or a taught session starts a new certification cycle, and its dates.

A pure function of the track, the latest live cycle's expiry and the day:
every figure comes from the track (validity, window, basis), none is fixed.

The rules, for a completion on day ``d`` and a previous expiry ``E`` whose
renewal window opens on ``E - window``:

========================  ==========================  ============================
previous cycle            completing a course         teaching a session
========================  ==========================  ============================
none                      granting course: new cycle  nothing (teaching renews a
                          from ``d``; renewal-only     current certification only)
                          course: nothing
lapsed (``d >= E``)       granting course: new cycle  nothing
                          from ``d``; renewal-only
                          course: nothing
inside the window         from ``E`` (basis previous  same as completing
                          expiry) or ``d`` (basis
                          completion)
before the window         from ``d`` (an early        nothing: the window is not
                          renewal restarts the        open yet
                          clock), if that extends
                          the certification
========================  ==========================  ============================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count

from ..dates import add_months
from ..models import CertificationSource, CertificationTrack, RenewalBasis


@dataclass(frozen=True)
class CyclePlan:
    """A new cycle to record: its dates and why they are what they are."""

    valid_from: date
    expires_on: date
    explanation: str


@dataclass(frozen=True)
class NoCycle:
    """No new cycle, and why (shown to the instructor and kept in the audit log)."""

    reason: str


def _window_opens(track: CertificationTrack, expires_on: date) -> date:
    return expires_on - timedelta(days=track.renewal_window_days)


def plan_cycle(
    track: CertificationTrack,
    previous_expiry: date | None,
    day: date,
    *,
    grants: bool,
    teaching: bool = False,
) -> CyclePlan | NoCycle:
    """The cycle earned on ``day`` on ``track``.

    ``grants``: the course completed grants the track (not only renews it).
    ``teaching``: the cycle would come from teaching a session, not completing one.
    """
    months = track.validity_months

    def from_day(explanation: str) -> CyclePlan:
        return CyclePlan(day, add_months(day, months), explanation)

    if previous_expiry is None or day >= previous_expiry:
        lapsed = previous_expiry is not None
        if grants and not teaching:
            return from_day(
                f"certification had lapsed on {previous_expiry.isoformat()}; counts from completion"
                if lapsed
                else "first certification; counts from completion"
            )
        what = "teaching a session" if teaching else "this course"
        state = f"lapsed on {previous_expiry.isoformat()}" if lapsed else "was never held"
        return NoCycle(f"{what} renews a current certification only; it {state}")

    opens = _window_opens(track, previous_expiry)
    if day >= opens:
        if track.renewal_basis is RenewalBasis.PREVIOUS_EXPIRY:
            return CyclePlan(
                previous_expiry,
                add_months(previous_expiry, months),
                "renewed inside the renewal window; counts from the previous expiry",
            )
        return from_day("renewed inside the renewal window; counts from completion")

    if teaching:
        return NoCycle(f"the renewal window opens on {opens.isoformat()}")
    plan = from_day("renewed before the renewal window opened; counts from completion")
    if plan.expires_on <= previous_expiry:
        return NoCycle(f"would not extend the current certification (expires {previous_expiry})")
    return plan


# --- planning a chain of cycles again -------------------------------------------------


@dataclass(frozen=True)
class CycleFacts:
    """What planning again needs of one live cycle (or of a replacement not yet recorded)."""

    id: int
    granted_on: date
    valid_from: date
    expires_on: date
    source: CertificationSource
    # The course completed, or the course of the session taught; None for an import.
    course_id: int | None


@dataclass(frozen=True)
class RouteCourses:
    """Which courses earn a track: granting it, renewing it by completion, by teaching."""

    granting: frozenset[int]
    completing: frozenset[int]
    teaching: frozenset[int]

    def earns(self, cycle: CycleFacts) -> bool:
        """Whether the completion or teaching behind ``cycle`` still counts for the track."""
        if cycle.source is CertificationSource.TEACHING:
            return cycle.course_id in self.teaching
        return cycle.course_id in self.granting | self.completing


# Ids of replacements not yet recorded: unique in the process (changes planned in one
# go are recorded together), and sorting after every recorded cycle, as they will.
_STAND_IN_IDS = count(1 << 62)


@dataclass(frozen=True)
class Replan:
    """A live cycle whose dates no longer hold: its new plan (or why none), from ``previous``."""

    cycle: CycleFacts
    plan: CyclePlan | NoCycle
    previous: CycleFacts | None
    # The replacement's stand-in in later plans (its ``previous``), when there is one.
    replacement: CycleFacts | None


def replan_chain(
    track: CertificationTrack,
    history: Iterable[CycleFacts],
    later: Iterable[CycleFacts],
    granting: frozenset[int] | set[int],
    renewing: RouteCourses | None = None,
) -> list[Replan]:
    """The cycles of ``later`` (in order) whose dates change under ``track``'s rules.

    Each is checked against the cycles before it, as when it was granted:
    ``history`` (cycles that stand), then the ones of ``later`` that keep their
    dates or their replacements. Imported cycles stand as recorded. With
    ``renewing``, a cycle whose course no longer earns the track gets no plan.
    """
    standing = list(history)
    changes = []
    for cycle in later:
        if cycle.source is CertificationSource.IMPORTED:
            standing.append(cycle)
            continue
        day = cycle.granted_on
        previous = max(
            (c for c in standing if c.granted_on <= day),
            key=lambda c: (c.expires_on, c.id),
            default=None,
        )
        teaching = cycle.source is CertificationSource.TEACHING
        if renewing is not None and not renewing.earns(cycle):
            what = "teaching" if teaching else "completing"
            plan: CyclePlan | NoCycle = NoCycle(f"{what} this course no longer renews {track.name}")
        else:
            plan = plan_cycle(
                track,
                previous.expires_on if previous else None,
                day,
                grants=not teaching and cycle.course_id in granting,
                teaching=teaching,
            )
        if isinstance(plan, CyclePlan) and (plan.valid_from, plan.expires_on) == (
            cycle.valid_from,
            cycle.expires_on,
        ):
            standing.append(cycle)
            continue
        replacement = None
        if isinstance(plan, CyclePlan):
            replacement = CycleFacts(
                next(_STAND_IN_IDS),
                day,
                plan.valid_from,
                plan.expires_on,
                cycle.source,
                cycle.course_id,
            )
            standing.append(replacement)
        changes.append(Replan(cycle, plan, previous, replacement))
    return changes
