"""Deactivating an organization: a reason, an audit record, no new people or places."""

import io
from datetime import date, timedelta

import pytest

from lms.auth.operations import AccountError, create_person
from lms.models import Audience, Enrollment, EnrollmentStatus, Person, Role
from tests.enrollment.helpers import audit_actions, flash_text

from .conftest import page_text


def action(organization, verb) -> str:
    return f"/training/organizations/{organization.id}/{verb}"


def org_page(organization) -> str:
    return f"/training/organizations/{organization.id}"


@pytest.fixture
def crase_session(make, department):
    crase = make.course(
        "CRASE", title="CRASE", organization=department, audience=Audience.CIVILIANS
    )
    return make.session(crase, capacity=10, start=date.today() + timedelta(days=20))


def deactivate(browser, organization, reason="Merged into the district", **kw):
    return browser.submit(
        org_page(organization), {"reason": reason}, action=action(organization, "deactivate"), **kw
    )


def test_deactivation_needs_a_reason_and_is_audited_and_reactivation_too(
    make, client_for, admin, school
):
    browser = client_for(admin)
    response = deactivate(browser, school, reason="   ")
    assert response.status_code == 400 and "Give a reason." in flash_text(response)
    make.db.expire_all()
    assert school.active

    text = flash_text(deactivate(browser, school, follow_redirects=True))
    assert "Big Sky High School is inactive: it takes no new people." in text
    assert "Inactive: it takes no new people or enrollments; its records stay." in text
    assert "Merged into the district" in text
    [event] = audit_actions(make.db, "organization.deactivated")
    assert event.details == {"reason": "Merged into the district"} and event.actor_id == admin.id
    assert "Inactive" in page_text(browser, "/training/organizations/")

    response = deactivate(browser, school)
    assert "already inactive" in flash_text(response)
    response = browser.submit(
        org_page(school),
        {"reason": "Reopened"},
        action=action(school, "reactivate"),
        follow_redirects=True,
    )
    assert "Big Sky High School is active again." in flash_text(response)
    make.db.expire_all()
    assert school.active
    assert [e.details["reason"] for e in audit_actions(make.db, "organization.reactivated")] == [
        "Reopened"
    ]


def test_coordinators_do_not_deactivate_and_the_program_department_stays(
    make, client_for, admin, department, fire, fire_coordinator
):
    assert deactivate(client_for(fire_coordinator), fire).status_code == 403
    response = deactivate(client_for(admin), department)
    assert response.status_code == 400
    assert "stays active: it is the department that runs the program" in flash_text(response)
    make.db.expire_all()
    assert fire.active and department.active


def test_an_inactive_group_takes_no_new_people_or_places_but_keeps_its_history(
    app, make, client_for, admin, school, crase_session
):
    coordinator = make.person(Role.GROUP_COORDINATOR, organization=school, name="Dana Principal")
    member = make.person(Role.PARTICIPANT, organization=school, name="Alice Gaines")
    kept = make.enrollment(crase_session, member)
    deactivate(client_for(admin), school)

    group_browser = client_for(coordinator)
    page = f"/training/groups/{school.id}/sessions/{crase_session.id}"
    response = group_browser.submit(
        page, {"full_name": "New Teacher", "email": "new@bigsky.test"}, action=f"{page}/people"
    )
    assert response.status_code == 400
    assert "Big Sky High School is inactive: it takes no new enrollments." in flash_text(response)
    roster = b"full_name,email\nNew Teacher,new@bigsky.test\n"
    response = group_browser.post(
        f"{page}/roster",
        data={
            "csrf_token": group_browser.csrf_token(page),
            "roster": (io.BytesIO(roster), "r.csv"),
        },
    )
    assert "Big Sky High School is inactive: it takes no new enrollments." in flash_text(response)
    response = group_browser.submit(page, {"seats": "2"}, action=f"{page}/reserve")
    assert "is inactive" in flash_text(response)
    make.db.expire_all()
    assert make.db.query(Person).filter_by(email="new@bigsky.test").count() == 0
    assert make.db.query(Enrollment).filter_by(session_id=crase_session.id).all() == [kept]
    assert kept.status is EnrollmentStatus.ENROLLED  # its history stays

    # Whoever creates people refuses the inactive organization.
    with pytest.raises(AccountError, match="Big Sky High School is inactive"):
        create_person(full_name="Someone", organization=school, email="someone@bigsky.test")
    # Its page still shows its people.
    assert "2 people, 2 active." in page_text(client_for(admin), org_page(school))


def test_an_officer_of_an_inactive_agency_cannot_enroll_themselves(
    make, client_for, admin, department, fire
):
    refresher = make.course("ALERRT-REFRESH", organization=department)
    session = make.session(refresher, capacity=10, start=date.today() + timedelta(days=20))
    firefighter = make.person(Role.OFFICER, organization=fire, name="FF Ana Ruiz")
    deactivate(client_for(admin), fire)
    browser = client_for(firefighter)
    page = f"/training/sessions/{session.id}"
    assert "Missoula Fire Department is inactive: it takes no new enrollments." in page_text(
        browser, page
    )
    browser.post(f"{page}/enroll", data={"csrf_token": browser.csrf_token("/training/account")})
    assert make.db.query(Enrollment).filter_by(person_id=firefighter.id).count() == 0
