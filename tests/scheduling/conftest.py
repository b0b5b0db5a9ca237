"""Fixtures of the scheduling tests: a department, a coordinator, courses and instructors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lms.models import Audience, Role


@pytest.fixture
def department(make):
    return make.organization("Missoula Police Department")


@pytest.fixture
def coordinator(make, department):
    return make.person(Role.COORDINATOR, organization=department, name="Pat Coordinator")


@pytest.fixture
def instructor_track(make):
    return make.track("ALERRT-INSTR", name="ALERRT instructor", validity_months=36)


@pytest.fixture
def refresher(make, department, instructor_track):
    return make.course(
        "ALERRT-REFRESH",
        title="ALERRT Refresher",
        organization=department,
        instructor_track=instructor_track,
    )


@pytest.fixture
def crase(make, department):
    return make.course(
        "CRASE", title="CRASE", organization=department, audience=Audience.CIVILIANS, is_public=True
    )


@pytest.fixture
def instructor(make, department, instructor_track):
    """A current ALERRT instructor."""
    person = make.person(Role.INSTRUCTOR, Role.OFFICER, organization=department, name="Erin Hayes")
    make.certification(person, instructor_track, granted_on=date.today() - timedelta(days=100))
    return person
