"""A stamp of what every page reads and an admin rarely changes, written by triggers.

- ``lms_catalog_stamp``: one row whose ``token`` becomes a new random number
  whenever a row changes that :mod:`lms.site_cache` keeps per process: an
  organization's name or kind (the department's name heads every page), a
  course (code, title, audience, whether active, the track it grants) and a
  track's renewal path (how a track is earned and renewed, on the officer's
  pages). A process keeps what it read under the token it read it with and
  reads it again once the token differs.

Triggers, as for the feeds' change log (0006), so no writer can forget it: the
LMS, a host application, an import, a SQL console. A random token rather than a
counter: a token made by a transaction that rolled back is never made again by
another (a counter would hand the same number to the next writer, and a process
that read inside the rolled-back transaction would take its rows for current),
and a restored backup cannot meet a process's token by chance. On PostgreSQL the
trigger runs once per statement; SQLite has only row triggers.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLE = "lms_catalog_stamp"

#: table -> the columns whose update counts (None: any); inserts and deletes always do
SOURCES = {
    "lms_organization": ("name", "kind"),
    "lms_course": None,
    "lms_track_renewal_path": None,
}
EVENTS = ("INSERT", "UPDATE", "DELETE")


def _event_clause(event: str, columns) -> str:
    if event == "UPDATE" and columns:
        return "UPDATE OF " + ", ".join(columns)
    return event


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_catalog_stamp")),
    )
    op.execute(f"INSERT INTO {TABLE} (id, token) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION lms_catalog_stamp_bump() RETURNS trigger AS $$\n"
            f"BEGIN\nUPDATE {TABLE} SET token = (random() * 9.2e18)::bigint WHERE id = 1;\n"
            "RETURN NULL;\nEND;\n$$ LANGUAGE plpgsql"
        )
        for table, columns in SOURCES.items():
            when = " OR ".join(_event_clause(event, columns) for event in EVENTS)
            op.execute(
                f"CREATE TRIGGER {table}_catalog_stamp AFTER {when} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION lms_catalog_stamp_bump()"
            )
        return
    for table, columns in SOURCES.items():
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER {table}_catalog_stamp_{event.lower()} "
                f"AFTER {_event_clause(event, columns)} ON {table} FOR EACH ROW BEGIN "
                f"UPDATE {TABLE} SET token = random() WHERE id = 1; END"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in SOURCES:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_stamp ON {table}")
        else:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_stamp_{event.lower()}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS lms_catalog_stamp_bump()")
    op.drop_table(TABLE)
