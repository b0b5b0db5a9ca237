"""Instructors taken off a session are recorded, and their feeds follow the session.

``lms_instructor_removal`` keeps who was taken off which session and when, so
their private feed can show its meetings cancelled for a while instead of
dropping them. Like the tables of 0006, it writes the feed change log by
trigger, and so do changes of the sessions, meetings and courses those people
were taken off: extra triggers beside 0006's, which stay as they are.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SUFFIX = "feed_change_removed"


def _session_people(row: str, key: str) -> str:
    return f"SELECT person_id FROM lms_instructor_removal WHERE session_id = {row}.{key}"


def _course_people(row: str) -> str:
    return (
        "SELECT r.person_id FROM lms_instructor_removal r "
        f"JOIN lms_session s ON s.id = r.session_id WHERE s.course_id = {row}.id"
    )


#: table -> (events, the columns whose update counts (None: any), the people a row reaches);
#: the columns are 0006's: those a feed is written from.
SOURCES = {
    "lms_instructor_removal": (
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
}


def _people(table: str, event: str) -> str:
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
        "lms_instructor_removal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("removed_at", lms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["lms_person.id"],
            name=op.f("fk_lms_instructor_removal_person_id_lms_person"),
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["lms_person.id"],
            name=op.f("fk_lms_instructor_removal_removed_by_id_lms_person"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["lms_session.id"],
            name=op.f("fk_lms_instructor_removal_session_id_lms_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_instructor_removal")),
    )
    with op.batch_alter_table("lms_instructor_removal", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lms_instructor_removal_person", ["person_id", "session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lms_instructor_removal_session_id"), ["session_id"], unique=False
        )

    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (events, columns, _reach) in SOURCES.items():
        if postgres:
            branches = "\n".join(
                f"IF TG_OP = '{event}' THEN INSERT INTO lms_feed_change (person_id) "
                f"{_people(table, event)}; END IF;"
                for event in events
            )
            op.execute(
                f"CREATE FUNCTION {table}_{SUFFIX}() RETURNS trigger AS $$\n"
                f"BEGIN\n{branches}\nRETURN NULL;\nEND;\n$$ LANGUAGE plpgsql"
            )
            when = " OR ".join(_event_clause(event, columns) for event in events)
            op.execute(
                f"CREATE TRIGGER {table}_{SUFFIX} AFTER {when} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_{SUFFIX}()"
            )
        else:
            for event in events:
                op.execute(
                    f"CREATE TRIGGER {table}_{SUFFIX}_{event.lower()} "
                    f"AFTER {_event_clause(event, columns)} ON {table} FOR EACH ROW BEGIN "
                    f"INSERT INTO lms_feed_change (person_id) {_people(table, event)}; END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, (events, _columns, _reach) in SOURCES.items():
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{SUFFIX} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_{SUFFIX}()")
        else:
            for event in events:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{SUFFIX}_{event.lower()}")
    with op.batch_alter_table("lms_instructor_removal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lms_instructor_removal_session_id"))
        batch_op.drop_index("ix_lms_instructor_removal_person")
    op.drop_table("lms_instructor_removal")
