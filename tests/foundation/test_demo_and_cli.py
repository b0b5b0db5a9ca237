"""`flask lms demo` and `flask lms create-admin`, as an operator runs them."""

from sqlalchemy import func, select

from lms.models import (
    Course,
    CourseSession,
    Enrollment,
    Organization,
    OrganizationKind,
    Person,
    Role,
    RoleAssignment,
)
from lms.rosters.queries import completion_day, finalize_refusal


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_demo_looks_like_the_seed_and_loads_only_once(runner, make):
    first = runner.invoke(args=["lms", "demo"])
    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert "officer.rivera@demo.lms.test" in first.output

    db = make.db
    sros = db.scalars(select(Person).where(Person.job_title == "School Resource Officer")).all()
    assert len(sros) == 6
    instructors = db.scalars(
        select(Person).join(Person.roles).where(RoleAssignment.role == Role.INSTRUCTOR)
    ).all()
    assert len(instructors) == 2
    codes = set(db.scalars(select(Course.code)))
    assert codes == {"ALERRT-REFRESH", "ALERRT-INSTR", "CRASE", "SCHOOL-STAFF"}
    kinds = {o.kind for o in db.scalars(select(Organization))}
    assert kinds == set(OrganizationKind)
    candidates = db.scalars(
        select(Enrollment)
        .join(Enrollment.session)
        .join(CourseSession.course)
        .where(Course.code == "ALERRT-INSTR", Enrollment.status == "enrolled")
    ).all()
    assert len(candidates) == 2

    before = {m: count(db, m) for m in (Person, Course, CourseSession, Enrollment, Organization)}
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert {m: count(db, m) for m in before} == before


def test_demo_if_empty_leaves_a_real_database_alone(runner, make):
    make.person(Role.ADMIN)
    result = runner.invoke(args=["lms", "demo", "--if-empty"])
    assert "demo data not loaded" in result.output
    assert count(make.db, Course) == 0


def test_create_admin_makes_an_admin_who_can_sign_in(runner, client):
    result = runner.invoke(
        args=[
            "lms",
            "create-admin",
            "--email",
            "Chief@Example.test",
            "--name",
            "Chief Ada Stone",
            "--password",
            "Avoid-Deny-Defend-Lockdown-7",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Administrator Chief Ada Stone <chief@example.test> created." in result.output
    response = client.submit(
        "/training/sign-in",
        {"email": "chief@example.test", "password": "Avoid-Deny-Defend-Lockdown-7"},
    )
    assert response.status_code == 302


def test_create_admin_refuses_a_weak_password_and_writes_nothing(runner, make):
    result = runner.invoke(
        args=[
            "lms",
            "create-admin",
            "--email",
            "chief@example.test",
            "--name",
            "Chief",
            "--password",
            "password",
        ]
    )
    assert result.exit_code != 0
    assert "Use at least 12 characters." in result.output
    assert count(make.db, Person) == 0


def test_plugins_command_lists_registries(runner):
    result = runner.invoke(args=["lms", "plugins"])
    assert "Certificate layouts:" in result.output
    assert "civilian-attendance" in result.output


def test_large_demo_loads_once_at_a_small_scale(runner):
    first = runner.invoke(args=["lms", "demo", "--size", "large", "--scale", "0.002"])
    assert first.exit_code == 0, first.output
    assert "Large demo data loaded" in first.output
    assert " enrollment, " in first.output and "officer.1@demo.lms.test" in first.output
    again = runner.invoke(args=["lms", "demo", "--size", "large", "--scale", "0.002"])
    assert "already holds people; demo data not loaded" in again.output


def test_every_large_demo_session_is_led_by_someone_who_may_finalize_it(runner, make):
    """Five years of sessions: each lead held the instructor certification on its day,
    so the rosters left open (the load test's) can be finalized by their lead."""
    result = runner.invoke(args=["lms", "demo", "--size", "large", "--scale", "0.002"])
    assert result.exit_code == 0, result.output
    sessions = make.db.scalars(select(CourseSession)).all()
    assert len(sessions) > 10
    refused = [
        (session.id, finalize_refusal(session.instructors[0].person, session))
        for session in sessions
        if completion_day(session) is not None
    ]
    assert [(sid, why) for sid, why in refused if why] == []
