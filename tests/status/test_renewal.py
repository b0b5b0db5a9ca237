"""When a completion or a taught session starts a cycle, and the cycle's dates.

Pure rules (no database): every path through lms.status.renewal, across dates.
"""

from datetime import date, timedelta

import pytest

from lms.models import CertificationTrack, RenewalBasis
from lms.status.renewal import CyclePlan, NoCycle, plan_cycle


def track(validity=12, window=90, basis=RenewalBasis.PREVIOUS_EXPIRY):
    return CertificationTrack(
        code="T",
        name="Track",
        validity_months=validity,
        renewal_window_days=window,
        renewal_basis=basis,
    )


EXPIRY = date(2027, 6, 30)  # the previous cycle lapses on this day
OPENS = EXPIRY - timedelta(days=90)  # 2027-04-01: the renewal window opens


def test_first_completion_of_a_granting_course_counts_from_completion():
    plan = plan_cycle(track(), None, date(2026, 3, 10), grants=True)
    assert plan == CyclePlan(date(2026, 3, 10), date(2027, 3, 10), plan.explanation)
    assert "first certification" in plan.explanation


def test_a_renewal_only_course_grants_nothing_to_someone_never_certified():
    plan = plan_cycle(track(), None, date(2026, 3, 10), grants=False)
    assert isinstance(plan, NoCycle)
    assert "renews a current certification only" in plan.reason


@pytest.mark.parametrize("day", [OPENS, OPENS + timedelta(days=45), EXPIRY - timedelta(days=1)])
def test_renewal_inside_the_window_counts_from_the_previous_expiry(day):
    plan = plan_cycle(track(), EXPIRY, day, grants=True)
    assert (plan.valid_from, plan.expires_on) == (EXPIRY, date(2028, 6, 30))
    assert "inside the renewal window" in plan.explanation


def test_renewal_inside_the_window_counts_from_completion_when_the_track_says_so():
    day = date(2027, 5, 15)
    plan = plan_cycle(track(basis=RenewalBasis.COMPLETION), EXPIRY, day, grants=True)
    assert (plan.valid_from, plan.expires_on) == (day, date(2028, 5, 15))


def test_renewal_before_the_window_restarts_the_clock_from_completion():
    day = OPENS - timedelta(days=1)  # 2027-03-31, one day too early for the window
    plan = plan_cycle(track(), EXPIRY, day, grants=True)
    assert (plan.valid_from, plan.expires_on) == (day, date(2028, 3, 31))
    assert "before the renewal window" in plan.explanation


def test_an_early_completion_that_would_shorten_the_certification_starts_no_cycle():
    # A six-month track renewed nine months ahead of a long imported expiry.
    plan = plan_cycle(track(validity=6), date(2027, 12, 31), date(2027, 3, 1), grants=True)
    assert isinstance(plan, NoCycle)
    assert "would not extend" in plan.reason


def test_after_a_lapse_the_granting_course_certifies_again_from_completion():
    day = EXPIRY + timedelta(days=20)
    plan = plan_cycle(track(), EXPIRY, day, grants=True)
    assert (plan.valid_from, plan.expires_on) == (day, date(2028, 7, 20))
    assert "lapsed on 2027-06-30" in plan.explanation


def test_on_the_expiry_day_itself_the_certification_has_lapsed():
    plan = plan_cycle(track(), EXPIRY, EXPIRY, grants=False)
    assert isinstance(plan, NoCycle) and "lapsed on 2027-06-30" in plan.reason


def test_teaching_inside_the_window_renews_from_the_previous_expiry():
    plan = plan_cycle(
        track(36, 180), EXPIRY, EXPIRY - timedelta(days=30), grants=False, teaching=True
    )
    assert (plan.valid_from, plan.expires_on) == (EXPIRY, date(2030, 6, 30))


def test_teaching_before_the_window_renews_nothing_and_says_when_it_opens():
    plan = plan_cycle(track(36, 180), EXPIRY, date(2026, 1, 1), grants=False, teaching=True)
    assert plan == NoCycle("the renewal window opens on 2027-01-01")


@pytest.mark.parametrize("previous", [None, EXPIRY])
def test_teaching_never_certifies_someone_lapsed_or_never_certified(previous):
    plan = plan_cycle(track(), previous, EXPIRY + timedelta(days=1), grants=True, teaching=True)
    assert isinstance(plan, NoCycle)
    assert plan.reason.startswith("teaching a session renews a current certification only")


def test_validity_is_counted_in_calendar_months_clamped_to_the_month_end():
    plan = plan_cycle(track(validity=1), None, date(2027, 1, 31), grants=True)
    assert plan.expires_on == date(2027, 2, 28)
