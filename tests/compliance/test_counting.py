"""The compliance report counts and lists in the database what each person's status says.

The counts per agency and the list are worked out in SQL; a person's own status
(``lms.status.queries``) is judged in Python. Here they are held to each other
where they could part: the renewal window's last day on each track, several
cycles (revoked, granted later), inactive people, people never certified,
today in the department's time zone, the filters, pages and the export.
"""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from lms.compliance.queries import PAGE_SIZE
from lms.formatting import format_local_date
from lms.models import Role, utcnow
from lms.status.queries import all_tracks, statuses_for
from tests.rosters.helpers import signed_in_client, visible

OVERVIEW = "/training/compliance/"
EXPORT = "/training/compliance/compliance.csv"
PEOPLE_ROW = re.compile(r"<tr\b.*?</tr>", re.S)


def listed(response) -> list[str]:
    """The people table's rows as read: name, badge, agency, certification, status, due."""
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    table = re.search(r'<table id="people".*?</table>', html, re.S)
    if table is None:
        return []
    body = table[0].split("<tbody>", 1)[1]
    return [visible(row) for row in PEOPLE_ROW.findall(body)]


def exported(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


AGENCIES = ("Grace Community Church", "Missoula Fire Department", "Missoula Police Department")


def agency_rows(page: str, track_name: str) -> dict[str, str]:
    """Agency -> "current due-soon expired never people in-force" in one track's table."""
    section = page.split(f"{track_name} by agency", 1)[1].split(" by agency", 1)[0]
    figures = r"(\d+ \d+ \d+ \d+ \d+ \d+%)"
    rows = {
        agency: found[1]
        for agency in AGENCIES
        if (found := re.search(f"{agency} {figures}", section))
    }
    assert len(rows) == len(re.findall(figures, section)), section  # no other agency
    return rows


@pytest.fixture
def population(make, program):
    """Two agencies and a church group: every state, on both tracks, on its boundaries."""
    today = program.today
    fire = make.organization("Missoula Fire Department", slug="mfd")
    church = make.group("Grace Community Church")
    alerrt = program.alerrt  # window 90 days; the instructor track's is 180
    people = {}

    def add(person, *cycles):
        people[person.full_name] = person
        for track, expires_in in cycles:
            program.certify(person, track, expires_on=today + timedelta(days=expires_in))
        return person

    # ALERRT on each side of "expired" (today) and of the 90-day window.
    for offset in (-1, 0, 1, 89, 90, 91, 300):
        add(program.officer(f"Ofc. Expires {offset:+04d}"), (alerrt, offset))
    # The instructor track's own, wider window; never certified on ALERRT.
    for offset in (179, 180, 181):
        add(
            program.instructor(
                f"Sgt. Teaches {offset:+04d}", qualified_until=today + timedelta(offset)
            )
        )
    # Several cycles: the latest live one granted by today decides.
    add(program.officer("Ofc. Renewed"), (alerrt, -200), (alerrt, 200))
    revoked = add(program.officer("Ofc. Renewal Revoked"), (alerrt, -10))
    wrong = program.certify(revoked, alerrt, expires_on=today + timedelta(days=200))
    wrong.revoked_at, wrong.revoke_reason = utcnow(), "Entered by mistake"
    later = add(program.officer("Ofc. Renews Next Week"), (alerrt, -3))
    program.certify(
        later,
        alerrt,
        granted_on=today + timedelta(days=7),
        expires_on=today + timedelta(days=372),
    )
    make.db.commit()
    # Never certified, in both agencies; and names that sort apart by case or by a space.
    add(program.officer("ofc. alpha never"))
    add(program.officer("Ofc. de Vries"), (alerrt, 30))
    add(program.officer("Ofc. Dean"), (alerrt, 30))
    add(program.officer("FF Never Trained", organization=fire))
    add(program.officer("FF Current", organization=fire), (alerrt, 150))
    # Not counted: deactivated people, whatever they hold; a civilian who holds nothing.
    program.certify(
        program.officer("Ofc. Retired", active=False), alerrt, expires_on=today + timedelta(50)
    )
    program.officer("Ofc. Left Uncertified", active=False)
    make.person(Role.PARTICIPANT, organization=church, name="Helen Marsh")
    # Counted: a civilian who holds a track nobody required of them.
    chaplain = make.person(Role.PARTICIPANT, organization=church, name="Chaplain Holder")
    add(chaplain, (alerrt, 100))
    return {"people": people, "fire": fire, "church": church}


def expected_rows(people, day):
    """(name, agency, certification, status, due) per person concerned, as each person's
    own status says (judged in Python), in the report's order."""
    tracks = all_tracks()
    statuses = statuses_for([p.id for p in people.values()], tracks, day)
    rows = []
    for person in sorted(people.values(), key=lambda p: (p.full_name.casefold(), p.id)):
        roles = person.role_set
        for track in tracks:
            status = statuses[person.id, track.id]
            required = Role.OFFICER in roles if track.code == "ALERRT" else Role.INSTRUCTOR in roles
            if status.expires_on is None and not required:
                continue
            due = status.expires_on.isoformat() if status.expires_on else ""
            rows.append(
                (person.full_name, person.organization.name, track.name, status.state.label, due)
            )
    return rows


def test_the_counts_and_the_export_say_what_each_persons_status_says(
    app, make, program, population
):
    client = signed_in_client(app, make, program.coordinator())
    expected = expected_rows(population["people"], program.today)

    got = [
        (r["Name"], r["Agency"], r["Certification"], r["Status"], r["Due (expires on)"])
        for r in exported(client.get(EXPORT))
    ]
    assert got == expected

    page = visible(client.get(OVERVIEW))
    for track in (program.alerrt, program.instructor_track):
        by_agency: dict[str, list[int]] = {}
        for _, agency, track_name, status, _ in expected:
            if track_name == track.name:
                figures = by_agency.setdefault(agency, [0, 0, 0, 0])
                figures[["Current", "Due soon", "Expired", "Never certified"].index(status)] += 1
        shown = agency_rows(page, track.name)
        for agency, figures in by_agency.items():
            held = round(100 * (figures[0] + figures[1]) / sum(figures))
            assert shown[agency] == f"{' '.join(map(str, figures))} {sum(figures)} {held}%"
        assert set(shown) == set(by_agency)
    assert f"{len(expected)} rows." in page


def test_the_last_day_of_each_window_and_of_a_cycle(app, make, program, population):
    client = signed_in_client(app, make, program.coordinator())
    rows = {(r["Name"], r["Certification"]): r["Status"] for r in exported(client.get(EXPORT))}
    alerrt, instructor = program.alerrt.name, program.instructor_track.name
    assert [rows[f"Ofc. Expires {n:+04d}", alerrt] for n in (-1, 0, 1, 89, 90, 91)] == [
        "Expired",
        "Expired",  # lapses on its expiry day
        "Due soon",
        "Due soon",
        "Due soon",  # the window's last day: 90 days ahead
        "Current",
    ]
    assert [rows[f"Sgt. Teaches {n:+04d}", instructor] for n in (179, 180, 181)] == [
        "Due soon",
        "Due soon",
        "Current",  # this track's window is 180 days
    ]
    assert rows["Sgt. Teaches +179", alerrt] == "Never certified"
    assert rows["Ofc. Renewed", alerrt] == "Current"
    assert rows["Ofc. Renewal Revoked", alerrt] == "Expired"
    assert rows["Ofc. Renews Next Week", alerrt] == "Expired"
    assert rows["ofc. alpha never", alerrt] == "Never certified"
    assert rows["Chaplain Holder", alerrt] == "Current"
    assert ("Chaplain Holder", instructor) not in rows
    names = {name for name, _ in rows}
    assert not names & {"Ofc. Retired", "Ofc. Left Uncertified", "Helen Marsh"}


def test_an_agency_and_a_status_filter_list_whom_the_counts_count(app, make, program, population):
    fire = population["fire"]
    client = signed_in_client(app, make, program.coordinator())
    alerrt = program.alerrt

    page = client.get(OVERVIEW, query_string={"organization": fire.id})
    assert agency_rows(visible(page), alerrt.name) == {"Missoula Fire Department": "1 0 0 1 2 50%"}
    assert [row.split(" Missoula")[0] for row in listed(page)] == ["FF Current", "FF Never Trained"]

    due_soon = client.get(OVERVIEW, query_string={"track": alerrt.id, "state": "due_soon"})
    people = [row.split(" Missoula")[0] for row in listed(due_soon)]
    assert people == [
        "Ofc. de Vries",
        "Ofc. Dean",
        "Ofc. Expires +001",
        "Ofc. Expires +089",
        "Ofc. Expires +090",
    ]
    assert all("Due soon" in row for row in listed(due_soon))
    assert "5 rows." in visible(due_soon)
    mpd = agency_rows(visible(due_soon), alerrt.name)["Missoula Police Department"]
    assert mpd.split()[1] == "5"  # the table counts the same five

    in_fire = client.get(
        EXPORT, query_string={"organization": fire.id, "track": alerrt.id, "state": "never"}
    )
    assert [r["Name"] for r in exported(in_fire)] == ["FF Never Trained"]
    lapsing = client.get(
        EXPORT, query_string={"due_before": (program.today + timedelta(days=2)).isoformat()}
    )
    assert [r["Name"] for r in exported(lapsing)] == [
        "Ofc. Expires +000",
        "Ofc. Expires +001",
        "Ofc. Expires -001",
        "Ofc. Renewal Revoked",
        "Ofc. Renews Next Week",
    ]


def test_today_is_the_departments_date_on_the_night_clocks_spring_forward(
    app, make, program, time_machine
):
    # 05:30 UTC on 14 March 2027 is 22:30 on the 13th in Denver, hours before DST begins.
    time_machine.move_to(datetime(2027, 3, 14, 5, 30, tzinfo=UTC), tick=False)
    today = date(2027, 3, 13)
    for name, expires_on in [
        ("Ofc. Lapses Today", today),
        ("Ofc. Lapses Tomorrow", today + timedelta(days=1)),
        ("Ofc. Window Ends", today + timedelta(days=90)),
        ("Ofc. Window Opens Tomorrow", today + timedelta(days=91)),
    ]:
        program.certify(program.officer(name), program.alerrt, expires_on=expires_on)
    client = signed_in_client(app, make, program.coordinator())

    page = visible(client.get(OVERVIEW))
    assert f"Status on {format_local_date(today)}." in page
    assert "Missoula Police Department 1 2 1 0 4 75%" in page
    rows = {r["Name"]: r["Status"] for r in exported(client.get(EXPORT))}
    assert rows == {
        "Ofc. Lapses Today": "Expired",
        "Ofc. Lapses Tomorrow": "Due soon",
        "Ofc. Window Ends": "Due soon",
        "Ofc. Window Opens Tomorrow": "Current",
    }


def test_pages_of_a_hundred_and_an_export_of_everyone(app, make, program):
    people = program.officers(*[f"Ofc. {n:03d}" for n in range(PAGE_SIZE + 30)])
    program.certify(people[0], program.alerrt, expires_on=program.today + timedelta(days=10))
    client = signed_in_client(app, make, program.coordinator())

    first = client.get(OVERVIEW)
    assert "130 rows, page 1 of 2." in visible(first)
    second = client.get(OVERVIEW, query_string={"page": 2})
    assert "130 rows, page 2 of 2." in visible(second)
    listed_names = [row.split(" ")[0] + " " + row.split(" ")[1] for row in listed(first)]
    listed_names += [row.split(" ")[0] + " " + row.split(" ")[1] for row in listed(second)]
    assert len(listed(first)) == PAGE_SIZE and len(listed(second)) == 30
    assert listed_names == [p.full_name for p in people]
    beyond = client.get(OVERVIEW, query_string={"page": 9})  # past the end: the last page
    assert listed(beyond) == listed(second) and "page 2 of 2" in visible(beyond)

    assert [r["Name"] for r in exported(client.get(EXPORT))] == listed_names
    never = exported(client.get(EXPORT, query_string={"state": "never"}))
    assert len(never) == 129 and {r["Status"] for r in never} == {"Never certified"}
    nobody = client.get(OVERVIEW, query_string={"name": "nobody by that name"})
    assert "0 rows." in visible(nobody) and listed(nobody) == []
