"""A community group's coordinator, made from its page in one step, with an invitation."""

import re

from lms.models import AccountToken, Person, Role
from tests.enrollment.helpers import audit_actions, flash_text

from .conftest import page_text

LINK_RE = re.compile(r'value="(http[^"]+/training/claim/[^"]+)"')


def org_page(organization) -> str:
    return f"/training/organizations/{organization.id}"


def add(browser, organization, **data):
    fields = {"full_name": "Dana Principal", "email": "Dana@BigSky.test", "phone": "406 555 0100"}
    return browser.submit(
        org_page(organization), {**fields, **data}, action=f"{org_page(organization)}/coordinators"
    )


def test_a_group_coordinator_is_created_and_invited_in_one_step(
    app, make, client_for, admin, school
):
    response = add(client_for(admin), school)
    assert response.status_code == 200
    text = flash_text(response)
    assert "Dana Principal coordinates Big Sky High School." in text
    assert "Dana Principal Community-group coordinator dana@bigsky.test Not yet" in text
    link = LINK_RE.search(response.get_data(as_text=True)).group(1)

    person = make.db.query(Person).filter_by(email="dana@bigsky.test").one()
    assert person.organization_id == school.id and person.phone == "406 555 0100"
    assert [(g.role, g.organization_id) for g in person.roles] == [
        (Role.GROUP_COORDINATOR, school.id)
    ]
    [event] = audit_actions(make.db, "organization.coordinator_created")
    assert event.actor_id == admin.id and event.details["person_id"] == person.id
    assert audit_actions(make.db, "person.created")[0].actor_id == admin.id
    # Only the token's hash is kept; the link is the claim page, and it works once.
    token = link.rsplit("/", 1)[1]
    assert token not in {t.token_hash for t in make.db.query(AccountToken)}
    stranger = app.test_client()
    path = link.split("localhost", 1)[1]
    password = "Avoid-Deny-Defend-2026"
    response = stranger.submit(path, {"new_password": password, "confirm": password})
    assert response.status_code == 302
    assert stranger.get(path).status_code == 410  # used: gone
    # The new coordinator signs in and manages their group.
    signed_in = app.test_client()
    signed_in.submit("/training/sign-in", {"email": "dana@bigsky.test", "password": password})
    assert "Big Sky High School" in page_text(signed_in, f"/training/groups/{school.id}/")


def test_an_email_that_belongs_to_someone_is_refused_and_nobody_changes(
    make, client_for, admin, school, fire
):
    firefighter = make.person(Role.OFFICER, organization=fire, email="ana@mfd.test")
    response = add(client_for(admin), school, email="ANA@mfd.test")
    assert response.status_code == 400
    text = flash_text(response)
    assert "Someone already has the email ana@mfd.test; nobody was changed." in text
    make.db.expire_all()
    assert firefighter.organization_id == fire.id
    assert [g.role for g in firefighter.roles] == [Role.OFFICER]
    assert audit_actions(make.db, "organization.coordinator_created") == []


def test_bad_input_and_non_groups(make, client_for, admin, school, fire, fire_coordinator):
    browser = client_for(admin)
    response = add(browser, school, full_name="", email="not an address")
    assert response.status_code == 400
    text = flash_text(response)
    assert "Give the coordinator's name." in text and "Not a valid email" in text
    response = add(client_for(fire_coordinator), fire)
    assert response.status_code == 400
    assert "Missoula Fire Department is not a community group" in flash_text(response)
    assert "Add a coordinator" not in page_text(browser, org_page(fire))
    assert make.db.query(Person).filter_by(email="dana@bigsky.test").count() == 0
    # A coordinator scoped to another agency does not learn the group exists.
    assert add(client_for(fire_coordinator), school).status_code == 404
