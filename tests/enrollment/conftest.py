"""Fixtures of the enrollment tests: a department, a community group, helpers."""

from __future__ import annotations

import pytest

from lms.models import Audience, Role


@pytest.fixture
def department(make):
    return make.organization("Missoula Police Department")


@pytest.fixture
def school(make):
    return make.group("Big Sky High School")


@pytest.fixture
def school_coordinator(make, school):
    return make.person(Role.GROUP_COORDINATOR, organization=school, name="Dana Principal")


@pytest.fixture
def crase(make, department):
    return make.course(
        "CRASE",
        title="CRASE: Avoid, Deny, Defend",
        organization=department,
        audience=Audience.CIVILIANS,
        is_public=True,
    )


@pytest.fixture
def refresher(make, department):
    return make.course("ALERRT-REFRESH", title="ALERRT Refresher", organization=department)


@pytest.fixture
def client_for(app, client, make):
    """A separate browser (own cookies) signed in as ``person``."""

    def client_for(person):
        other = app.test_client()
        if person.password_hash is None:
            make.set_password(person)
        response = other.submit(
            "/training/sign-in", {"email": person.email, "password": make.PASSWORD}
        )
        assert response.status_code == 302
        return other

    return client_for
