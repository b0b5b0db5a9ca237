"""The people directory: search, filters, status per track, sort and pages, within scope."""

import re
from datetime import timedelta

import pytest

from lms.core import local_today
from lms.models import Role
from lms.people.directory import PAGE_SIZE
from lms.status.queries import STATE_ORDER, statuses_for
from tests.enrollment.helpers import flash_text

DIRECTORY = "/training/people/"
ROW_RE = re.compile(r'<a href="/training/people/(\d+)">([^<]+)</a>')


def names(response) -> list[str]:
    """The people the directory lists, in order (each a link to their page)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return [name for _, name in ROW_RE.findall(response.get_data(as_text=True))]


@pytest.fixture
def world(make):
    """A department and a fire department with a handful of people, and a track."""
    today = local_today()
    police = make.organization("Missoula Police Department")
    fire = make.organization("Missoula Fire Department")
    school = make.group("Big Sky High School")
    track = make.track("ALERRT", name="ALERRT response", renewal_window_days=90)
    make.course("ALERRT-L1", organization=police, grants_track=track)  # required of officers
    people = {
        "rivera": make.person(
            Role.OFFICER,
            organization=police,
            name="Ofc. Sofia Rivera",
            email="s.rivera@mpd.test",
            badge_number="B-1017",
            employee_number="E-55310",
        ),
        "bell": make.person(Role.OFFICER, organization=police, name="Ofc. Marcus Bell"),
        "hayes": make.person(
            Role.INSTRUCTOR, Role.OFFICER, organization=police, name="Sgt. Erin Hayes"
        ),
        "gone": make.person(Role.OFFICER, organization=police, name="Ofc. Gone Away", active=False),
        "ruiz": make.person(Role.OFFICER, organization=fire, name="FF Ana Ruiz"),
        "brooks": make.person(Role.PARTICIPANT, organization=school, name="Janet Brooks"),
    }
    # Rivera current, Bell due soon, Hayes expired (and an older cycle), nobody else.
    make.certification(people["rivera"], track, today - timedelta(days=30))
    make.certification(
        people["bell"], track, today - timedelta(days=320), today + timedelta(days=45)
    )
    make.certification(
        people["hayes"], track, today - timedelta(days=800), today - timedelta(days=400)
    )
    make.certification(
        people["hayes"], track, today - timedelta(days=400), today - timedelta(days=10)
    )
    admin = make.person(Role.ADMIN, organization=police, name="Chris Admin")
    coordinator = make.person(Role.COORDINATOR, organization=police, name="Lt. Dana Cole")
    return {
        "track": track,
        "police": police,
        "fire": fire,
        "school": school,
        "admin": admin,
        "coordinator": coordinator,
        **people,
    }


def test_search_matches_name_email_badge_or_employee_number_in_part_any_case(
    client, sign_in, world
):
    sign_in(world["admin"])
    for term in ("rIVer", "S.RIVERA@", "b-101", "e-553"):
        assert names(client.get(DIRECTORY, query_string={"q": term})) == ["Ofc. Sofia Rivera"]
    # LIKE wildcards are taken literally.
    assert names(client.get(DIRECTORY, query_string={"q": "%"})) == []
    assert names(client.get(DIRECTORY, query_string={"q": "_"})) == []


def test_filters_by_organization_role_and_account(client, sign_in, world):
    sign_in(world["admin"])
    fire = names(client.get(DIRECTORY, query_string={"organization": world["fire"].id}))
    assert fire == ["FF Ana Ruiz"]
    instructors = names(client.get(DIRECTORY, query_string={"role": "instructor"}))
    assert instructors == ["Sgt. Erin Hayes"]
    everyone = names(client.get(DIRECTORY))
    assert "Ofc. Gone Away" not in everyone and "Janet Brooks" in everyone
    assert names(client.get(DIRECTORY, query_string={"activity": "inactive"})) == ["Ofc. Gone Away"]
    text = flash_text(client.get(DIRECTORY, query_string={"activity": "any", "q": "gone"}))
    assert "Ofc. Gone Away" in text and "Deactivated" in text


def test_filters_by_status_on_a_track(client, sign_in, world):
    sign_in(world["admin"])
    track = world["track"].id
    by_state = {
        state: names(
            client.get(DIRECTORY, query_string={"track": track, "state": state, "role": "officer"})
        )
        for state in ("current", "due_soon", "expired", "never")
    }
    assert by_state == {
        "current": ["Ofc. Sofia Rivera"],
        "due_soon": ["Ofc. Marcus Bell"],
        "expired": ["Sgt. Erin Hayes"],
        "never": ["FF Ana Ruiz"],
    }
    # Without a role chosen, "never certified" still means people the track is
    # required of (officers here), not the admin or the coordinator.
    never = {"track": track, "state": "never"}
    assert names(client.get(DIRECTORY, query_string=never)) == ["FF Ana Ruiz"]
    text = flash_text(client.get(DIRECTORY, query_string={"q": "bell"}))
    assert "ALERRT response: Due soon" in text
    refused = client.get(DIRECTORY, query_string={"state": "expired"})
    assert refused.status_code == 400
    assert "Choose the certification whose status to filter by." in flash_text(refused)


def test_the_status_filter_agrees_with_the_status_computation(app, client, sign_in, make):
    """Expiries on every boundary of the due-soon window: SQL and state_on say the same.

    The renewal window (90 days) is wider than due soon (30): it plays no part.
    """
    today = local_today()
    org = make.organization()
    track = make.track(renewal_window_days=90, due_soon_days=30)
    make.course(organization=org, grants_track=track)  # required of officers
    admin = make.person(Role.ADMIN, organization=org)
    people = []
    for offset in (-1, 0, 1, 29, 30, 31, 89, 90, 91, 400):
        person = make.person(Role.OFFICER, organization=org, name=f"Expiry {offset:+04d}")
        make.certification(person, track, today - timedelta(days=400), today + timedelta(offset))
        people.append(person)
    revoked = make.person(Role.OFFICER, organization=org, name="Expiry revoked")
    cycle = make.certification(revoked, track, today - timedelta(days=10))
    cycle.revoked_at, cycle.revoke_reason = cycle.created_at, "Entered by mistake"
    future = make.person(Role.OFFICER, organization=org, name="Expiry granted tomorrow")
    make.certification(future, track, today + timedelta(days=1))
    make.db.commit()
    people += [revoked, future]

    expected = {state.value: [] for state in STATE_ORDER}
    statuses = statuses_for([p.id for p in people], [track], today)
    for person in sorted(people, key=lambda p: p.full_name.casefold()):
        expected[statuses[person.id, track.id].state.value].append(person.full_name)
    assert all(expected.values()), expected  # every state is exercised
    assert expected["due_soon"] == ["Expiry +001", "Expiry +029", "Expiry +030"]

    sign_in(admin)
    got = {
        state: names(
            client.get(DIRECTORY, query_string={"track": track.id, "state": state, "q": "expiry"})
        )
        for state in expected
    }
    assert got == expected


def test_sort_by_due_date_and_by_organization(client, sign_in, make, world):
    today = local_today()
    tems = make.track("TEMS", name="Tactical medicine")
    make.certification(world["rivera"], tems, today - timedelta(days=800), today - timedelta(100))
    sign_in(world["admin"])
    query = {"sort": "due", "role": "officer", "track": world["track"].id}
    # Expired first (most overdue), then due soon, current; never certified last, by name.
    assert names(client.get(DIRECTORY, query_string=query)) == [
        "Sgt. Erin Hayes",
        "Ofc. Marcus Bell",
        "Ofc. Sofia Rivera",
        "FF Ana Ruiz",
    ]
    # Without a track: when each is next due on any track (Rivera's medicine lapsed first).
    assert names(client.get(DIRECTORY, query_string={"sort": "due", "role": "officer"})) == [
        "Ofc. Sofia Rivera",
        "Sgt. Erin Hayes",
        "Ofc. Marcus Bell",
        "FF Ana Ruiz",
    ]
    by_org = names(client.get(DIRECTORY, query_string={"sort": "organization", "q": "a"}))
    assert (
        by_org.index("Janet Brooks")
        < by_org.index("FF Ana Ruiz")
        < by_org.index("Ofc. Marcus Bell")
    )


def test_pages_of_fifty(client, sign_in, make):
    org = make.organization()
    admin = make.person(Role.ADMIN, organization=org, name="AAA Admin")
    for n in range(PAGE_SIZE + 5):
        make.db.add(type(admin)(full_name=f"Recruit {n:03d}", organization=org))
    make.db.commit()
    sign_in(admin)
    first = client.get(DIRECTORY, query_string={"q": "recruit"})
    assert len(names(first)) == PAGE_SIZE and "56 people, page 1 of 2" not in flash_text(first)
    assert "55 people, page 1 of 2" in flash_text(first)
    second = client.get(DIRECTORY, query_string={"q": "recruit", "page": 2})
    assert names(second) == [f"Recruit {n:03d}" for n in range(50, 55)]
    past_the_end = client.get(DIRECTORY, query_string={"q": "recruit", "page": 9})
    assert names(past_the_end) == names(second)
    assert "55 people, page 2 of 2" in flash_text(past_the_end)
    assert client.get(DIRECTORY, query_string={"page": 0}).status_code == 400


def test_coordinators_see_their_agencies_only_and_group_coordinators_not_at_all(
    app, client, sign_in, make, world
):
    sign_in(world["coordinator"])
    listed = names(client.get(DIRECTORY, query_string={"activity": "any"}))
    assert "FF Ana Ruiz" not in listed and "Janet Brooks" not in listed
    assert "Ofc. Sofia Rivera" in listed and "Ofc. Gone Away" in listed
    other = client.get(DIRECTORY, query_string={"organization": world["fire"].id})
    assert other.status_code == 400  # not one of the choices
    page = client.get(DIRECTORY).get_data(as_text=True)
    assert "Missoula Fire Department" not in page

    group_coordinator = make.person(
        Role.GROUP_COORDINATOR, organization=world["school"], password=make.PASSWORD
    )
    app.test_client_class = type(client)
    browser = app.test_client()
    browser.submit(
        "/training/sign-in", {"email": group_coordinator.email, "password": make.PASSWORD}
    )
    assert browser.get(DIRECTORY).status_code == 403
    assert 'href="/training/people/"' not in browser.get("/training/").get_data(as_text=True)
    assert 'href="/training/people/"' in client.get("/training/").get_data(as_text=True)


def test_a_listing_by_status_is_kept_until_a_standing_changes(app, client, sign_in, make, world):
    """Who is listed by status is worked out once per change; what is shown of them, always."""
    from sqlalchemy import text

    from lms.app import db
    from lms.models import utcnow
    from tests.status.program import counting_queries

    sign_in(world["admin"])
    current = {"track": world["track"].id, "state": "current", "role": "officer"}
    assert names(client.get(DIRECTORY, query_string=current)) == ["Ofc. Sofia Rivera"]

    # Neither her new title nor a new participant changes who is listed: kept, yet shown anew.
    db.session.execute(
        text("UPDATE lms_person SET job_title = 'Patrol sergeant' WHERE id = :id"),
        {"id": world["rivera"].id},
    )
    db.session.commit()
    make.person(Role.PARTICIPANT, organization=world["school"], name="Tom Brooks")
    with counting_queries(db.engine) as statements:
        page = client.get(DIRECTORY, query_string={**current, "q": ""})
    assert names(page) == ["Ofc. Sofia Rivera"]
    assert "Patrol sergeant" in page.get_data(as_text=True)
    assert not [s for s in statements if "EXISTS" in s and "lms_certification" in s]

    # Her cycle revoked by any writer: she leaves "current" and joins "never" at once.
    db.session.execute(
        text("UPDATE lms_certification SET revoked_at = :now WHERE person_id = :id"),
        {"now": utcnow(), "id": world["rivera"].id},
    )
    db.session.commit()
    assert names(client.get(DIRECTORY, query_string=current)) == []
    never = {**current, "state": "never"}
    assert names(client.get(DIRECTORY, query_string=never)) == ["FF Ana Ruiz", "Ofc. Sofia Rivera"]
