"""Migration 0012 (audit indexes): past events get their subject, and the log stays append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from lms import migrate

ROWS = [
    "INSERT INTO lms_organization (id, name, slug, kind, agency_type, timezone, active, created_at)"
    " VALUES (1, 'MPD', 'mpd', 'department', 'police', 'America/Denver', 1, '2026-01-01')",
    "INSERT INTO lms_person (id, organization_id, full_name, active, created_at, notes)"
    " VALUES (5, 1, 'Ofc. Sofia Rivera', 1, '2026-01-01', ''),"
    " (6, 1, 'Sgt. Erin Hayes', 1, '2026-01-01', '')",
    "INSERT INTO lms_course (id, organization_id, code, title, description, audience,"
    " credit_hours, course_type, completion_rule, completion_params, certificate_layout,"
    " is_public, active, created_at) VALUES (1, 1, 'ALERRT-REFRESH', 'Refresher', '',"
    " 'officers', 8, 'certification', 'attendance', '{}', 'officer-certification', 0, 1,"
    " '2026-01-01')",
    "INSERT INTO lms_session (id, course_id, organization_id, timezone, location, capacity,"
    " status, is_public, notes, revision, revised_at, created_at)"
    " VALUES (3, 1, 1, 'America/Denver',"
    " '', 10, 'scheduled', 0, '', 0, '2026-01-01', '2026-01-01')",
    "INSERT INTO lms_enrollment (id, session_id, person_id, organization_id, status, source,"
    " created_at, status_changed_at) VALUES (9, 3, 5, 1, 'enrolled', 'self', '2026-01-01',"
    " '2026-01-01')",
    "INSERT INTO lms_audit_event (occurred_at, actor_id, action, object_type, object_id, details)"
    " VALUES ('2026-01-01', 5, 'auth.sign_in', 'Person', '5', '{}'),"
    " ('2026-01-02', 6, 'roster.corrected', 'Enrollment', '9', '{\"reason\": \"sheet\"}'),"
    " ('2026-01-03', 6, 'role.granted', 'report', 'x', '{\"person_id\": 5}'),"
    " ('2026-01-04', 6, 'session.changed', 'CourseSession', '3', '{\"session_id\": 3}')",
]


def refused(engine, statement: str) -> bool:
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    except Exception as exc:  # noqa: BLE001 - the trigger's error, whatever the driver calls it
        return "append-only" in str(exc)
    return False


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'migration.sqlite3'}")
    yield engine
    engine.dispose()


def test_past_events_get_their_subject_and_the_guards_stay(engine):
    migrate.upgrade(engine, "0011")
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement))

    migrate.upgrade(engine)
    with engine.connect() as connection:
        subjects = connection.execute(
            text("SELECT action, subject_person_id FROM lms_audit_event ORDER BY id")
        ).all()
    assert subjects == [
        ("auth.sign_in", 5),
        ("roster.corrected", 5),  # the enrollment's person
        ("role.granted", 5),  # the details' person_id
        ("session.changed", None),
    ]
    assert refused(engine, "UPDATE lms_audit_event SET action = 'x'")
    assert refused(engine, "DELETE FROM lms_audit_event")
    assert migrate.differences(engine) == []

    migrate.downgrade(engine, "0011")
    columns = {c["name"] for c in inspect(engine).get_columns("lms_audit_event")}
    assert "subject_person_id" not in columns
    assert refused(engine, "UPDATE lms_audit_event SET action = 'x'")
    assert refused(engine, "DELETE FROM lms_audit_event")
