"""A community-group coordinator reserves seats and names their people, within a cap."""

from datetime import timedelta

from lms.models import (
    AgencyType,
    AuditEvent,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Person,
    Role,
    RoleAssignment,
    utcnow,
)

from .helpers import audit_actions, flash_text, statuses


def group_page(group, session):
    return f"/training/groups/{group.id}/sessions/{session.id}"


def add_person(client, group, session, name, email, **extra):
    page = group_page(group, session)
    return client.submit(
        page,
        {"full_name": name, "email": email, **extra},
        action=f"{page}/people",
        follow_redirects=True,
    )


def reserve(client, group, session, seats):
    page = group_page(group, session)
    return client.submit(
        page, {"seats": str(seats)}, action=f"{page}/reserve", follow_redirects=True
    )


def test_coordinator_reserves_seats_and_names_people_later(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=10, is_public=True)
    sign_in(school_coordinator)

    dashboard = flash_text(client.get("/training/"))
    assert "Enroll your people" in dashboard
    assert "Big Sky High School: seats and people" in dashboard
    home = flash_text(client.get(f"/training/groups/{school.id}/"))
    assert "CRASE: Avoid, Deny, Defend" in home

    text = flash_text(reserve(client, school, session, 4))
    assert "4 seats are held for Big Sky High School." in text
    assert "0 named · 4 reserved · 10 more can be seated now" in text
    assert "6 of 10 seats left" in flash_text(client.get("/training/sessions/"))

    text = flash_text(
        add_person(
            client,
            school,
            session,
            "Ms. Avery Lee",
            "Avery.Lee@BigSky.test",
            phone="406-555-0101",
            job_title="Teacher",
        )
    )
    assert "Ms. Avery Lee is enrolled in CRASE: Avoid, Deny, Defend." in text
    assert "1 named · 4 reserved · 9 more can be seated now" in text
    # A named person fills a reserved seat: the room is no fuller than before.
    assert "6 of 10 seats left" in flash_text(client.get("/training/sessions/"))

    person = make.db.query(Person).filter_by(email="avery.lee@bigsky.test").one()
    assert person.organization_id == school.id
    assert person.password_hash is None  # no login needed
    assert (person.phone, person.job_title) == ("406-555-0101", "Teacher")
    enrollment = make.db.query(Enrollment).filter_by(person_id=person.id).one()
    assert enrollment.source is EnrollmentSource.GROUP
    assert enrollment.enrolled_by_id == school_coordinator.id
    [reserved] = audit_actions(make.db, "group.seats_reserved")
    assert reserved.details["seats_reserved"] == 4 and reserved.organization_id == school.id
    assert audit_actions(make.db, "person.created")[0].actor_id == school_coordinator.id

    # Giving seats back frees them for everyone.
    reserve(client, school, session, 1)
    assert "9 of 10 seats left" in flash_text(client.get("/training/sessions/"))


def test_reserving_more_than_is_free_is_refused(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=5)
    for _ in range(3):
        make.enrollment(session, make.person(Role.PARTICIPANT, organization=make.group()))
    sign_in(school_coordinator)
    response = reserve(client, school, session, 4)
    assert response.status_code == 400
    assert "Only 2 more seats are free in this session" in flash_text(response)
    assert make.db.query(AuditEvent).filter_by(action="group.seats_reserved").count() == 0


def test_the_group_cap_keeps_one_group_from_taking_the_class(
    client, client_for, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=10, group_seat_cap=2)
    sign_in(school_coordinator)
    assert "may hold at most 2 seats" in flash_text(reserve(client, school, session, 3))
    add_person(client, school, session, "One", "one@bigsky.test")
    add_person(client, school, session, "Two", "two@bigsky.test")
    text = flash_text(add_person(client, school, session, "Three", "three@bigsky.test"))
    assert "The session is full: Three is #1 on the waitlist" in text
    assert sorted(statuses(make.db, session).values()) == [
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.WAITLISTED,
    ]
    # Another group is not held back by the school's cap.
    other = make.group("Grace Church")
    church = client_for(make.person(Role.GROUP_COORDINATOR, organization=other))
    text = flash_text(add_person(church, other, session, "Pastor Jo", "jo@grace.test"))
    assert "Pastor Jo is enrolled" in text


def test_a_coordinator_sets_one_groups_cap_and_the_waitlist_moves(
    client, client_for, make, sign_in, crase, school
):
    session = make.session(crase, capacity=10, group_seat_cap=1)
    people = [make.person(Role.PARTICIPANT, organization=school) for _ in range(3)]
    make.enrollment(session, people[0])
    waiting = [make.enrollment(session, p, status=EnrollmentStatus.WAITLISTED) for p in people[1:]]
    staff = make.person(Role.COORDINATOR, organization=session.organization)
    staff_client = client_for(staff)
    page = f"/training/sessions/{session.id}/enrollments"
    response = staff_client.submit(
        page, {"organization_id": str(school.id), "seat_cap": "2"}, action=f"{page}/cap"
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert [e.status for e in waiting] == [EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED]
    [event] = audit_actions(make.db, "group.seat_cap_set")
    assert event.details["seat_cap"] == 2 and event.actor_id == staff.id
    assert audit_actions(make.db, "enrollment.promoted")[0].object_id == str(waiting[0].id)


def test_coordinators_see_and_manage_only_their_own_group(
    client, make, sign_in, crase, refresher, school, school_coordinator
):
    session = make.session(crase, capacity=10)
    officer_class = make.session(refresher, capacity=10)
    other = make.group("Grace Church")
    stranger = make.person(Role.PARTICIPANT, organization=other, name="Church Member")
    theirs = make.enrollment(session, stranger, source=EnrollmentSource.GROUP)
    sign_in(school_coordinator)

    assert client.get(f"/training/groups/{other.id}/").status_code == 404
    assert client.get(group_page(school, officer_class)).status_code == 404  # not for groups
    assert client.get(group_page(other, session)).status_code == 404
    token = client.csrf_token(f"/training/groups/{school.id}/")
    for url in (
        f"{group_page(other, session)}/people",
        f"/training/groups/{other.id}/people/{stranger.id}/claim-link",
        f"/training/groups/{school.id}/people/{stranger.id}/claim-link",
        f"/training/enrollments/{theirs.id}/cancel",
    ):
        response = client.post(
            url, data={"csrf_token": token, "full_name": "x", "email": "x@y.test"}
        )
        assert response.status_code == 404, url
    assert client.get(f"/training/enrollments/{theirs.id}/cancel").status_code == 404
    # Their own group's session page does not show the other group's people.
    assert "Church Member" not in flash_text(client.get(group_page(school, session)))
    make.db.expire_all()
    assert theirs.status is EnrollmentStatus.ENROLLED
    assert make.db.query(Person).filter_by(email="x@y.test").count() == 0


def test_an_email_of_someone_outside_the_group_is_refused(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=10)
    make.person(Role.OFFICER, email="officer@mpd.test")
    sign_in(school_coordinator)
    response = add_person(client, school, session, "Not Ours", "officer@mpd.test")
    assert response.status_code == 400
    assert "officer@mpd.test belongs to someone outside Big Sky High School" in flash_text(response)
    assert make.db.query(Enrollment).count() == 0


def test_group_coordinator_withdraws_a_person_and_the_next_in_line_gets_the_seat(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=1)
    teacher = make.person(Role.PARTICIPANT, organization=school, name="Teacher One")
    place = make.enrollment(session, teacher, source=EnrollmentSource.GROUP)
    waiting = make.enrollment(
        session,
        make.person(Role.PARTICIPANT, organization=make.group()),
        status=EnrollmentStatus.WAITLISTED,
    )
    sign_in(school_coordinator)
    assert "Cancel…" in flash_text(client.get(group_page(school, session)))
    response = client.submit(
        f"/training/enrollments/{place.id}/cancel", {"reason": "Sick"}, follow_redirects=True
    )
    assert "Teacher One's place in CRASE: Avoid, Deny, Defend is cancelled." in flash_text(response)
    make.db.expire_all()
    assert place.status is EnrollmentStatus.CANCELLED
    assert waiting.status is EnrollmentStatus.ENROLLED


def test_a_coordinator_of_another_agency_does_not_skip_a_groups_registration_window(
    client, make, sign_in, crase, school
):
    """Staff may enroll after registration closes only in sessions of the agency they run."""
    fire = make.organization("Missoula Fire Department", agency_type=AgencyType.FIRE)
    person = make.person(Role.GROUP_COORDINATOR, organization=school, name="Dana Principal")
    person.roles.append(RoleAssignment(role=Role.COORDINATOR, organization=fire))
    make.db.commit()
    session = make.session(crase, capacity=10, registration_closes_at=utcnow() - timedelta(days=1))
    sign_in(person)
    response = add_person(client, school, session, "Ms. Avery Lee", "avery.lee@bigsky.test")
    assert response.status_code == 400
    assert "Registration closed" in flash_text(response)
    assert make.db.query(Enrollment).count() == 0
