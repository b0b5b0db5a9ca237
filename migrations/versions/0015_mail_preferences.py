"""Mail preferences: a person may turn off renewal reminders and weekly digests.

- ``lms_mail_preference``: one row per person who changed a choice (no row:
  everything is sent). See :class:`lms.models.MailPreference`.

Revision ID: mail_preferences
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLE = "lms_mail_preference"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reminders", sa.Boolean(), nullable=False),
        sa.Column("digests", sa.Boolean(), nullable=False),
        sa.Column("updated_at", lms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["lms_person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
