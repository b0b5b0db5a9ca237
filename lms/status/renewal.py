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

from dataclasses import dataclass
from datetime import date, timedelta

from ..dates import add_months
from ..models import CertificationTrack, RenewalBasis


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
