"""An officer sees, in a real browser, whether they are current and when they are due."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.formatting import format_local_date

pytestmark = pytest.mark.browser


def test_officer_sees_status_and_due_date(page, make, program, browser_sign_in):
    today = program.today
    rivera = program.officer("Ofc. Sofia Rivera")
    program.certify(rivera, program.instructor_track, expires_on=today + timedelta(days=900))
    program.certify(rivera, program.alerrt, expires_on=today + timedelta(days=40))
    session = program.future_session(in_days=21, location="MPD Training Center")

    browser_sign_in(rivera)

    panel = page.get_by_role("region", name="Your certification status")
    row = panel.get_by_role("row").filter(has_text="ALERRT active-threat response")
    expect(row.get_by_text("Due soon")).to_be_visible()
    assert f"Renew before {format_local_date(today + timedelta(days=40))}" in row.inner_text()
    assert "40 days left" in row.inner_text()
    enroll = row.get_by_role(
        "link", name=f"Enroll in ALERRT-REFRESH on {format_local_date(today + timedelta(days=21))}"
    )
    page.screenshot(path="/tmp/h4_officer_dashboard.png", full_page=True)
    enroll.click()
    page.wait_for_url(f"**/training/sessions/{session.id}#enroll")
    # The link lands on the enrollment panel, its button in sight.
    expect(page.locator("#enroll").get_by_role("button", name="Enroll")).to_be_in_viewport()
    expect(
        page.get_by_role("heading", name="ALERRT Active-Shooter Response Refresher")
    ).to_be_visible()
