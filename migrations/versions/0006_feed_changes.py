"""A change log for private calendar feeds, written by triggers.

A private feed's ETag used to be an aggregate over all of the person's
meetings: its cost grew with the feed. Now every write that can change what a
person's feed shows adds a row to ``lms_feed_change`` for that person, and the
ETag reads the count and highest id of their rows from one index.

The rows are written by triggers, so no writer can forget them:

- the person's own rows: enrollments, teaching assignments, certification cycles;
- rows that reach many people: a meeting or a session (everyone enrolled in or
  teaching it), a course (everyone in any of its sessions), a certification
  track (everyone holding a cycle of it).

Updates fire only on the columns a feed is written from, so (say) a roster
note or a seat reservation adds nothing. Rows are never deleted (a few per
person per change; deleting any could make a stale ETag match again).

A later migration that rebuilds one of these tables on SQLite (batch mode's
move-and-copy) drops its triggers and must create them again;
``tests/calendar/test_feed_changes.py`` checks that all of them exist at head.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _session_people(row: str, key: str) -> str:
    return (
        f"SELECT person_id FROM lms_enrollment WHERE session_id = {row}.{key} "
        f"UNION SELECT person_id FROM lms_session_instructor WHERE session_id = {row}.{key}"
    )


def _course_people(row: str) -> str:
    return (
        "SELECT e.person_id FROM lms_enrollment e JOIN lms_session s ON s.id = e.session_id "
        f"WHERE s.course_id = {row}.id "
        "UNION SELECT i.person_id FROM lms_session_instructor i "
        f"JOIN lms_session s ON s.id = i.session_id WHERE s.course_id = {row}.id"
    )


#: table -> (events, the columns whose update counts (None: any), the people a row reaches)
SOURCES = {
    "lms_enrollment": (
        ("INSERT", "UPDATE", "DELETE"),
        ("session_id", "person_id", "status", "status_changed_at", "cancelled_at"),
        lambda row: f"SELECT {row}.person_id",
    ),
    "lms_session_instructor": (
        ("INSERT", "UPDATE", "DELETE"),
        None,
        lambda row: f"SELECT {row}.person_id",
    ),
    "lms_certification": (
        ("INSERT", "UPDATE", "DELETE"),
        None,
        lambda row: f"SELECT {row}.person_id",
    ),
    "lms_meeting": (
        ("INSERT", "UPDATE", "DELETE"),
        ("session_id", "starts_at", "ends_at", "location", "uid", "sequence"),
        lambda row: _session_people(row, "session_id"),
    ),
    "lms_session": (
        ("UPDATE",),
        (
            "course_id",
            "timezone",
            "location",
            "status",
            "revision",
            "revised_at",
            "cancelled_at",
            "cancel_reason",
        ),
        lambda row: _session_people(row, "id"),
    ),
    "lms_course": (("UPDATE",), ("code", "title"), _course_people),
    "lms_certification_track": (
        ("UPDATE",),
        None,
        lambda row: f"SELECT person_id FROM lms_certification WHERE track_id = {row}.id",
    ),
}


def _people(table: str, event: str) -> str:
    """The people a row change reaches: the old row's, the new row's, or both."""
    reach = SOURCES[table][2]
    if event == "INSERT":
        return reach("NEW")
    if event == "DELETE":
        return reach("OLD")
    return f"{reach('OLD')} UNION {reach('NEW')}"


def _event_clause(event: str, columns) -> str:
    if event == "UPDATE" and columns:
        return "UPDATE OF " + ", ".join(columns)
    return event


def upgrade() -> None:
    op.create_table(
        "lms_feed_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_feed_change")),
    )
    with op.batch_alter_table("lms_feed_change", schema=None) as batch_op:
        batch_op.create_index("ix_lms_feed_change_person", ["person_id", "id"], unique=False)

    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (events, columns, _reach) in SOURCES.items():
        if postgres:
            branches = "\n".join(
                f"IF TG_OP = '{event}' THEN INSERT INTO lms_feed_change (person_id) "
                f"{_people(table, event)}; END IF;"
                for event in events
            )
            op.execute(
                f"CREATE FUNCTION {table}_feed_change() RETURNS trigger AS $$\n"
                f"BEGIN\n{branches}\nRETURN NULL;\nEND;\n$$ LANGUAGE plpgsql"
            )
            when = " OR ".join(_event_clause(event, columns) for event in events)
            op.execute(
                f"CREATE TRIGGER {table}_feed_change AFTER {when} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_feed_change()"
            )
        else:
            for event in events:
                op.execute(
                    f"CREATE TRIGGER {table}_feed_change_{event.lower()} "
                    f"AFTER {_event_clause(event, columns)} ON {table} FOR EACH ROW BEGIN "
                    f"INSERT INTO lms_feed_change (person_id) {_people(table, event)}; END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (events, _columns, _reach) in SOURCES.items():
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_change ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_feed_change()")
        else:
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_feed_change_{event.lower()}")
    with op.batch_alter_table("lms_feed_change", schema=None) as batch_op:
        batch_op.drop_index("ix_lms_feed_change_person")
    op.drop_table("lms_feed_change")
