"""Granting and removing roles: scoped, for a reason, audited; nobody grants beyond their scope."""

import pytest
from sqlalchemy import select

from lms.auth.policy import can_grant_role
from lms.models import AuditEvent, Role, RoleAssignment
from tests.enrollment.helpers import flash_text


@pytest.fixture
def place(make):
    police = make.organization("Missoula Police Department")
    fire = make.organization("Missoula Fire Department")
    school = make.group("Big Sky High School")
    admin = make.person(Role.ADMIN, organization=police, name="Chris Admin")
    coordinator = make.person(Role.COORDINATOR, organization=police, name="Lt. Dana Cole")
    officer = make.person(Role.OFFICER, organization=police, name="Ofc. Sofia Rivera")
    return {
        "police": police,
        "fire": fire,
        "school": school,
        "admin": admin,
        "coordinator": coordinator,
        "officer": officer,
    }


def page(person) -> str:
    return f"/training/people/{person.id}"


def grant(client, person, role, organization=None, reason="Certified in March", **kw):
    data = {
        "grant-role": role,
        "grant-organization": str(organization.id) if organization else "",
        "grant-reason": reason,
    }
    return client.submit(page(person), data, action=f"{page(person)}/roles", **kw)


def remove(client, person, assignment, reason="Left the unit", **kw):
    data = {"remove-grant": str(assignment.id), "remove-reason": reason}
    return client.submit(page(person), data, action=f"{page(person)}/roles/remove", **kw)


def grants(make, person) -> set[tuple[str, int | None]]:
    make.db.expire_all()
    rows = make.db.scalars(select(RoleAssignment).where(RoleAssignment.person_id == person.id))
    return {(g.role.value, g.organization_id) for g in rows}


def test_an_admin_grants_scoped_roles_with_a_reason_and_the_page_shows_them(
    client, sign_in, make, place
):
    officer, police = place["officer"], place["police"]
    sign_in(place["admin"])
    response = grant(client, officer, "instructor", follow_redirects=True)
    assert "Ofc. Sofia Rivera is now Instructor (Missoula Police Department)." in flash_text(
        response
    )
    grant(client, officer, "group_coordinator", place["school"])
    grant(client, officer, "coordinator")  # no scope: every organization
    text = flash_text(client.get(page(officer)))
    assert (
        "Roles Officer (Missoula Police Department), Instructor (Missoula Police Department), "
        "Community-group coordinator (Big Sky High School), "
        "Training coordinator (all organizations)"
    ) in text
    assert grants(make, officer) == {
        ("officer", police.id),
        ("instructor", police.id),
        ("group_coordinator", place["school"].id),
        ("coordinator", None),
    }
    events = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "person.role_granted").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.details["role"], e.details["reason"]) for e in events] == [
        (place["admin"].id, "instructor", "Certified in March"),
        (place["admin"].id, "group_coordinator", "Certified in March"),
        (place["admin"].id, "coordinator", "Certified in March"),
    ]


def test_bad_grants_get_a_field_message_and_change_nothing(client, sign_in, make, place):
    officer = place["officer"]
    sign_in(place["admin"])
    cases = [
        ("Give a reason.", ("instructor", None, " ")),
        ("Choose a role.", ("", None, "x")),
        ("scope is a community group", ("group_coordinator", place["fire"], "x")),
        ("An instructor teaches for the department", ("instructor", place["school"], "x")),
        ("An administrator's role has no scope.", ("admin", place["police"], "x")),
        ("already holds this role", ("officer", None, "x")),
    ]
    for message, (role, organization, reason) in cases:
        response = grant(client, officer, role, organization, reason)
        assert response.status_code == 400, message
        assert message in flash_text(response), message
    assert grants(make, officer) == {("officer", place["police"].id)}
    assert make.db.query(AuditEvent).filter_by(action="person.role_granted").count() == 0


def test_a_coordinator_grants_within_their_scope_only(client, sign_in, make, place):
    officer = place["officer"]
    sign_in(place["coordinator"])
    form = client.get(page(officer)).get_data(as_text=True)
    assert 'value="admin"' not in form and "Missoula Fire Department" not in form
    assert grant(client, officer, "instructor").status_code == 302
    for role, organization in (("admin", None), ("coordinator", place["fire"])):
        response = grant(client, officer, role, organization)
        assert response.status_code == 400
        assert "Not a valid choice" in flash_text(response)
    # Left empty, a coordinator's role is scoped to the person's agency, never unscoped.
    assert grant(client, officer, "coordinator").status_code == 302
    assert grants(make, officer) == {
        ("officer", place["police"].id),
        ("instructor", place["police"].id),
        ("coordinator", place["police"].id),
    }
    # Someone who holds a role elsewhere is not theirs to change.
    make.db.add(RoleAssignment(person_id=officer.id, role=Role.OFFICER, organization=place["fire"]))
    make.db.commit()
    assert grant(client, officer, "participant").status_code == 403


def test_removing_a_role_needs_a_reason_is_audited_and_spares_the_last_admin(
    app, client, sign_in, make, place
):
    officer, admin = place["officer"], place["admin"]
    sign_in(admin)
    grant(client, officer, "instructor")
    instructor = next(g for g in officer.roles if g.role is Role.INSTRUCTOR)
    assert remove(client, officer, instructor, reason="").status_code == 400
    response = remove(client, officer, instructor, follow_redirects=True)
    assert "Ofc. Sofia Rivera is no longer Instructor (Missoula Police Department)." in flash_text(
        response
    )
    assert grants(make, officer) == {("officer", place["police"].id)}
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "person.role_removed"))
    assert event.actor_id == admin.id and event.object_id == str(officer.id)
    assert event.details["role"] == "instructor" and event.details["reason"] == "Left the unit"

    (own_admin,) = [g for g in admin.roles if g.role is Role.ADMIN]
    refused = remove(client, admin, own_admin)
    assert refused.status_code == 400
    assert "Chris Admin is the last administrator" in flash_text(refused)
    assert ("admin", None) in grants(make, admin)

    # With a second administrator, the first may step down.
    grant(client, officer, "admin")
    assert remove(client, admin, own_admin).status_code == 302
    assert ("admin", None) not in grants(make, admin)


def test_a_coordinator_cannot_remove_an_admin_role_or_one_outside_their_scope(
    client, sign_in, make, place
):
    officer = place["officer"]
    fire_grant = RoleAssignment(
        person_id=officer.id, role=Role.INSTRUCTOR, organization=place["fire"]
    )
    make.db.add(fire_grant)
    make.db.commit()
    sign_in(place["coordinator"])
    assert remove(client, officer, fire_grant).status_code == 403
    assert ("instructor", place["fire"].id) in grants(make, officer)


def test_the_grant_rule_never_lets_a_coordinator_make_an_admin_or_an_unscoped_coordinator(place):
    coordinator, police, fire = place["coordinator"], place["police"], place["fire"]
    assert can_grant_role(coordinator, Role.INSTRUCTOR, police.id)
    assert can_grant_role(coordinator, Role.COORDINATOR, police.id)
    assert not can_grant_role(coordinator, Role.ADMIN, police.id)
    assert not can_grant_role(coordinator, Role.ADMIN, None)
    assert not can_grant_role(coordinator, Role.COORDINATOR, None)
    assert not can_grant_role(coordinator, Role.OFFICER, fire.id)
    assert can_grant_role(place["admin"], Role.ADMIN, None)
