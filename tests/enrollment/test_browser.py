"""In Chromium: a school uploads its roster; an officer joins a full session's waitlist."""

import pytest
from playwright.sync_api import expect

from lms.models import EnrollmentStatus, Role

pytestmark = pytest.mark.browser


def test_a_school_coordinator_uploads_a_roster_and_sees_the_group_enrolled(
    page, make, browser_sign_in, crase, school, school_coordinator, tmp_path
):
    session = make.session(crase, capacity=20, location="Big Sky High Gym")
    roster = tmp_path / "big-sky-staff.csv"
    roster.write_text(
        "name,email,phone,role\n"
        "Avery Lee,avery@bigsky.test,406-555-0101,Teacher\n"
        "Jordan Kim,jordan@bigsky.test,,Counselor\n"
        "Sam Ortiz,sam@bigsky.test,,Custodian\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAvery Lee,avery@bigsky\n,jordan@bigsky.test\n", encoding="utf-8")

    browser_sign_in(school_coordinator)
    page.get_by_role("link", name="Big Sky High School: seats and people").click()
    page.get_by_role("row").filter(has_text="CRASE: Avoid, Deny, Defend").get_by_role(
        "link", name="Seats and people"
    ).click()

    # A bad file first: every bad line is listed and nobody is enrolled.
    page.get_by_label("Roster file (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload roster").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nothing was imported. 2 lines of the file have problems.")
    expect(summary).to_contain_text("Line 2:")
    expect(summary).to_contain_text("Line 3: the name is empty.")
    page.screenshot(path=str(tmp_path / "roster-refused.png"), full_page=True)
    expect(page.get_by_text("Nobody named yet.")).to_be_visible()
    page.get_by_label("Roster file (CSV)").set_input_files(str(roster))
    page.get_by_role("button", name="Upload roster").click()
    expect(page.get_by_text("3 people of Big Sky High School are enrolled.")).to_be_visible()
    table = page.locator("table", has=page.get_by_text("avery@bigsky.test"))
    for name in ("Avery Lee", "Jordan Kim", "Sam Ortiz"):
        row = table.get_by_role("row").filter(has_text=name)
        assert "Enrolled" in row.inner_text()
    assert "3 named" in page.locator("#group-seats").inner_text()
    make.db.expire_all()
    assert len(session.group_allocations) == 0 and session.seats_taken == 3
    page.screenshot(path=str(tmp_path / "group-roster.png"), full_page=True)

    # The group page lists them, each ready for a sign-up link.
    page.get_by_role("link", name="Big Sky High School").first.click()
    page.get_by_role("button", name="Send a new sign-up link to Jordan Kim").click()
    link = page.get_by_role("textbox", name="Sign-up link for Jordan Kim").input_value()
    assert "/training/claim/" in link
    page.screenshot(path=str(tmp_path / "claim-link.png"), full_page=True)


def test_an_officer_joins_a_full_session_and_sees_their_place_in_line(
    page, make, browser_sign_in, refresher, department, tmp_path
):
    session = make.session(refresher, capacity=2, location="MPD Training Center")
    for _ in range(2):
        make.enrollment(session, make.person(Role.OFFICER))
    make.enrollment(session, make.person(Role.OFFICER), status=EnrollmentStatus.WAITLISTED)
    officer = make.person(Role.OFFICER, organization=department, name="Ofc. Sofia Rivera")

    browser_sign_in(officer)
    page.get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="ALERRT Refresher").click()
    expect(page.get_by_text("Full · 1 waiting")).to_be_visible()
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_text("The session is full: You are #2 on the waitlist")).to_be_visible()
    expect(page.get_by_text("You are #2 on the waitlist.")).to_be_visible()
    page.screenshot(path=str(tmp_path / "waitlisted.png"), full_page=True)

    page.get_by_role("link", name="Dashboard").click()
    row = page.get_by_role("row").filter(has_text="ALERRT Refresher")
    assert "#2 on the waitlist" in row.inner_text()
    assert "Waitlisted" in row.inner_text()
