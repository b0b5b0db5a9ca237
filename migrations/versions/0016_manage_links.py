"""Manage links: a public registrant sees and cancels their booking without an account.

- ``lms_manage_link``: one row per link mailed with a public registration; the
  token's SHA-256 only, the enrollment it opens, and when its cancel action was
  used (it works once). It stops working when the session ends (read from the
  session, not stored). See :class:`lms.models.ManageLink`.

Revision ID: manage_links
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLE = "lms_manage_link"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", lms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancel_used_at", lms.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["enrollment_id"], ["lms_enrollment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_lms_manage_link_enrollment_id", TABLE, ["enrollment_id"])


def downgrade() -> None:
    op.drop_index("ix_lms_manage_link_enrollment_id", table_name=TABLE)
    op.drop_table(TABLE)
