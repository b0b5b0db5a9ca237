"""In Chromium: a coordinator schedules a two-day session, then cancels it with a reason."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from lms.models import CourseSession, EnrollmentStatus, Role, SessionStatus

pytestmark = pytest.mark.browser


def test_a_coordinator_schedules_a_session_and_cancels_it(
    page, make, browser_sign_in, coordinator, refresher, instructor, department, tmp_path
):
    make.person(Role.INSTRUCTOR, Role.OFFICER, organization=department, name="Sam Other")
    browser_sign_in(coordinator)
    page.get_by_role("link", name="Schedule a session").first.click()
    page.get_by_label("Course").select_option(label="ALERRT-REFRESH — ALERRT Refresher")
    page.get_by_label("Location").fill("MPD Training Center")
    page.get_by_label("Capacity (seats)").fill("16")
    day = date.today() + timedelta(days=40)
    for n, when in ((1, day), (2, day + timedelta(days=1))):
        page.get_by_label(f"Meeting {n} date").fill(when.isoformat())
        page.get_by_label(f"Meeting {n} starts").fill("08:00")
        page.get_by_label(f"Meeting {n} ends").fill("16:00")
    # Instructors are ticked, not Ctrl-clicked; the filter narrows the list as one types.
    leads = page.get_by_role("group", name="Lead instructors")
    leads.get_by_label("Filter lead instructors").fill("hayes")
    expect(leads.get_by_text("1 of 2 shown")).to_be_visible()
    expect(leads.get_by_label("Sam Other (Missoula Police Department)")).to_be_hidden()
    leads.get_by_label("Erin Hayes (Missoula Police Department)").check()
    page.screenshot(path=str(tmp_path / "session-form.png"), full_page=True)
    page.get_by_role("button", name="Save session").click()

    expect(page.get_by_text("The ALERRT-REFRESH session is scheduled.")).to_be_visible()
    expect(page.get_by_text("16 of 16 seats left")).to_be_visible()
    make.db.expire_all()
    session = make.db.query(CourseSession).one()
    assert len(session.meetings) == 2 and session.lead_instructors == [instructor]

    # Officers enroll; then the class has to be called off.
    seated = make.enrollment(session, make.person(Role.OFFICER, name="Ofc. Sofia Rivera"))
    page.get_by_role("link", name="Cancel session…").click()
    expect(page.get_by_role("heading", name="Cancel this session?")).to_be_visible()
    expect(page.get_by_text("1 enrolled, 0 on the waitlist")).to_be_visible()
    page.get_by_role("button", name="Cancel the session").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Why is it cancelled? Say why the session is cancelled.")
    expect(page.locator("#reason-error")).to_have_text("Say why the session is cancelled.")
    page.get_by_label("Why is it cancelled?").fill("Range closed for repairs")
    page.get_by_role("button", name="Cancel the session").click()

    expect(page.get_by_text("everyone's place in it is cancelled")).to_be_visible()
    expect(page.get_by_text("This session is cancelled: Range closed for repairs.")).to_be_visible()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()
    page.screenshot(path=str(tmp_path / "cancelled.png"), full_page=True)
    make.db.expire_all()
    assert session.status is SessionStatus.CANCELLED and session.revision == 1
    assert seated.status is EnrollmentStatus.CANCELLED

    page.get_by_role("link", name="Enrollments and waitlist of this session").click()
    row = page.get_by_role("row").filter(has_text="Ofc. Sofia Rivera")
    assert "Range closed for repairs" in row.inner_text() and "Pat Coordinator" in row.inner_text()
