"""An instructor takes attendance and finalizes in a real browser; the officer is then current."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.dates import add_months
from lms.formatting import format_local_date
from tests.status.program import last_day

pytestmark = pytest.mark.browser


def test_instructor_marks_attendance_finalizes_and_the_officer_becomes_current(
    page, make, program, browser_sign_in
):
    hayes = program.instructor("Sgt. Erin Hayes")
    session = program.past_session(days_ago=2, lead=hayes, location="MPD Training Center")
    rivera, shah = program.officers("Ofc. Sofia Rivera", "Ofc. Priya Shah")
    program.certify(rivera, program.alerrt, expires_on=program.today - timedelta(days=20))
    program.enroll(session, rivera, shah)

    browser_sign_in(hayes)
    page.get_by_role("link", name="All rosters").click()
    page.get_by_role("link", name="ALERRT Active-Shooter Response Refresher").click()
    attendance = page.get_by_role("form", name="Attendance, day 1")
    attendance.get_by_role("button", name="Mark everyone present").click()
    expect(page.get_by_text("Attendance saved: 2 present, 0 absent.")).to_be_visible()
    expect(page.get_by_label("Ofc. Sofia Rivera")).to_be_checked()
    page.screenshot(path="/tmp/h4_roster_open.png", full_page=True)
    page.get_by_role("button", name="Finalize roster").click()
    expect(page.get_by_text("Roster finalized: 2 completed, 0 did not complete.")).to_be_visible()
    page.screenshot(path="/tmp/h4_roster_finalized.png", full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    browser_sign_in(rivera)
    row = (
        page.get_by_role("region", name="Your certification status")
        .get_by_role("row")
        .filter(has_text="ALERRT active-threat response")
    )
    expect(row.get_by_text("Current", exact=True)).to_be_visible()
    due = add_months(last_day(session), 12)
    assert f"Renew before {format_local_date(due)}" in row.inner_text()
