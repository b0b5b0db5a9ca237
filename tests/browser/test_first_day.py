"""A department's first day: from an empty database to a printed transcript, in the browser.

The only steps outside the browser are the README's ("Starting a department",
step 1): create the tables and the first administrator. Everything else is
clicked and typed: naming the department, importing 200 officers and five
years of their ALERRT history, defining the track and its renewal paths,
inviting two instructors and a school's coordinator (who then sign in), and
printing an officer's transcript.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine

from lms import migrate
from lms.core import local_today
from lms.dates import add_months

pytestmark = pytest.mark.browser

ADMIN = ("chief.stone@mpd.example.org", "Chief Ada Stone")
PASSWORD = "Lantern-Kestrel-Harbor-19"
FIRST = [
    "Sofia", "Marcus", "Dana", "Luis", "Avery", "Priya", "Caleb", "Nora", "Diego", "Hannah",
    "Owen", "Grace", "Mateo", "Leah", "Tyler", "Aisha", "Cole", "Maya", "Ethan", "Ruth",
]  # fmt: skip
LAST = [
    "Rivera", "Hayes", "Okafor", "Nguyen", "Bauer", "Castillo", "Whitfield", "Lindqvist",
    "Tran", "Running Crane",
]  # fmt: skip
SOURCE = "PowerDMS"
INSTRUCTORS = ("Dana Rivera", "Luis Hayes")  # both current on ALERRT


def officers() -> list[dict[str, str]]:
    """200 officers as the HR export lists them."""
    rows = []
    for n in range(200):
        first, last = FIRST[n % 20], LAST[n // 20]
        rows.append(
            {
                "Employee ID": f"E-{10000 + n}",
                "First Name": first,
                "Last Name": last,
                "Badge #": str(400 + n),
                "E-mail": f"{first}.{last}".lower().replace(" ", "") + "@mpd.example.org",
                "Rank": "Sergeant" if n % 10 == 1 else "Officer",
                "Unit": "School Resource Unit" if n % 7 == 0 else "Patrol",
            }
        )
    return rows


def standing(n: int) -> str:
    """Which certification status officer ``n``'s history leaves them in."""
    return ("expired", "due soon", "current", "current", "never")[n % 5]


def history(n: int, today: date) -> list[date]:
    """Officer ``n``'s ALERRT classes of the last five years, oldest first.

    Level I, then a refresher a year, each a few weeks before the certification
    expires (inside the renewal window): the last expiry is the first class plus
    a year per class.
    """
    expires = {
        "expired": today - timedelta(days=100 + n),
        "due soon": today + timedelta(days=20 + n % 50),
        "current": today + timedelta(days=120 + n % 200),
    }.get(standing(n))
    if expires is None:
        return []
    classes = 4 if standing(n) == "expired" else 5
    first = add_months(expires, -12 * classes)
    return [first] + [add_months(first, 12 * k) - timedelta(days=20) for k in range(1, classes)]


def csv_file(path, rows: list[dict[str, str]]):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def records(people: list[dict[str, str]], today: date) -> list[dict[str, str]]:
    """Their ALERRT history as the old records system exports it (US dates)."""
    rows = []
    for n, person in enumerate(people):
        for k, day in enumerate(history(n, today)):
            rows.append(
                {
                    "Employee ID": person["Employee ID"],
                    "Course": "ALERRT-REFRESH" if k else "ALERRT-L1",
                    "Date Completed": f"{day.month}/{day.day}/{day.year}",
                    "Hours": "8" if k else "16",
                    "Instructor": "Lt. Ray Okafor" if k % 2 else "Sgt. Erin Walsh",
                    "Certificate #": f"AR-{day.year}-{n:03d}",
                    "Source": SOURCE,
                }
            )
    return rows


@pytest.fixture
def database_url(database_url):
    """Each backend's database as a new department has it: without the LMS's tables."""
    engine = create_engine(database_url)
    migrate.downgrade(engine, "base")
    engine.dispose()
    yield database_url
    engine = create_engine(database_url)
    migrate.upgrade(engine)  # leave it as the other tests expect
    engine.dispose()


def sign_in(tab, email: str, password: str = PASSWORD) -> None:
    tab.goto("/training/sign-in")
    tab.get_by_label("Email").fill(email)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url("**/training/")


def shoot(tab, path, name: str) -> None:
    """The page's top at phone and desktop widths, kept for a human to look at."""
    for width in (390, 1280):
        tab.set_viewport_size({"width": width, "height": 1600})
        tab.screenshot(path=str(path / f"{name}-{width}.png"))
    tab.set_viewport_size({"width": 1280, "height": 900})


def test_a_department_starts_from_nothing(runner, page, browser, live_server, tmp_path):
    # README, "Starting a department", step 1: the tables and the first administrator.
    upgraded = runner.invoke(args=["lms", "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    created = runner.invoke(
        args=["lms", "create-admin"], input=f"{ADMIN[0]}\n{ADMIN[1]}\n{PASSWORD}\n{PASSWORD}\n"
    )
    assert created.exit_code == 0, created.output
    assert f"Administrator {ADMIN[1]} <{ADMIN[0]}> created." in created.output

    today = local_today()
    shots = tmp_path / "shots"
    shots.mkdir()
    nav, main = page.get_by_role("navigation", name="Main"), page.get_by_role("main")
    sign_in(page, ADMIN[0])

    # The department: name it.
    nav.get_by_role("link", name="Organizations").click()
    main.get_by_role("link", name="Police Department").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Name").fill("Missoula Police Department")
    page.get_by_label("Contact email (optional)").fill("training@mpd.example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Missoula Police Department is saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Missoula Police Department")
    # The name it is known by on every page (and on what it prints).
    expect(page.get_by_role("banner").get_by_role("link").first).to_contain_text(
        "Missoula Police Department"
    )

    # 200 officers from the HR export.
    people = officers()
    hr_file = csv_file(tmp_path / "hr-export.csv", people)
    nav.get_by_role("link", name="Imports").click()
    people_form = page.get_by_role("region", name="People (HR export)")
    people_form.get_by_label("File (CSV or XLSX)").set_input_files(hr_file)
    people_form.get_by_label("Organization of people the file does not place").select_option(
        label="Missoula Police Department"
    )
    people_form.get_by_label("Role of the people in the file").select_option(label="Officer")
    shoot(page, shots, "imports")
    people_form.get_by_role("button", name="Preview").click()
    expect(page.locator(".summary")).to_have_text(
        "200 to create, 0 to update, 0 unchanged; 200 to be given the Officer role."
    )
    expect(page.get_by_role("heading", name="To create (200)")).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile(r"^2 Sofia Rivera E-10000 400 "))
    ).to_be_visible()
    shoot(page, shots, "people-preview")
    # Applying writes hundreds of rows: on a busy CI machine it may take longer than 10 s.
    page.get_by_role("button", name="Apply this import").click(timeout=60_000)
    expect(page.get_by_text("Imported hr-export.csv: 200 created")).to_contain_text(
        "200 given the Officer role"
    )

    # The track, its courses, and its two renewal paths.
    nav.get_by_role("link", name="Programs").click()
    page.get_by_role("link", name="Add a track").click()
    expect(page.locator("#no-courses")).to_contain_text("No courses yet.")
    page.get_by_label("Code").fill("ALERRT")
    page.get_by_label("Name").fill("ALERRT active-threat response")
    page.get_by_label("Valid for (months)").fill("12")
    page.get_by_label("Renewal window (days before expiry)").fill("90")
    shoot(page, shots, "track-new")
    page.get_by_role("button", name="Create the track").click()
    expect(page.get_by_text("Track ALERRT is created.")).to_be_visible()

    for code, title, hours, kind, grants in (
        ("ALERRT-L1", "ALERRT Level I: Active Shooter Response", "16", "Certification course",
         "ALERRT active-threat response"),
        ("ALERRT-REFRESH", "ALERRT Active-Shooter Response Refresher", "8", "Standard course",
         "Nothing"),
    ):  # fmt: skip
        nav.get_by_role("link", name="Schedule").click()
        page.get_by_role("link", name="Add a course").click()
        page.get_by_label("Code").fill(code)
        page.get_by_label("Title").fill(title)
        page.get_by_label("Meant for").select_option(label="Sworn officers")
        page.get_by_label("Credit hours").fill(hours)
        page.get_by_label("Course type").select_option(label=kind)
        page.get_by_label("Completing it grants or renews").select_option(label=grants)
        page.get_by_role("button", name="Save course").click()
        expect(main.get_by_role("cell", name=code, exact=True)).to_be_visible()

    nav.get_by_role("link", name="Programs").click()
    page.get_by_role("link", name="ALERRT active-threat response").click()
    page.get_by_role("link", name="Edit").click()
    for renews in (
        "Completing these courses renews it",
        "Teaching a session of these courses renews it",
    ):
        page.get_by_role("group", name=renews).get_by_label(
            "ALERRT-REFRESH — ALERRT Active-Shooter Response Refresher"
        ).check()
    page.get_by_role("button", name=re.compile("^Save")).click()
    expect(page.get_by_text("ALERRT active-threat response is saved")).to_be_visible()
    shoot(page, shots, "track")
    nav.get_by_role("link", name="Programs").click()
    row = page.get_by_role("table", name="Tracks").get_by_role("row").nth(1)
    expect(row).to_contain_text("ALERRT-REFRESH (completing), ALERRT-REFRESH (teaching)")

    # Five years of their ALERRT history.
    past = records(people, today)
    records_file = csv_file(tmp_path / "alerrt-history.csv", past)
    nav.get_by_role("link", name="Imports").click()
    records_form = page.get_by_role("region", name="Past training records")
    records_form.get_by_label("File (CSV or XLSX)").set_input_files(records_file)
    records_form.get_by_role("button", name="Preview").click()
    expect(page.locator(".summary")).to_have_text(
        f"{len(past)} records to import, earning {len(past)} certification cycles "
        "(marked imported); 0 already imported."
    )
    shoot(page, shots, "records-preview")
    # Applying writes hundreds of rows: on a busy CI machine it may take longer than 10 s.
    page.get_by_role("button", name="Apply this import").click(timeout=60_000)
    expect(page.get_by_text(f"Imported alerrt-history.csv: {len(past)} records")).to_be_visible()

    # The directory shows where each officer stands.
    nav.get_by_role("link", name="People").click()
    page.get_by_label("Role", exact=True).select_option(label="Officer")
    page.get_by_label("Certification").select_option(label="ALERRT active-threat response")
    for label, state in (
        ("Current", "current"),
        ("Due soon", "due soon"),
        ("Expired", "expired"),
        ("Never certified", "never"),  # recruits: no ALERRT class yet
    ):
        page.get_by_label("Status", exact=True).select_option(label=label)
        page.get_by_role("button", name="Find").click()
        expected = sum(1 for n in range(200) if standing(n) == state)
        expect(page.locator("#count")).to_have_text(re.compile(rf"^{expected} people"))
    shoot(page, shots, "directory")
    page.get_by_label("Status", exact=True).select_option(label="Any status")
    page.get_by_label("Name, email, badge or employee no.").fill("Rivera")
    page.get_by_role("button", name="Find").click()
    for n, badge in enumerate(("Expired", "Due soon", "Current", "Current", "Never certified")):
        name = f"{people[n]['First Name']} {people[n]['Last Name']}"
        row = main.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row.locator(".badge")).to_have_text(badge)

    # Two instructors, invited from their person pages.
    links = {}
    for name in INSTRUCTORS:
        nav.get_by_role("link", name="People").click()
        page.get_by_label("Name, email, badge or employee no.").fill(name)
        page.get_by_role("button", name="Find").click()
        main.get_by_role("link", name=name, exact=True).click()
        page.get_by_label("Role", exact=True).select_option(label="Instructor")
        page.locator("#grant-reason").fill("Certified ALERRT instructor (ALERRT Center, 2024)")
        page.get_by_role("button", name="Grant the role").click()
        expect(page.get_by_text(f"{name} is now Instructor")).to_be_visible()
        page.get_by_role("button", name="Make a sign-up link").click()
        links[name] = page.get_by_label(f"Sign-up link for {name}").input_value()
    shoot(page, shots, "person")

    # A school, and its coordinator created from the school's page.
    nav.get_by_role("link", name="Organizations").click()
    page.get_by_role("link", name="Add an organization").click()
    page.get_by_label("Name").fill("Big Sky High School")
    page.get_by_label("Kind").select_option(label="Community group")
    page.get_by_label("Line of work").select_option(label="School")
    page.get_by_role("button", name="Create the organization").click()
    expect(page.get_by_text("Big Sky High School is created.")).to_be_visible()
    page.get_by_label("Full name").fill("Renee Park")
    page.get_by_label("Email").fill("rpark@bigsky.example.org")
    page.get_by_role("button", name="Create the coordinator").click()
    links["Renee Park"] = page.get_by_label("Invitation link for Renee Park").input_value()
    shoot(page, shots, "school")

    # They open their links in browsers of their own, choose passwords and sign in.
    for name, email, sees in (
        (INSTRUCTORS[0], "dana.rivera@mpd.example.org", "Rosters"),
        ("Renee Park", "rpark@bigsky.example.org", "My group"),
    ):
        context = browser.new_context(base_url=live_server)
        try:
            tab = context.new_page()
            tab.set_default_timeout(10_000)
            tab.goto(links[name])
            expect(tab.get_by_role("heading", name="Make your login")).to_be_visible()
            tab.get_by_label("Choose a password").fill(f"{PASSWORD}-{name[:3]}")
            tab.get_by_label("Repeat the password").fill(f"{PASSWORD}-{name[:3]}")
            tab.get_by_role("button", name="Set my password").click()
            expect(tab.get_by_text(f"Your password is set. Sign in with {email}.")).to_be_visible()
            sign_in(tab, email, f"{PASSWORD}-{name[:3]}")
            expect(tab.get_by_role("heading", name=f"Welcome, {name}")).to_be_visible()
            menu = tab.get_by_role("navigation", name="Main")
            expect(menu.get_by_role("link", name=sees)).to_be_visible()
            gone = tab.goto(links[name])  # a link works once
            assert gone.status == 410
            expect(tab.get_by_role("heading", name="This link no longer works")).to_be_visible()
            expect(tab.get_by_text("Ask whoever sent it to you")).to_be_visible()
        finally:
            context.close()

    # An officer's transcript, printed.
    officer = people[7]  # current: five classes
    officer_name = f"{officer['First Name']} {officer['Last Name']}"
    nav.get_by_role("link", name="People").click()
    page.get_by_label("Name, email, badge or employee no.").fill(officer["Badge #"])
    page.get_by_role("button", name="Find").click()
    main.get_by_role("link", name=officer_name).click()
    main.get_by_role("link", name="Training transcript").click()
    expect(
        page.get_by_role("heading", name=f"Training transcript of {officer_name}")
    ).to_be_visible()
    imported = page.get_by_role("region", name="Imported training records")
    expect(imported.get_by_role("row")).to_have_count(1 + 5)
    expect(imported.get_by_role("row").nth(1)).to_contain_text(SOURCE)
    shoot(page, shots, "transcript")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download signed PDF").click()
    pdf = tmp_path / "transcript.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert officer_name in text
    assert "Missoula Police Department" in text
    for day in history(7, today):  # each imported class on its line, with its source
        on = f"{day.day} {day:%b %Y}"
        assert re.search(rf"^{on} +ALERRT .* {SOURCE} +AR-{day.year}-007$", text, re.M), on
