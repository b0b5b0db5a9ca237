"""On PostgreSQL at size, the heavy pages read the big tables through their indexes.

Tens of thousands of people, certification cycles, enrollments and feed
changes and a few hundred thousand audit events are written in bulk and
ANALYZEd, so the planner chooses as it would in production. Every statement a
page runs is then EXPLAINed with its own parameters: none may read a big table
from end to end (a Seq Scan), which would make the page slow down as the
department grows, save the few reads listed with their reason below, and the
table a page is about must be read through an index.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, event, make_url, text

from lms import migrate
from lms.app import create_app, db
from lms.calendar.operations import regenerate_feed_token
from lms.core import local_today
from lms.models import Person, Role

from ..conftest import FAST_HASHING, POSTGRES_URL
from ..support import Factory

PEOPLE = 20_000
AGENCIES = 50
AUDIT_EVENTS = 300_000
PAST_SESSIONS = 5_000  # about five years of a statewide program's classes
INSTRUCTORS = 300
BIG_TABLES = {
    "lms_person",
    "lms_role_assignment",
    "lms_certification",
    "lms_enrollment",
    "lms_audit_event",
    "lms_feed_change",
    "lms_session",
    "lms_meeting",
    "lms_session_instructor",
}


@pytest.fixture(scope="module")
def sized_database(tmp_path_factory):
    """A PostgreSQL database of this module's own, filled in bulk once and ANALYZEd."""
    if not POSTGRES_URL:
        pytest.skip("query plans are checked on PostgreSQL, where the deployment runs")
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"lms_plans_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        folder = tmp_path_factory.mktemp("plans")
        seeding = create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": url,
                "LMS_KEY_DIR": str(folder / "keys"),
                **FAST_HASHING,
            }
        )
        with seeding.app_context():
            people = fill(Factory(db.session))
            db.session.remove()
            db.engine.dispose()
        yield url, people
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def database_url(sized_database):
    return sized_database[0]


@pytest.fixture
def department_at_size(app, sized_database):
    """(admin, an officer with a private feed, its token), loaded in this test's session."""
    admin_id, officer_id, token = sized_database[1]
    return db.session.get(Person, admin_id), db.session.get(Person, officer_id), token


def fill(make):
    """Bulk rows; returns (admin id, officer id, the officer's feed token)."""
    department = make.organization("Missoula Police Department")
    for n in range(2, AGENCIES + 1):
        make.organization(f"Agency {n:02d}")
    alerrt = make.track(code="ALERRT", name="ALERRT active-shooter response")
    course = make.course(organization=department, title="ALERRT refresher", grants_track=alerrt)
    sessions = [
        make.session(course, start=local_today() + timedelta(days=d)) for d in range(-300, 60, 12)
    ]
    admin = make.person(Role.ADMIN, organization=department, name="Chris Admin")
    officer = make.person(Role.OFFICER, organization=department, name="Ofc. Dana Reyes")
    for session in sessions[-3:]:
        make.enrollment(session, officer)
    token = regenerate_feed_token(officer)
    make.db.commit()
    low, high = min(s.id for s in sessions), max(s.id for s in sessions)
    statements = [
        # Years of completed classes of the same course before the coming ones, each with
        # its meeting and a lead instructor (people added below).
        f"""INSERT INTO lms_session (course_id, organization_id, timezone, location, capacity,
                status, is_public, notes, revision, revised_at, created_at)
            SELECT {course.id}, {department.id}, 'America/Denver', 'Range ' || g, 24,
                'completed', false, '', 0, now(), now()
            FROM generate_series(1, {PAST_SESSIONS}) g""",
        f"""INSERT INTO lms_meeting (session_id, starts_at, ends_at, uid, sequence)
            SELECT s.id, now() - interval '400 days' - (s.id - {high}) * interval '9 hours',
                now() - interval '400 days' - (s.id - {high}) * interval '9 hours'
                    + interval '8 hours',
                'past-' || s.id || '@size.test', 0
            FROM lms_session s WHERE s.id > {high}""",
        f"""INSERT INTO lms_person (organization_id, full_name, email, badge_number, notes,
                active, created_at)
            SELECT o.id, 'Officer ' || g, 'officer' || g || '@size.test', 'B-' || g, '', true, now()
            FROM generate_series(1, {PEOPLE}) g
            JOIN lms_organization o ON o.slug = (SELECT slug FROM lms_organization
                ORDER BY id OFFSET g % {AGENCIES} LIMIT 1)""",
        """INSERT INTO lms_role_assignment (person_id, role, organization_id, granted_at)
            SELECT id, 'officer', organization_id, now() FROM lms_person
            WHERE email LIKE '%@size.test'""",
        f"""INSERT INTO lms_session_instructor (session_id, person_id, role)
            SELECT s.id, i.id, 'lead'
            FROM lms_session s
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM lms_person
                  WHERE email LIKE '%@size.test' ORDER BY id LIMIT {INSTRUCTORS}) i
                ON i.n = s.id % {INSTRUCTORS}
            WHERE s.id > {high}""",
        # Five yearly cycles each (the last expiring anywhere from a year ago to a year ahead).
        f"""INSERT INTO lms_certification (person_id, track_id, cycle, granted_on, valid_from,
                expires_on, source, created_at)
            SELECT p.id, {alerrt.id}, c, d, d, d + 365, 'imported', now()
            FROM lms_person p, generate_series(1, 5) c,
                LATERAL (SELECT CURRENT_DATE - (6 - c) * 365 + (p.id % 730) - 365 AS d) x
            WHERE p.email LIKE '%@size.test'""",
        f"""INSERT INTO lms_enrollment (session_id, person_id, organization_id, status, source,
                created_at, status_changed_at)
            SELECT {low} + (p.id * 7 + k) % ({high} - {low} + 1), p.id, p.organization_id,
                'completed', 'self', now(), now()
            FROM lms_person p, generate_series(1, 3) k WHERE p.email LIKE '%@size.test'""",
        f"""INSERT INTO lms_audit_event (occurred_at, actor_id, action, object_type, object_id,
                organization_id, details, subject_person_id)
            SELECT now() - g * interval '5 minutes',
                CASE WHEN g % 1000 = 0 THEN {admin.id} END,
                CASE WHEN g % 50 = 0 THEN 'certificate.issued'
                    ELSE (ARRAY['enrollment.created', 'attendance.recorded',
                                'auth.sign_in'])[1 + g % 3] END,
                'Person', (g % {PEOPLE})::text, {department.id}, '{{}}',
                CASE WHEN g % 2000 = 0 THEN {officer.id} END
            FROM generate_series(1, {AUDIT_EVENTS}) g""",
    ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return admin.id, officer.id, token


def explained(statement: str, parameters) -> dict:
    with db.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        return cursor.fetchone()[0][0]["Plan"]


def scans(plan: dict) -> set[tuple[str, str, str | None]]:
    """(node type, table, index) of every scan of a big table in the plan."""
    found = set()
    if plan.get("Relation Name") in BIG_TABLES:
        found.add((plan["Node Type"], plan["Relation Name"], plan.get("Index Name")))
    if plan.get("Node Type") == "Bitmap Index Scan":
        found.add((plan["Node Type"], None, plan.get("Index Name")))
    for child in plan.get("Plans", ()):
        found |= scans(child)
    return found


@pytest.fixture
def statements_of(app):
    """Run a request; return every SELECT it sent, with its parameters."""

    def run(request) -> list[tuple[str, object]]:
        seen = []

        def record(conn, cursor, statement, parameters, context, executemany):
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                seen.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = request()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200, response.status_code
        return seen

    return run


#: Whole-table reads that are the right plan, and why.
EVERYONE = (
    "a status is computed from each person's cycles when asked, so a page that counts or "
    "filters everyone by status reads every person and every cycle once (one pass, hashed)"
)
POPULATION = frozenset({"lms_person", "lms_role_assignment", "lms_certification"})
NAME_SEARCH = "the person box matches any part of a name or email (no index serves %text%)"


@dataclass(frozen=True)
class Page:
    url: str
    indexed: str | None  # the index (or big table) the page must read through an index
    whole_tables: frozenset[str] = frozenset()  # read in full on purpose (see the reason)
    reason: str = ""
    officer: bool = False  # asked by the officer (else by the admin)


PAGES = {
    "compliance, all agencies": Page("/training/compliance/", None, POPULATION, EVERYONE),
    "people expired, due first": Page(
        "/training/people/?track={track}&state=expired&sort=due", None, POPULATION, EVERYONE
    ),
    "people due soon, due first": Page(
        "/training/people/?track={track}&state=due_soon&sort=due", None, POPULATION, EVERYONE
    ),
    "status standings of a person": Page("/training/status/people/{officer}", "lms_certification"),
    "audit log, one action": Page(
        "/training/audit/?action=certificate.issued", "ix_lms_audit_event_action_when"
    ),
    "audit log, one month": Page(
        "/training/audit/?start={month_ago}&end={today}", "ix_lms_audit_event_when"
    ),
    "audit log, one actor": Page(
        "/training/audit/?person={admin_email}&person_role=actor",
        "ix_lms_audit_event_actor_when",
        frozenset({"lms_person"}),
        NAME_SEARCH,
    ),
    "audit log, about one person": Page(
        "/training/audit/?person={officer_email}&person_role=subject",
        "ix_lms_audit_event_subject_when",
        frozenset({"lms_person"}),
        NAME_SEARCH,
    ),
    "private calendar feed": Page(
        "/training/calendar/private/{token}.ics", "ix_lms_feed_change_person"
    ),
    # An officer's own pages: the classes to renew in are the coming ones, found among the
    # scheduled sessions however many years of completed ones the program has.
    "officer dashboard": Page("/training/", "ix_lms_session_scheduled", officer=True),
    "officer status": Page("/training/status/", "ix_lms_session_scheduled", officer=True),
    "public class list": Page("/training/sessions/", None),
}


@pytest.mark.parametrize("name", PAGES)
def test_heavy_pages_read_the_big_tables_through_indexes(
    name, department_at_size, sign_in, statements_of
):
    admin, officer, token = department_at_size
    page = PAGES[name]
    client = sign_in(officer if page.officer else admin)
    track = db.session.execute(text("SELECT id FROM lms_certification_track")).scalar()
    today = local_today()
    url = page.url.format(
        track=track,
        officer=officer.id,
        officer_email=officer.email,
        admin_email=admin.email,
        token=token,
        today=today,
        month_ago=today - timedelta(days=30),
    )
    sent = statements_of(lambda: client.get(url))
    plans = {statement: scans(explained(statement, parameters)) for statement, parameters in sent}
    full = {
        statement[:300]: sorted(table for kind, table, _ in found if kind == "Seq Scan")
        for statement, found in plans.items()
        if any(kind == "Seq Scan" and table not in page.whole_tables for kind, table, _ in found)
    }
    assert not full, f"{name}: whole-table reads"
    read_by_index = {
        name
        for found in plans.values()
        for kind, table, index in found
        if kind != "Seq Scan"
        for name in (table, index)
    }
    if page.indexed:
        assert page.indexed in read_by_index, f"{name}: {page.indexed} is not read by index"
