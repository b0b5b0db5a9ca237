"""The outbox: messages recorded with the change that causes them, delivered by a worker.

- ``lms_outbox_message``: the complete MIME message (``raw``), its stable
  Message-ID, an optional dedupe key (unique: a reminder is queued once), the
  recipient, and its delivery (state, tries, next try or end of a worker's
  claim, the SMTP server's answer). See :class:`lms.models.OutboxMessage`.

Revision ID: outbox
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLE = "lms_outbox_message"
CATEGORIES = ("transactional", "security", "reminder", "digest")
STATES = ("queued", "sending", "sent", "failed")


def _one_of(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("category", sa.String(13), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("recipient_person_id", sa.Integer(), nullable=True),
        sa.Column("recipient_address", sa.String(254), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("state", sa.String(7), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("manual_retries", sa.Integer(), nullable=False),
        sa.Column("created_at", lms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", lms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_token", sa.String(32), nullable=True),
        sa.Column("worker", sa.String(120), nullable=True),
        sa.Column("last_attempt_at", lms.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_at", lms.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.CheckConstraint(f"category IN ({_one_of(CATEGORIES)})", name="mail_category"),
        sa.CheckConstraint(f"state IN ({_one_of(STATES)})", name="mail_state"),
        sa.ForeignKeyConstraint(["recipient_person_id"], ["lms_person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_lms_outbox_message_due", TABLE, ["state", "next_attempt_at"])
    op.create_index("ix_lms_outbox_message_state_id", TABLE, ["state", "id"])
    op.create_index("ix_lms_outbox_message_recipient_person_id", TABLE, ["recipient_person_id"])


def downgrade() -> None:
    op.drop_index("ix_lms_outbox_message_recipient_person_id", table_name=TABLE)
    op.drop_index("ix_lms_outbox_message_state_id", table_name=TABLE)
    op.drop_index("ix_lms_outbox_message_due", table_name=TABLE)
    op.drop_table(TABLE)
