"""Creating and editing organizations: field messages, unique slugs, audited changes."""

from lms.models import AuditEvent, IssuedTranscript, Organization, OrganizationKind, Role
from tests.enrollment.helpers import audit_actions, flash_text

NEW = "/training/organizations/new"

GROUP = {
    "name": "St. Mary's School",
    "kind": "community_group",
    "agency_type": "school",
    "timezone": "America/Denver",
    "contact_email": "Office@StMarys.test",
    "parent_id": "",
    "default_seat_cap": "6",
}


def edit_page(organization) -> str:
    return f"/training/organizations/{organization.id}/edit"


def test_an_admin_creates_a_group_with_a_slug_from_its_name(make, client_for, admin):
    browser = client_for(admin)
    response = browser.submit(NEW, GROUP, follow_redirects=True)
    text = flash_text(response)
    assert "St. Mary's School is created." in text
    assert "Kind Community group" in text and "Line of work School" in text
    assert "Default seat cap 6 seats per session" in text
    group = make.db.query(Organization).filter_by(name="St. Mary's School").one()
    assert (group.slug, group.contact_email, group.active) == (
        "st-marys-school",
        "office@stmarys.test",
        True,
    )
    [event] = audit_actions(make.db, "organization.created")
    assert event.actor_id == admin.id and event.details["default_seat_cap"] == 6

    # The same slug twice gets a suffix; the same name twice is refused.
    browser.submit(NEW, {**GROUP, "name": "St Marys School!"})
    assert make.db.query(Organization).filter_by(name="St Marys School!").one().slug == (
        "st-marys-school-2"
    )
    response = browser.submit(NEW, {**GROUP, "name": "st. mary's school"})
    assert response.status_code == 400
    assert "An organization named st. mary's school already exists." in flash_text(response)


def test_reserved_slugs_are_never_taken_by_a_new_organization(make, client_for, admin):
    client_for(admin).submit(NEW, {**GROUP, "name": "Public Registrants"})
    made = make.db.query(Organization).filter_by(name="Public Registrants").one()
    assert made.slug == "public-registrants-2"


def test_bad_input_gets_field_messages_and_nothing_is_written(make, client_for, admin):
    browser = client_for(admin)
    cases = [
        ({"timezone": "Mars/Olympus_Mons"}, "Not a known IANA time zone"),
        ({"timezone": "../../etc/passwd"}, "Not a known IANA time zone"),
        ({"name": ""}, "Give the organization's name."),
        ({"contact_email": "not-an-address"}, "Not a valid email"),
        ({"kind": "department"}, "Only community groups have a default seat cap"),
        ({"default_seat_cap": "-1"}, "Give a number from 0 to 10000."),
        ({"parent_id": "999999"}, "Not a valid choice"),
    ]
    before = make.db.query(Organization).count()
    for change, message in cases:
        response = browser.submit(NEW, {**GROUP, **change})
        assert response.status_code == 400, change
        assert message in flash_text(response), change
    assert make.db.query(Organization).count() == before
    assert audit_actions(make.db, "organization.created") == []


def test_an_edit_is_audited_field_by_field_and_keeps_the_slug(
    make, client_for, admin, department, school
):
    browser = client_for(admin)
    form = browser.get(edit_page(school)).text
    assert 'value="Big Sky High School"' in form
    response = browser.submit(
        edit_page(school),
        {**GROUP, "name": "Big Sky High", "parent_id": str(department.id), "default_seat_cap": ""},
        follow_redirects=True,
    )
    text = flash_text(response)
    assert "Big Sky High is saved." in text
    assert "Part of Missoula Police Department" in text
    make.db.expire_all()
    assert (school.slug, school.parent_id) == ("big-sky-high", department.id)
    [event] = audit_actions(make.db, "organization.edited")
    changes = event.details["changes"]
    assert changes["name"] == ["Big Sky High School", "Big Sky High"]
    assert changes["parent_id"] == [None, department.id]
    assert "timezone" not in changes

    # A part cannot contain what contains it.
    response = browser.submit(
        edit_page(department),
        {
            **GROUP,
            "name": department.name,
            "kind": "department",
            "default_seat_cap": "",
            "parent_id": str(school.id),
        },
    )
    assert response.status_code == 400
    assert "cannot be part of itself or of one of its own parts" in flash_text(response)


def test_a_coordinator_edits_their_agency_but_not_its_kind_or_parent(
    make, client_for, fire, department, fire_coordinator
):
    browser = client_for(fire_coordinator)
    form = browser.get(edit_page(fire)).text
    assert 'name="kind"' not in form and 'name="parent_id"' not in form
    response = browser.submit(
        edit_page(fire),
        {
            "name": "Missoula Fire & Rescue",
            "agency_type": "fire",
            "timezone": "America/Boise",
            "kind": "community_group",  # not on their form: ignored
            "parent_id": str(department.id),
        },
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert (fire.name, fire.timezone) == ("Missoula Fire & Rescue", "America/Boise")
    assert (fire.kind, fire.parent_id) == (OrganizationKind.PARTNER_AGENCY, None)
    # Another agency's form: not found.
    assert browser.get(edit_page(department)).status_code == 404
    assert make.db.query(AuditEvent).filter_by(action="organization.edited").count() == 1


def test_the_department_running_the_program_keeps_its_kind(make, client_for, admin, department):
    response = client_for(admin).submit(
        edit_page(department),
        {**GROUP, "name": department.name, "kind": "partner_agency", "default_seat_cap": ""},
    )
    assert response.status_code == 400
    assert "stays a department: it is the department that runs the program" in flash_text(response)
    make.db.expire_all()
    assert department.kind is OrganizationKind.DEPARTMENT
    assert make.person(Role.OFFICER, organization=department)  # untouched, still usable


def brand(page: str) -> str:
    return page.split('<span class="brand-dept">')[1].split("</span>")[0]


def test_until_the_department_exists_the_configuration_names_it(client):
    assert brand(client.get("/training/sign-in").text) == "Police Department"


def test_the_department_is_known_by_the_name_its_page_gives_it(
    make, client, client_for, admin, department
):
    browser = client_for(admin)
    response = browser.submit(
        edit_page(department),
        {**GROUP, "name": "Missoula County Police", "kind": "department", "default_seat_cap": ""},
        follow_redirects=True,
    )
    assert "Missoula County Police is saved." in flash_text(response)
    # The header of every page, signed in or not.
    assert brand(browser.get("/training/").text) == "Missoula County Police"
    assert brand(client.get("/training/sign-in").text) == "Missoula County Police"
    officer = make.person(Role.OFFICER, organization=department, name="Ofc. Dana Reyes")
    issued = browser.submit(
        f"/training/transcripts/people/{officer.id}",
        {},
        f"/training/transcripts/people/{officer.id}/issue",
    )
    assert issued.status_code == 303
    [transcript] = make.db.query(IssuedTranscript).all()
    assert transcript.facts["issuer"] == "Missoula County Police"  # what the PDF prints
