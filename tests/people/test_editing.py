"""Adding and editing a person: field messages on bad input, every change audited."""

import pytest
from sqlalchemy import select

from lms.models import AuditEvent, Person, Role
from tests.enrollment.helpers import flash_text

NEW = "/training/people/new"


@pytest.fixture
def agencies(make):
    police = make.organization("Missoula Police Department")
    fire = make.organization("Missoula Fire Department")
    admin = make.person(Role.ADMIN, organization=police, name="Chris Admin")
    coordinator = make.person(Role.COORDINATOR, organization=police, name="Lt. Dana Cole")
    return police, fire, admin, coordinator


def details(organization, **changes):
    return {
        "full_name": "Ofc. Sofia Rivera",
        "preferred_name": "Sofia Rivera",
        "email": "S.Rivera@MPD.test",
        "badge_number": "B-1017",
        "employee_number": "E-55310",
        "job_title": "School Resource Officer",
        "unit": "Patrol, District 2",
        "organization": str(organization.id),
        "notes": "Assigned to Big Sky High.",
        **changes,
    }


def test_adding_a_person_shows_their_page_and_audits_what_was_set(client, sign_in, make, agencies):
    police, _, admin, _ = agencies
    sign_in(admin)
    response = client.submit(NEW, details(police), follow_redirects=True)
    text = flash_text(response)
    assert "Ofc. Sofia Rivera is added." in text
    for shown in (
        "Name on certificates Sofia Rivera",
        "Email s.rivera@mpd.test",
        "Rank or title School Resource Officer",
        "Unit Patrol, District 2",
        "Badge number B-1017",
        "Employee number E-55310",
        "Notes Assigned to Big Sky High.",
        "Can sign in No: no password set yet",
    ):
        assert shown in text
    person = make.db.scalar(select(Person).where(Person.employee_number == "E-55310"))
    assert person.printed_name == "Sofia Rivera" and person.created_by_id == admin.id
    transcript = f'<a href="/training/transcripts/people/{person.id}">Training transcript</a>'
    assert transcript in response.text  # staff print it from here
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "person.created"))
    assert event.actor_id == admin.id and event.object_id == str(person.id)
    assert event.details["email"] == "s.rivera@mpd.test"
    assert event.details["organization_id"] == police.id


def test_a_clash_or_a_bad_value_is_a_field_message_and_nothing_is_written(
    client, sign_in, make, agencies
):
    police, _, admin, _ = agencies
    make.person(organization=police, employee_number="E-55310", email="taken@mpd.test")
    sign_in(admin)
    cases = {
        "Another person already has this employee number.": {},
        "Another person already has this email.": {
            "employee_number": "",
            "email": "TAKEN@mpd.test",
        },
        "Give the person's name.": {"full_name": "  "},
        "Not a valid email": {"email": "not-an-address"},
        "invisible": {"full_name": "Sofia\u202eRivera"},
    }
    before = make.db.query(Person).count()
    for message, change in cases.items():
        response = client.submit(NEW, details(police, **change))
        assert response.status_code == 400, message
        assert message in flash_text(response), message
    assert make.db.query(Person).count() == before
    assert make.db.query(AuditEvent).filter_by(action="person.created").count() == 0


def test_editing_audits_each_change_before_and_after(client, sign_in, make, agencies):
    police, fire, admin, _ = agencies
    person = make.person(Role.OFFICER, organization=police, name="Ofc. Sofia Rivera")
    url = f"/training/people/{person.id}/edit"
    sign_in(admin)
    form = client.get(url)
    assert 'value="Ofc. Sofia Rivera"' in form.get_data(as_text=True)
    response = client.submit(
        url,
        details(fire, email=person.email, preferred_name="", badge_number="", notes=""),
        follow_redirects=True,
    )
    assert "Ofc. Sofia Rivera: 4 changes saved." in flash_text(response)
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "person.updated"))
    assert event.actor_id == admin.id and event.object_id == str(person.id)
    assert event.details["changes"] == {
        "employee_number": [None, "E-55310"],
        "job_title": [None, "School Resource Officer"],
        "unit": [None, "Patrol, District 2"],
        "organization_id": [police.id, fire.id],
    }
    assert "Organization Missoula Fire Department" in flash_text(response)

    again = client.submit(
        url, details(fire, email=person.email, preferred_name="", badge_number="", notes="")
    )
    assert again.status_code == 302
    assert make.db.query(AuditEvent).filter_by(action="person.updated").count() == 1


def test_a_coordinator_adds_and_edits_people_of_their_agency_only(
    app, client, sign_in, make, agencies
):
    police, fire, _, coordinator = agencies
    sign_in(coordinator)
    form = client.get(NEW).get_data(as_text=True)
    assert "Missoula Police Department" in form and "Missoula Fire Department" not in form
    refused = client.submit(NEW, details(fire))
    assert refused.status_code == 400 and "Not a valid choice" in flash_text(refused)
    assert client.submit(NEW, details(police)).status_code == 302

    firefighter = make.person(Role.OFFICER, organization=fire)
    assert client.get(f"/training/people/{firefighter.id}/edit").status_code == 404
    # Someone of their agency holding a role elsewhere is the admin's to change.
    chief = make.person(Role.ADMIN, organization=police, name="Chief Ada Stone")
    page = flash_text(client.get(f"/training/people/{chief.id}"))
    assert "an administrator changes their details" in page and "Edit details" not in page
    assert client.get(f"/training/people/{chief.id}/edit").status_code == 403
