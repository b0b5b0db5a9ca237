"""The audit log's search: who an event is about, and indexes in the page's order.

- ``subject_person_id``: the person an event is about (the object itself, the
  holder of an enrollment, completion, certificate or certification cycle, or
  the ``person_id`` its details name). New events get it from
  ``lms.core.audit``; existing ones are filled in here, from those same facts.
  That is the one write this table ever takes besides INSERT: the append-only
  guards are lifted for it, inside this migration's transaction, and put back
  exactly as migration 0001 made them. No recorded fact changes.
- Indexes ending in (occurred_at, id), the audit page's order, for each filter:
  date range, action, actor, subject. They replace the single-column indexes
  on ``occurred_at`` and ``action``.

Added in place: ALTER TABLE ADD COLUMN and CREATE INDEX, so SQLite keeps the
table and its triggers (no batch rebuild).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "lms_audit_event"
GUARD_MESSAGE = "lms_audit_event is append-only"  # as in 0001

INDEXES = {
    "ix_lms_audit_event_when": ["occurred_at", "id"],
    "ix_lms_audit_event_action_when": ["action", "occurred_at", "id"],
    "ix_lms_audit_event_actor_when": ["actor_id", "occurred_at", "id"],
    "ix_lms_audit_event_subject_when": ["subject_person_id", "occurred_at", "id"],
}

# Objects that belong to one person, by the audit log's object_type.
HOLDER_TABLES = {
    "Enrollment": "lms_enrollment",
    "Completion": "lms_completion",
    "Certificate": "lms_certificate",
    "Certification": "lms_certification",
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _backfill_subjects() -> None:
    op.execute(
        f"UPDATE {TABLE} SET subject_person_id = CAST(object_id AS INTEGER) "
        "WHERE object_type = 'Person' AND object_id IS NOT NULL"
    )
    for object_type, table in HOLDER_TABLES.items():
        op.execute(
            f"UPDATE {TABLE} SET subject_person_id = (SELECT h.person_id FROM {table} h "
            f"WHERE h.id = CAST({TABLE}.object_id AS INTEGER)) "
            f"WHERE object_type = '{object_type}'"
        )
    person_in_details = (
        "CAST(details ->> 'person_id' AS INTEGER)"
        if _postgresql()
        else "CAST(json_extract(details, '$.person_id') AS INTEGER)"
    )
    has_person = (
        "json_typeof(details -> 'person_id') = 'number'"
        if _postgresql()
        else "json_type(details, '$.person_id') = 'integer'"
    )
    op.execute(
        f"UPDATE {TABLE} SET subject_person_id = {person_in_details} "
        f"WHERE subject_person_id IS NULL AND {has_person}"
    )


def _with_guards_lifted(write) -> None:
    """Run ``write`` with the append-only triggers of 0001 off, then restore them."""
    if _postgresql():
        op.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER lms_audit_event_append_only")
        write()
        op.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER lms_audit_event_append_only")
        return
    op.execute("DROP TRIGGER lms_audit_event_no_update")
    write()
    op.execute(
        f"CREATE TRIGGER lms_audit_event_no_update BEFORE UPDATE "
        f"ON {TABLE} BEGIN SELECT RAISE(ABORT, '{GUARD_MESSAGE}'); END"
    )


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("subject_person_id", sa.Integer(), nullable=True))
    _with_guards_lifted(_backfill_subjects)
    op.drop_index("ix_lms_audit_event_occurred_at", table_name=TABLE)
    op.drop_index("ix_lms_audit_event_action", table_name=TABLE)
    for name, columns in INDEXES.items():
        op.create_index(name, TABLE, columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name=TABLE)
    op.create_index("ix_lms_audit_event_action", TABLE, ["action"])
    op.create_index("ix_lms_audit_event_occurred_at", TABLE, ["occurred_at"])
    # SQLite (3.35+) drops an unindexed column without a foreign key in place.
    op.drop_column(TABLE, "subject_person_id")
