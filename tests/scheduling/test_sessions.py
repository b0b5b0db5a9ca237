"""Coordinators schedule, change and cancel sessions in local time; nothing half-saved."""

from datetime import UTC, date, datetime, timedelta

from lms import signals
from lms.models import CourseSession, EnrollmentStatus, Role, SessionStatus
from tests.enrollment.helpers import audit_actions, captured, flash_text, statuses
from tests.support import DENVER

NEW = "/training/schedule/sessions/new"


def session_form(course, meetings, **fields):
    """The new-session form as a coordinator fills it: meetings are (day, start, end)."""
    data = {
        "course_id": str(course.id),
        "location": "MPD Training Center",
        "capacity": "20",
        "group_seat_cap": "",
        "visibility": "private",
        "registration_opens": "",
        "registration_closes": "",
        "notes": "",
    }
    for i, (day, starts, ends) in enumerate(meetings):
        data.update({f"meetings-{i}-day": day, f"meetings-{i}-starts": starts})
        data[f"meetings-{i}-ends"] = ends
    data.update(fields)
    return data


def edit_form(session, **fields):
    """The edit form as the page fills it from the stored session."""
    data = {
        "course_id": str(session.course_id),
        "location": session.location,
        "capacity": str(session.capacity),
        "group_seat_cap": "" if session.group_seat_cap is None else str(session.group_seat_cap),
        "visibility": "public" if session.is_public else "private",
        "notes": session.notes,
        "lead_ids": [str(p.id) for p in session.lead_instructors],
    }
    for i, m in enumerate(session.meetings):
        local_start, local_end = m.starts_at.astimezone(DENVER), m.ends_at.astimezone(DENVER)
        data[f"meetings-{i}-meeting_id"] = str(m.id)
        data[f"meetings-{i}-day"] = local_start.date().isoformat()
        data[f"meetings-{i}-starts"] = local_start.strftime("%H:%M")
        data[f"meetings-{i}-ends"] = local_end.strftime("%H:%M")
    data.update(fields)
    return data


def edit(client, session, **fields):
    url = f"/training/schedule/sessions/{session.id}/edit"
    return client.submit(url, edit_form(session, **fields))


def test_a_two_day_class_is_one_session_with_two_meetings_in_local_time(
    client, make, sign_in, coordinator, refresher, instructor
):
    # Clocks go forward in Denver on 14 Mar 2027: 8 AM is 15:00 UTC on Saturday, 14:00 on Sunday.
    sign_in(coordinator)
    data = session_form(
        refresher,
        [("2027-03-13", "08:00", "16:00"), ("2027-03-14", "08:00", "12:00")],
        lead_ids=[str(instructor.id)],
        registration_closes="2027-03-12T17:00",
    )
    with captured(signals.session_scheduled) as sent:
        response = client.submit(NEW, data, follow_redirects=True)
    text = flash_text(response)
    assert "The ALERRT-REFRESH session is scheduled." in text
    assert "Sat 13 Mar 2027, 8:00 AM MST – 4:00 PM MST" in text
    assert "Sun 14 Mar 2027, 8:00 AM MDT – 12:00 PM MDT" in text
    assert "Erin Hayes" in text

    session = make.db.query(CourseSession).one()
    assert [(m.starts_at, m.ends_at) for m in session.meetings] == [
        (datetime(2027, 3, 13, 15, tzinfo=UTC), datetime(2027, 3, 13, 23, tzinfo=UTC)),
        (datetime(2027, 3, 14, 14, tzinfo=UTC), datetime(2027, 3, 14, 18, tzinfo=UTC)),
    ]
    assert session.registration_closes_at == datetime(2027, 3, 13, 0, tzinfo=UTC)
    assert session.timezone == "America/Denver" and session.capacity == 20
    assert session.created_by_id == coordinator.id
    assert [kw["session"] for kw in sent] == [session.id]
    assert audit_actions(make.db, "session.scheduled")[0].actor_id == coordinator.id


def test_a_time_the_clocks_skip_is_refused_and_nothing_is_saved(
    client, make, sign_in, coordinator, crase
):
    sign_in(coordinator)
    response = client.submit(NEW, session_form(crase, [("2027-03-14", "02:30", "04:00")]))
    assert response.status_code == 400
    text = flash_text(response)
    assert "2:30 AM on Sun 14 Mar 2027 does not exist in America/Denver" in text
    assert make.db.query(CourseSession).count() == 0


BAD_SESSION_INPUT = [
    ([("2027-05-01", "12:00", "08:00")], {}, "The end must be after the start."),
    ([("2027-05-01", "08:00", "08:00")], {}, "The end must be after the start."),
    ([("2027-05-01", "08:00", "12:00")], {"capacity": "-1"}, "capacity cannot be below zero"),
    ([("2027-05-01", "08:00", "12:00")], {"capacity": ""}, "Give the number of seats."),
    ([], {}, "Add at least one meeting"),
    ([("2027-05-01", "", "12:00")], {}, "Give the starts."),
    (
        [("2027-05-01", "08:00", "12:00"), ("2027-05-01", "11:00", "13:00")],
        {},
        "Two meetings overlap",
    ),
    (
        [("2027-05-01", "08:00", "12:00")],
        {"registration_closes": "2027-05-02T08:00"},
        "Registration must close by the time the first meeting starts.",
    ),
    (
        [("2027-05-01", "08:00", "12:00")],
        {"registration_opens": "2027-04-20T08:00", "registration_closes": "2027-04-10T08:00"},
        "Registration must close after it opens.",
    ),
    ([("2027-05-01", "08:00", "12:00")], {"group_seat_cap": "-2"}, "cap cannot be below zero"),
]


def test_bad_session_input_gets_a_form_error_and_saves_nothing(
    client, make, sign_in, coordinator, crase
):
    sign_in(coordinator)
    for meetings, fields, message in BAD_SESSION_INPUT:
        response = client.submit(NEW, session_form(crase, meetings, **fields))
        assert response.status_code == 400, message
        assert message in flash_text(response)
    assert make.db.query(CourseSession).count() == 0


def test_lead_instructors_must_be_current_on_the_courses_instructor_track(
    client, make, sign_in, coordinator, refresher, instructor_track, department
):
    lapsed = make.person(Role.INSTRUCTOR, organization=department, name="Lee Lapsed")
    make.certification(lapsed, instructor_track, granted_on=date.today() - timedelta(days=40 * 31))
    nearly = make.person(Role.INSTRUCTOR, organization=department, name="Nia Nearly")
    make.certification(
        nearly,
        instructor_track,
        granted_on=date.today() - timedelta(days=30),
        expires_on=date.today() + timedelta(days=20),
    )
    sign_in(coordinator)
    day = (date.today() + timedelta(days=60)).isoformat()
    for person, why in (
        (lapsed, "'s ALERRT instructor certification expired on"),
        (nearly, "'s ALERRT instructor certification expires on"),
    ):
        response = client.submit(
            NEW, session_form(refresher, [(day, "08:00", "16:00")], lead_ids=[str(person.id)])
        )
        assert response.status_code == 400
        text = flash_text(response)
        assert f"{person.full_name}{why}" in text.replace("&#39;", "'")
        assert "a current one is required to lead" in text
    assert make.db.query(CourseSession).count() == 0
    # As an assistant, the lapsed instructor may help.
    response = client.submit(
        NEW, session_form(refresher, [(day, "08:00", "16:00")], assistant_ids=[str(lapsed.id)])
    )
    assert response.status_code == 302


def test_capacity_cannot_drop_below_the_seats_held_and_a_rise_seats_the_waitlist(
    client, make, sign_in, coordinator, crase
):
    session = make.session(crase, capacity=2)
    for _ in range(2):
        make.enrollment(session, make.person(Role.PARTICIPANT, organization=make.group()))
    waiting = make.enrollment(
        session, make.person(Role.PARTICIPANT), status=EnrollmentStatus.WAITLISTED
    )
    sign_in(coordinator)

    response = edit(client, session, capacity="1")
    assert response.status_code == 400
    assert "2 people hold seats: the capacity cannot be below 2." in flash_text(response)
    make.db.expire_all()
    assert session.capacity == 2

    with captured(signals.waitlist_promoted) as promoted:
        assert edit(client, session, capacity="3").status_code == 302
    make.db.expire_all()
    assert session.capacity == 3
    assert waiting.status is EnrollmentStatus.ENROLLED
    assert [kw["enrollment"] for kw in promoted] == [waiting.id]
    [changed] = audit_actions(make.db, "session.changed")
    assert changed.details["changes"]["capacity"] == [2, 3]
    assert audit_actions(make.db, "enrollment.promoted")[0].object_id == str(waiting.id)


def test_moving_a_meeting_bumps_the_calendar_revision_and_its_sequence(
    client, make, sign_in, coordinator, crase
):
    session = make.session(crase, days=2, start=date.today() + timedelta(days=30))
    first, second = session.meetings
    sign_in(coordinator)

    assert edit(client, session, capacity="12").status_code == 302  # seats only: same revision
    make.db.expire_all()
    assert session.revision == 0

    with captured(signals.session_changed) as changed:
        response = edit(client, session, **{"meetings-1-starts": "09:00"})
    assert response.status_code == 302
    make.db.expire_all()
    assert session.revision == 1
    assert (first.sequence, second.sequence) == (0, 1)  # the same meeting, moved
    assert second.starts_at.astimezone(DENVER).hour == 9
    assert "meetings" in changed[0]["changes"]


def test_a_meeting_with_attendance_cannot_be_removed(client, make, sign_in, coordinator, crase):
    from lms.models import AttendanceRecord

    session = make.session(crase, days=2)
    enrollment = make.enrollment(session, make.person(Role.PARTICIPANT))
    make.db.add(AttendanceRecord(enrollment=enrollment, meeting=session.meetings[1], present=True))
    make.db.commit()
    sign_in(coordinator)
    data = edit_form(session)
    for key in ("meeting_id", "day", "starts", "ends"):
        data[f"meetings-1-{key}"] = ""
    response = client.submit(f"/training/schedule/sessions/{session.id}/edit", data)
    assert response.status_code == 400
    assert "has attendance recorded; keep it." in flash_text(response)
    make.db.expire_all()
    assert len(session.meetings) == 2


def test_cancelling_a_session_cancels_its_places_and_keeps_them(
    client, make, sign_in, coordinator, crase
):
    session = make.session(crase, capacity=1, is_public=True)
    seated = make.enrollment(session, make.person(Role.PARTICIPANT, name="Seated Person"))
    waiting = make.enrollment(
        session, make.person(Role.PARTICIPANT), status=EnrollmentStatus.WAITLISTED
    )
    sign_in(coordinator)
    url = f"/training/schedule/sessions/{session.id}/cancel"

    response = client.submit(url, {"reason": ""})
    assert response.status_code == 400
    assert "Say why the session is cancelled." in flash_text(response)

    with (
        captured(signals.session_cancelled) as cancelled_sessions,
        captured(signals.enrollment_cancelled) as cancelled_places,
        captured(signals.waitlist_promoted) as promoted,
    ):
        response = client.submit(url, {"reason": "Instructor injured"}, follow_redirects=True)
    text = flash_text(response)
    assert "This session is cancelled: Instructor injured." in text

    make.db.expire_all()
    assert session.status is SessionStatus.CANCELLED
    assert (
        session.cancelled_by_id == coordinator.id and session.cancel_reason == "Instructor injured"
    )
    assert session.revision == 1
    assert all(m.sequence == 1 for m in session.meetings)
    for enrollment in (seated, waiting):
        assert enrollment.status is EnrollmentStatus.CANCELLED  # kept, not deleted
        assert enrollment.cancel_reason == "Session cancelled: Instructor injured"
        assert enrollment.cancelled_by_id == coordinator.id
    assert cancelled_sessions == [
        {"session": session.id, "actor": coordinator.id, "reason": "Instructor injured"}
    ]
    assert sorted(kw["enrollment"] for kw in cancelled_places) == sorted([seated.id, waiting.id])
    assert promoted == []  # nobody is promoted into a cancelled session
    assert audit_actions(make.db, "session.cancelled")[0].details["enrollments_cancelled"] == 2
    assert len(audit_actions(make.db, "enrollment.cancelled")) == 2

    # Nobody can take a place any more, and a second cancel is refused.
    assert statuses(make.db, session) == {}
    assert client.submit(url, {"reason": "again"}).status_code == 400
    anonymous = client.application.test_client()
    page = flash_text(anonymous.get(f"/training/sessions/{session.id}"))
    assert "This session is cancelled: Instructor injured." in page


def test_only_coordinators_schedule(client, make, sign_in, crase):
    session = make.session(crase)
    assert client.get("/training/schedule/").status_code == 302  # to the sign-in page
    sign_in(make.person(Role.OFFICER))
    for url in (
        "/training/schedule/",
        NEW,
        f"/training/schedule/sessions/{session.id}/edit",
        f"/training/schedule/sessions/{session.id}/cancel",
        "/training/schedule/courses/new",
        "/training/schedule/courses/CRASE/edit",
    ):
        assert client.get(url).status_code == 403, url
    token = client.csrf_token("/training/")
    response = client.post(
        f"/training/schedule/sessions/{session.id}/cancel",
        data={"csrf_token": token, "reason": "nope"},
    )
    assert response.status_code == 403
    make.db.expire_all()
    assert session.status is SessionStatus.SCHEDULED
