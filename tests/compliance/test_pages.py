"""Coordinators see compliance per agency, filter it, chart it and export it."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.app import db
from lms.formatting import format_local_date
from lms.models import AuditEvent, Role, utcnow
from tests.rosters.helpers import signed_in_client, visible
from tests.status.program import counting_queries


@pytest.fixture
def agencies(make, program):
    """The department and the fire department, with officers in every state."""
    today = program.today
    fire = make.organization("Missoula Fire Department", slug="mfd")
    mpd = program.department
    states = {
        "Ofc. Current One": 300,
        "Ofc. Current Two": 200,
        "Ofc. Due Soon": 20,
        "Ofc. Expired": -5,
        "Ofc. Never": None,
    }
    city = program.officers(*states, badge_number=None)
    for n, person in enumerate(city):
        person.badge_number = f"MPD-{n:04d}"
    alvarez, kim = program.officers("Capt. Ruth Alvarez", "FF Daniel Kim", organization=fire)
    program.certify_all(
        [
            (p, program.alerrt, today + timedelta(days=states[p.full_name]))
            for p in city
            if states[p.full_name] is not None
        ]
        + [(alvarez, program.alerrt, today + timedelta(days=100))]
    )
    people = {p.full_name: p for p in [*city, alvarez, kim]}
    make.person(
        Role.PARTICIPANT, organization=make.group("Grace Community Church"), name="Helen Marsh"
    )
    return {"mpd": mpd, "fire": fire, "people": people}


def test_coordinator_sees_each_agency_at_a_glance(app, make, program, agencies):
    coordinator = program.coordinator()
    response = signed_in_client(app, make, coordinator).get("/training/compliance/")
    page = visible(response)
    # Agency, current, due soon, expired, never, people, in force
    assert "Missoula Police Department 2 1 1 1 5 60%" in page
    assert "Missoula Fire Department 1 0 0 1 2 50%" in page
    assert "All 3 1 1 2 7" in page
    assert "Helen Marsh" not in page  # civilians are not required to hold ALERRT
    summary = page.split("People and their due dates")[0]
    assert "ALERRT instructor" not in summary  # nobody to report on that track

    html = response.get_data(as_text=True)  # the chart: drawn on the server, no script, no CDN
    # Drawn twice, for a phone and for a wide screen (the stylesheet shows one).
    assert html.count("<svg") == 2 and 'class="chart chart-narrow"' in html
    assert "Missoula Police Department: 2 current, 1 due soon, 1 expired, 1 never certified" in html
    assert "60% in force" in html and "50% in force" in html
    assert "cdn" not in html.lower() and "<script" not in html


def test_filters_narrow_the_list_to_who_lapses_before_a_date(app, make, program, agencies):
    client = signed_in_client(app, make, program.coordinator())
    expired = visible(client.get(f"/training/compliance/?track={program.alerrt.id}&state=expired"))
    assert "1 row." in expired and "Ofc. Expired" in expired and "Ofc. Due Soon" not in expired

    cutoff = program.today + timedelta(days=150)
    lapsing = visible(client.get(f"/training/compliance/?due_before={cutoff.isoformat()}"))
    assert "3 rows." in lapsing
    for name in ("Ofc. Expired", "Ofc. Due Soon", "Capt. Ruth Alvarez"):
        assert name in lapsing.split("People and their due dates")[1]
    named = visible(client.get("/training/compliance/?name=kim"))
    assert "1 row." in named and "FF Daniel Kim" in named

    bad = client.get("/training/compliance/?state=lapsed")
    assert bad.status_code == 400 and "Some filters were not understood" in visible(bad)


def test_next_class_links_to_who_lapses_before_it(app, make, program, agencies):
    program.future_session(in_days=30)
    page = signed_in_client(app, make, program.coordinator()).get("/training/compliance/")
    day = (program.today + timedelta(days=30)).isoformat()
    assert (
        f"Next class: ALERRT-REFRESH, {format_local_date(program.today + timedelta(days=30))}"
        in visible(page)
    )
    assert f"due_before={day}" in page.get_data(as_text=True)


def test_a_scoped_coordinator_sees_only_their_agency(app, make, program, agencies):
    fire = agencies["fire"]
    client = signed_in_client(app, make, program.coordinator(fire, scoped=True))
    page = visible(client.get("/training/compliance/"))
    assert "Missoula Fire Department 1 0 0 1 2 50%" in page
    # The header names the department on every page; the report itself does not.
    report = visible(
        re.search(r"<main\b.*</main>", client.get("/training/compliance/").text, re.S)[0]
    )
    assert "Missoula Police Department" not in report and "Ofc. Never" not in report
    mpd = agencies["mpd"].id
    assert client.get(f"/training/compliance/?organization={mpd}").status_code == 404
    assert client.get(f"/training/compliance/compliance.csv?organization={mpd}").status_code == 404
    assert client.get(f"/training/compliance/hours?organization={mpd}").status_code == 404
    assert client.get(f"/training/compliance/post-roster.csv?organization={mpd}").status_code == 404
    csv_rows = client.get("/training/compliance/compliance.csv").get_data(as_text=True)
    assert "Ofc." not in csv_rows and "FF Daniel Kim" in csv_rows


def test_compliance_is_for_coordinators_and_admins_only(app, make, program):
    for roles in [(Role.OFFICER,), (Role.INSTRUCTOR, Role.OFFICER), (Role.GROUP_COORDINATOR,)]:
        client = signed_in_client(app, make, make.person(*roles, organization=program.department))
        for url in ("/training/compliance/", "/training/compliance/compliance.csv"):
            assert client.get(url).status_code == 403, (roles, url)
    assert app.test_client().get("/training/compliance/hours").status_code == 302  # sign in first


def test_csv_export_matches_the_filters_and_is_safe_to_open(app, make, program, agencies):
    program.officer('=HYPERLINK("http://evil.example","Click")', badge_number="@SUM(1)")
    coordinator = program.coordinator()
    client = signed_in_client(app, make, coordinator)
    response = client.get(
        f"/training/compliance/compliance.csv?track={program.alerrt.id}&state=never"
    )
    assert response.mimetype == "text/csv"
    assert "attachment;" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Name"] for r in rows] == [
        '\'=HYPERLINK("http://evil.example","Click")',
        "FF Daniel Kim",
        "Ofc. Never",
    ]
    assert rows[0]["Badge number"] == "'@SUM(1)"
    assert {r["Status"] for r in rows} == {"Never certified"}
    assert rows[2]["Agency"] == "Missoula Police Department"
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "compliance.exported"))
    assert event.actor_id == coordinator.id and event.details["rows"] == 3


def test_the_compliance_page_runs_the_same_queries_for_1_or_50_people(app, make, program):
    client = signed_in_client(app, make, program.coordinator())
    fire = make.organization("Missoula Fire Department", slug="mfd")

    def statements_for_page():
        client.get("/training/compliance/")  # warm: templates compiled, sign-in loaded
        with counting_queries(db.engine) as statements:
            response = client.get("/training/compliance/")
        assert response.status_code == 200
        return len(statements)

    officer = program.officer(organization=fire)
    program.certify(officer, program.alerrt, expires_on=program.today + timedelta(days=10))
    one = statements_for_page()
    more = program.officers(*[None] * 24, organization=fire) + program.officers(*[None] * 25)
    program.certify_all(
        (person, program.alerrt, program.today + timedelta(days=n * 9))
        for n, person in enumerate(more)
        if n % 3
    )
    fifty = statements_for_page()
    assert "50 rows." in visible(client.get("/training/compliance/"))
    assert one == fifty


def test_hours_ledger_counts_the_reporting_period_from_july(app, make, program):
    officer = program.officer("Ofc. Ledger", badge_number="MPD-0700")
    program.officer("Ofc. Idle")  # sworn, no hours: listed with 0
    june = program.past_session(days_ago=30)
    july = program.past_session(days_ago=20)
    crase = program.past_session(program.crase, days_ago=10)
    (in_june,) = program.enroll(june, officer)
    (in_july,) = program.enroll(july, officer)
    (civilian,) = program.enroll(crase, officer)
    revoked_session = program.past_session(days_ago=5)
    (revoked,) = program.enroll(revoked_session, officer)
    make.completion(in_june, completed_on=date(2025, 6, 30))
    make.completion(in_july, completed_on=date(2025, 7, 1))
    make.completion(civilian, completed_on=date(2026, 6, 30))
    wrong = make.completion(revoked, completed_on=date(2025, 12, 1))
    wrong.revoked_at, wrong.revoke_reason = utcnow(), "Roster correction: not present"
    make.db.commit()
    client = signed_in_client(app, make, program.coordinator())

    page = visible(client.get("/training/compliance/hours?period=2025"))
    assert "Training hours, 2025–26 (1 Jul 2025 – 30 Jun 2026)" in page
    assert "Ofc. Ledger MPD-0700 Missoula Police Department 2 11" in page
    assert "Ofc. Idle Missoula Police Department 0 0" in page
    earlier = visible(client.get("/training/compliance/hours?period=2024"))
    assert "Ofc. Ledger MPD-0700 Missoula Police Department 1 8" in earlier

    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/training/compliance/hours.csv?period=2025").get_data(as_text=True)
            )
        )
    )
    assert rows[0] == ["Name", "Badge number", "Person ID", "Agency", "Completions", "Credit hours"]
    assert [
        "Ofc. Ledger",
        "MPD-0700",
        str(officer.id),
        "Missoula Police Department",
        "2",
        "11",
    ] in rows

    app.config["LMS_REPORTING_PERIOD_START"] = "01-01"
    calendar_year = visible(client.get("/training/compliance/hours?period=2025"))
    assert "Training hours, 2025" in calendar_year
    assert "Ofc. Ledger MPD-0700 Missoula Police Department 2 16" in calendar_year


def test_post_roster_export_of_a_session(app, make, program):
    fire = make.organization("Missoula Fire Department", slug="mfd")
    session = program.past_session(days_ago=3)
    badge, nobadge = (
        program.officer("Ofc. Badge", badge_number="MPD-0510"),
        program.officer("Capt. Ruth Alvarez", organization=fire),
    )
    e1, e2 = program.enroll(session, badge, nobadge)
    make.completion(e1, completed_on=date(2026, 3, 10))
    make.completion(e2, completed_on=date(2026, 3, 10))
    url = f"/training/compliance/post-roster.csv?session={session.id}"

    rows = list(
        csv.reader(
            io.StringIO(
                signed_in_client(app, make, program.coordinator()).get(url).get_data(as_text=True)
            )
        )
    )
    assert rows == [
        ["Name", "ID/badge number", "Agency", "Course code", "Course title", "Date", "Hours"],
        [
            "Capt. Ruth Alvarez",
            f"LMS-{nobadge.id}",
            "Missoula Fire Department",
            "ALERRT-REFRESH",
            "ALERRT Active-Shooter Response Refresher",
            "2026-03-10",
            "8",
        ],
        [
            "Ofc. Badge",
            "MPD-0510",
            "Missoula Police Department",
            "ALERRT-REFRESH",
            "ALERRT Active-Shooter Response Refresher",
            "2026-03-10",
            "8",
        ],
    ]
    scoped = signed_in_client(app, make, program.coordinator(fire, scoped=True))
    fire_rows = list(csv.reader(io.StringIO(scoped.get(url).get_data(as_text=True))))
    assert [r[0] for r in fire_rows] == ["Name", "Capt. Ruth Alvarez"]
    response = scoped.get("/training/compliance/post-roster.csv?start=2026-03-11&end=2026-03-01")
    assert response.status_code == 400
    assert "The end date must not be before the start date." in visible(response)
