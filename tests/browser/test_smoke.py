"""A person signs in with a real browser and sees their own dashboard."""

import pytest

from lms.models import Role

pytestmark = pytest.mark.browser


def test_officer_signs_in_and_sees_their_sessions(page, make, browser_sign_in, tmp_path):
    dept = make.organization("Missoula Police Department")
    officer = make.person(Role.OFFICER, organization=dept, name="Ofc. Sofia Rivera")
    course = make.course("ALERRT-REFRESH", title="ALERRT Active-Shooter Response Refresher")
    session = make.session(course, location="MPD Training Center")
    make.enrollment(session, officer)

    browser_sign_in(officer)

    assert page.get_by_role("heading", name="Welcome, Ofc. Sofia Rivera").is_visible()
    row = page.get_by_role("row").filter(has_text="ALERRT Active-Shooter Response Refresher")
    assert row.is_visible()
    assert "MPD Training Center" in row.inner_text()
    assert "Enrolled" in row.inner_text()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    assert page.get_by_text("You are signed out.").is_visible()
