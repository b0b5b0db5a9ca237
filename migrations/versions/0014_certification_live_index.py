"""The people directory's status filters: live cycles of a track, by expiry.

- ``ix_lms_certification_live`` on ``lms_certification`` (track_id, expires_on,
  granted_on, person_id), partial: live cycles only (``revoked_at IS NULL``).
  "Current on ALERRT" is "some live ALERRT cycle, granted by today, expires
  after the window": one index-only range per track instead of reading every
  cycle of the department (PostgreSQL's server time for the four status
  filters of ``benchmarks/people_bench.py`` fell by a third to a half).

Created in place: CREATE INDEX, no table rebuild (SQLite keeps its triggers).

Revision ID: certification_live_index
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_lms_certification_live",
        "lms_certification",
        ["track_id", "expires_on", "granted_on", "person_id"],
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_lms_certification_live", table_name="lms_certification")
