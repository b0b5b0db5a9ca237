"""Indexes for the reads that every officer's page and feed make of sessions.

- ``ix_lms_session_scheduled`` on ``lms_session`` (course_id), partial: sessions
  still scheduled. The officer's overview (dashboard and status page), the public
  class list, a group's page and the schedule ask for coming sessions, which are
  all scheduled; through ``ix_lms_session_course_id`` PostgreSQL read every
  session a course ever had (2,000 for the large demo's refresher, to keep 121)
  and the work grew with each year of history. The partial index holds only the
  scheduled ones, about as many as a program runs at a time.
- ``ix_lms_session_instructor_person`` on ``lms_session_instructor``
  (person_id, session_id): the sessions a person teaches (their private feed,
  their teaching list). The primary key starts with the session, so these reads
  scanned the whole table, for every officer's feed too (who teaches nothing).

Created in place: CREATE INDEX, no table rebuild (SQLite keeps its triggers).

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SCHEDULED = sa.text("status = 'scheduled'")


def upgrade() -> None:
    op.create_index(
        "ix_lms_session_scheduled",
        "lms_session",
        ["course_id"],
        postgresql_where=SCHEDULED,
        sqlite_where=SCHEDULED,
    )
    op.create_index(
        "ix_lms_session_instructor_person",
        "lms_session_instructor",
        ["person_id", "session_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_lms_session_instructor_person", table_name="lms_session_instructor")
    op.drop_index("ix_lms_session_scheduled", table_name="lms_session")
