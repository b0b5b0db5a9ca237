"""Each role's everyday errand, in Chromium, counted in clicks from the dashboard.

The budgets are the issue's: an officer sees whether they are current with no
click after signing in; a group coordinator enrolls a 30-person roster in at
most 4 steps; an instructor goes from attendance to issued certificates in at
most 4 clicks. Every click (and every file chosen) goes through :class:`Clicks`.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from lms.formatting import format_local_date
from lms.models import Certificate, Enrollment, EnrollmentStatus, Role
from tests.status.program import Program

pytestmark = pytest.mark.browser


class Clicks:
    """A journey's clicks: each one counted, so the test can hold it to its budget."""

    def __init__(self, page: Page):
        self.page = page
        self.count = 0

    def click(self, target: Locator) -> None:
        self.count += 1
        target.click()

    def check(self, box: Locator) -> None:
        self.count += 1
        box.check()

    def choose_file(self, field: Locator, path) -> None:
        """Choosing a file is a click on the field and one in the file dialog: one step."""
        self.count += 1
        field.set_input_files(str(path))

    def download(self, target: Locator) -> bytes:
        with self.page.expect_download() as info:
            self.click(target)
        return info.value.path().read_bytes()


@pytest.fixture
def program(make):
    return Program(make)


def test_an_officer_sees_their_status_without_a_click_and_copies_their_calendar_link(
    page, program, browser_sign_in
):
    today = program.today
    rivera = program.officer("Ofc. Sofia Rivera")
    program.certify(rivera, program.alerrt, expires_on=today + timedelta(days=40))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    clicks = Clicks(page)

    browser_sign_in(rivera)

    # Zero clicks: the dashboard answers "am I current, and when am I due?".
    status = page.get_by_role("region", name="Your certification status")
    row = status.get_by_role("row").filter(has_text="ALERRT active-threat response")
    expect(row.get_by_text("Due soon")).to_be_visible()
    expect(row).to_contain_text(f"Renew before {format_local_date(today + timedelta(days=40))}")
    assert clicks.count == 0

    # The dashboard mentions the private calendar feed; one click makes the link,
    # one more copies it.
    calendar = page.get_by_role("region", name="Your calendar")
    expect(calendar).to_contain_text("certification due dates")
    clicks.click(calendar.get_by_role("button", name="Get my private calendar link"))
    url = page.get_by_role("textbox", name="Your private feed: https link").input_value()
    assert "/training/calendar/private/" in url
    clicks.click(page.get_by_role("button", name="Copy link: your private feed"))
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    assert clicks.count == 2


def test_a_group_coordinator_enrolls_a_roster_of_30_in_four_steps(
    page, make, program, browser_sign_in, tmp_path
):
    school = make.group("Big Sky High School")
    principal = make.person(Role.GROUP_COORDINATOR, organization=school, name="Dana Principal")
    session = program.future_session(program.crase, in_days=20, capacity=40)
    browser_sign_in(principal)
    clicks = Clicks(page)

    clicks.click(
        page.get_by_role(
            "link",
            name=f"CRASE: Avoid, Deny, Defend, {format_local_date(session.first_day)}",
        )
    )
    template = clicks.download(page.get_by_role("link", name="Download the roster template (CSV)"))
    # The office fills in the template in its spreadsheet: the header as downloaded.
    header = next(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    assert header == ["name", "email", "phone", "role"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for n in range(30):
        writer.writerow([f"Staff Member {n:02d}", f"staff{n:02d}@bigsky.test", "", "Teacher"])
    roster = tmp_path / "roster.csv"
    roster.write_bytes(template[: template.index(b"name")] + out.getvalue().encode())
    clicks.choose_file(page.get_by_label("Roster file (CSV)"), roster)
    clicks.click(page.get_by_role("button", name="Upload roster"))

    expect(page.get_by_text("30 people of Big Sky High School are enrolled.")).to_be_visible()
    table = page.get_by_role("table", name="Your people in this session")
    expect(table.get_by_role("row").filter(has_text="Enrolled")).to_have_count(30)
    expect(table.get_by_role("row").filter(has_text="Staff Member 29")).to_be_visible()
    assert clicks.count <= 4, clicks.count
    make.db.expire_all()
    assert session.seats_taken == 30


@pytest.mark.parametrize("issue", ["while finalizing", "after finalizing"])
def test_an_instructor_goes_from_attendance_to_certificates_in_four_clicks(
    page, make, program, browser_sign_in, issue
):
    hayes = program.instructor("Sgt. Erin Hayes")
    session = program.past_session(days_ago=1, lead=hayes)
    officers = program.officers("Ofc. Sofia Rivera", "Ofc. Marcus Bell", "Ofc. Dana Whitehorse")
    program.enroll(session, *officers)
    browser_sign_in(hayes)
    clicks = Clicks(page)

    clicks.click(
        page.get_by_role("region", name="Rosters to finalize").get_by_role(
            "link", name="ALERRT Active-Shooter Response Refresher (ALERRT-REFRESH)"
        )
    )
    clicks.click(page.get_by_role("button", name="Mark everyone present"))
    expect(page.get_by_text("Attendance saved: 3 present, 0 absent.")).to_be_visible()
    if issue == "while finalizing":
        clicks.check(page.get_by_label("Issue the certificates of everyone who completes"))
        clicks.click(page.get_by_role("button", name="Finalize roster"))
        expect(page.get_by_text("Issued 3 certificates.")).to_be_visible()
        expect(page.get_by_text("3 of 3 completions have a certificate.")).to_be_visible()
    else:
        clicks.click(page.get_by_role("button", name="Finalize roster"))
        expect(page.get_by_text("Roster finalized: 3 completed")).to_be_visible()
        expect(page.get_by_text("0 of 3 completions have a certificate.")).to_be_visible()
        clicks.click(page.get_by_role("button", name="Issue all certificates"))
        expect(page.get_by_text("Issued 3 certificates.")).to_be_visible()
        for officer in officers:
            row = page.get_by_role("row").filter(has_text=officer.full_name)
            expect(row.get_by_role("link", name="Download")).to_be_visible()
    assert clicks.count <= 4, clicks.count
    make.db.expire_all()
    certificates = make.db.query(Certificate).filter_by(course_id=session.course_id).all()
    assert sorted(c.holder_name for c in certificates) == sorted(o.full_name for o in officers)
    enrollments = make.db.query(Enrollment).filter_by(session_id=session.id).all()
    assert {e.status for e in enrollments} == {EnrollmentStatus.COMPLETED}
