"""Fixtures of the organizations tests: a department, a partner, a school; who runs them."""

from __future__ import annotations

import html
import re

import pytest

from lms.models import AgencyType, OrganizationKind, Role


@pytest.fixture
def department(make):
    return make.organization("Missoula Police Department", slug="mpd")


@pytest.fixture
def fire(make):
    return make.organization(
        "Missoula Fire Department",
        slug="mfd",
        kind=OrganizationKind.PARTNER_AGENCY,
        agency_type=AgencyType.FIRE,
    )


@pytest.fixture
def school(make):
    return make.group("Big Sky High School", slug="big-sky-high")


@pytest.fixture
def admin(make, department):
    return make.person(Role.ADMIN, organization=department, name="Chief Ada Stone")


@pytest.fixture
def fire_coordinator(make, fire):
    return make.person(Role.COORDINATOR, organization=fire, name="Capt. Ray Ortiz")


@pytest.fixture
def client_for(app, client, make):
    """A browser of its own, signed in as ``person`` (``client`` makes them FormClients)."""

    def client_for(person):
        browser = app.test_client()
        if person.password_hash is None:
            make.set_password(person)
        response = browser.submit(
            "/training/sign-in", {"email": person.email, "password": make.PASSWORD}
        )
        assert response.status_code == 302
        return browser

    return client_for


def page_text(browser, url: str) -> str:
    """The visible text of the page's content (the header names the department on every page)."""
    response = browser.get(url)
    assert response.status_code == 200, response.status_code
    main = re.search(r"<main\b.*</main>", response.get_data(as_text=True), re.S).group(0)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))
