"""Coordinators add, change and retire courses; the catalog follows."""

from datetime import date, time

import pytest

from lms.models import Audience, Course
from lms.scheduling.times import LocalTimeError, local_to_utc, occurrences
from tests.enrollment.helpers import audit_actions, flash_text

NEW = "/training/schedule/courses/new"


def course_form(**fields):
    data = {
        "code": "alerrt-instr",
        "title": "ALERRT Instructor Certification",
        "description": "Teach the ALERRT course.",
        "audience": "instructors",
        "credit_hours": "24",
        "course_type": "standard",
        "completion_rule": "attendance",
        "certificate_layout": "civilian-attendance",
        "grants_track_id": "0",
        "instructor_track_id": "0",
        "visibility": "private",
    }
    data.update(fields)
    return data


def test_a_coordinator_adds_a_course_with_a_prerequisite(client, make, sign_in, coordinator):
    alerrt = make.track("ALERRT", name="ALERRT active-threat response")
    sign_in(coordinator)
    response = client.submit(
        NEW, course_form(prerequisite_track_ids=[str(alerrt.id)]), follow_redirects=True
    )
    assert "Course ALERRT-INSTR is created." in flash_text(response)
    course = make.db.query(Course).filter_by(code="ALERRT-INSTR").one()
    assert course.audience is Audience.INSTRUCTORS
    assert course.prerequisite_tracks == [alerrt]
    assert course.organization_id == coordinator.organization_id or course.organization_id
    [event] = audit_actions(make.db, "course.created")
    assert event.actor_id == coordinator.id and event.details["fields"]["code"][1] == "ALERRT-INSTR"
    catalog = flash_text(client.get("/training/courses/ALERRT-INSTR"))
    assert "ALERRT Instructor Certification" in catalog


BAD_COURSE_INPUT = [
    ({"code": "CRASE"}, "Another course already has the code CRASE."),
    ({"code": "bad code!"}, "Use capital letters, digits and dashes."),
    ({"title": ""}, "Give the course a title."),
    ({"credit_hours": "-3"}, "Give a number from 0 to 1000."),
    ({"course_type": "certification"}, "A certification course must name the track it grants."),
]


def test_bad_course_input_saves_nothing(client, make, sign_in, coordinator, crase):
    sign_in(coordinator)
    for fields, message in BAD_COURSE_INPUT:
        response = client.submit(NEW, course_form(**fields))
        assert response.status_code == 400, message
        assert message in flash_text(response)
    assert make.db.query(Course).count() == 1  # only CRASE
    assert audit_actions(make.db, "course.created") == []


def test_editing_a_course_records_what_changed(client, make, sign_in, coordinator, crase):
    sign_in(coordinator)
    url = "/training/schedule/courses/CRASE/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="CRASE"' in page
    response = client.submit(
        url,
        course_form(
            code="CRASE",
            title="CRASE: Avoid, Deny, Defend",
            audience="civilians",
            credit_hours="4",
            visibility="public",
        ),
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert crase.title == "CRASE: Avoid, Deny, Defend"
    [event] = audit_actions(make.db, "course.updated")
    assert event.details["changes"]["title"] == ["CRASE", "CRASE: Avoid, Deny, Defend"]


def test_a_course_with_coming_sessions_cannot_be_retired(client, make, sign_in, coordinator, crase):
    session = make.session(crase)
    sign_in(coordinator)
    url = "/training/schedule/courses/CRASE/active"
    response = client.submit(
        "/training/schedule/", {"active": "0"}, action=url, follow_redirects=True
    )
    assert "CRASE still has coming sessions" in flash_text(response)
    make.db.expire_all()
    assert crase.active

    client.submit(f"/training/schedule/sessions/{session.id}/cancel", {"reason": "Low sign-ups"})
    response = client.submit(
        "/training/schedule/", {"active": "0"}, action=url, follow_redirects=True
    )
    assert "CRASE is retired from the catalog." in flash_text(response)
    make.db.expire_all()
    assert not crase.active
    assert client.application.test_client().get("/training/courses/CRASE").status_code == 404
    assert audit_actions(make.db, "course.retired")[0].actor_id == coordinator.id


def test_local_times_across_daylight_saving():
    denver = "America/Denver"
    assert local_to_utc(date(2027, 1, 5), time(8), denver).hour == 15
    assert local_to_utc(date(2027, 7, 5), time(8), denver).hour == 14
    with pytest.raises(LocalTimeError, match="does not exist in America/Denver"):
        local_to_utc(date(2027, 3, 14), time(2, 15), denver)
    assert occurrences(date(2027, 11, 7), time(3, 0), denver) is None
    with pytest.raises(LocalTimeError, match="1:30 AM MDT \\(UTC−6\\) or 1:30 AM MST \\(UTC−7\\)"):
        local_to_utc(date(2027, 11, 7), time(1, 30), denver)
    assert local_to_utc(date(2027, 11, 7), time(1, 30), denver, fold=0).hour == 7  # MDT
    assert local_to_utc(date(2027, 11, 7), time(1, 30), denver, fold=1).hour == 8  # MST
