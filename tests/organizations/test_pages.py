"""The organizations list and one organization's page, for admins and scoped coordinators."""

from datetime import date, timedelta

from lms.models import Role
from tests.enrollment.helpers import flash_text

from .conftest import page_text

LIST = "/training/organizations/"


def org_page(organization) -> str:
    return f"/training/organizations/{organization.id}"


def test_the_admin_sees_every_organization_grouped_by_kind_with_counts(
    make, client_for, admin, department, fire, school
):
    make.person(Role.OFFICER, organization=fire)
    make.person(Role.OFFICER, organization=fire, active=False)
    make.person(Role.PARTICIPANT, organization=school)
    text = page_text(client_for(admin), LIST)
    departments = text.index("Departments (1)")
    partners = text.index("Partner agencies (1)")
    groups = text.index("Community groups (1)")
    assert departments < text.index("Missoula Police Department") < partners
    assert partners < text.index("Missoula Fire Department Fire 2 1") < groups
    assert groups < text.index("Big Sky High School School 1 1")
    assert "Add an organization" in text


def test_a_scoped_coordinator_sees_only_their_organizations(
    make, client_for, department, fire, school, fire_coordinator
):
    browser = client_for(fire_coordinator)
    text = page_text(browser, LIST)
    assert "Missoula Fire Department" in text
    assert "Missoula Police Department" not in text and "Big Sky High School" not in text
    assert "Add an organization" not in text
    assert browser.get(org_page(fire)).status_code == 200
    assert browser.get(org_page(department)).status_code == 404
    assert browser.get("/training/organizations/new").status_code == 403


def test_an_unscoped_coordinator_sees_all_and_officers_none(
    make, client_for, department, fire, school
):
    unscoped = make.person(Role.COORDINATOR, organization=department, scope=None)
    text = page_text(client_for(unscoped), LIST)
    assert all(name in text for name in ("Missoula Police", "Missoula Fire", "Big Sky High"))
    officer = make.person(Role.OFFICER, organization=department)
    assert client_for(officer).get(LIST).status_code == 403


def test_the_nav_links_organizations_for_staff_only(make, client_for, department, admin):
    assert 'href="/training/organizations/"' in client_for(admin).get("/training/").text
    officer = make.person(Role.OFFICER, organization=department)
    assert 'href="/training/organizations/"' not in client_for(officer).get("/training/").text


def test_an_agency_at_a_glance_people_coordinators_and_compliance(
    make, client_for, admin, fire, fire_coordinator
):
    track = make.track("ALERRT", name="ALERRT active-shooter response")
    make.course("ALERRT-REFRESH", organization=fire, grants_track=track)  # officers need it
    current = make.person(Role.OFFICER, organization=fire, name="FF Ana Ruiz")
    make.certification(current, track, granted_on=date.today() - timedelta(days=30))
    make.person(Role.OFFICER, organization=fire, name="FF Never Trained")
    make.person(Role.OFFICER, organization=fire, name="FF Gone", active=False)
    response = client_for(admin).get(org_page(fire))
    body = response.get_data(as_text=True)
    text = flash_text(response)
    # people: everyone ever, the active ones, and the directory filtered by the agency
    assert "4 people, 3 active." in text
    assert f'href="/training/people/?organization={fire.id}"' in body
    assert "Capt. Ray Ortiz Training coordinator" in text
    # the compliance report's own counts: current 1, never 2 (the coordinator holds no role
    # that needs the certification; the deactivated officer leaves the denominator)
    row = text[text.index("ALERRT active-shooter response") :]
    assert row.startswith("ALERRT active-shooter response 1 0 0 1 2")
    # a partner agency takes no group coordinators from this page
    assert "Add a coordinator" not in text
