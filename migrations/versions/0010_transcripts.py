"""Issued transcripts: a signed snapshot of a person's training record on a date.

- ``lms_transcript``: serial, person, as-of date, the signed record (JSON text)
  and its SHA-256, the signing key and signature, who issued it and when. See
  :class:`lms.models.IssuedTranscript`.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lms_transcript",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("record_sha256", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(40), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", lms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["lms_person.id"]),
        sa.ForeignKeyConstraint(["issued_by_id"], ["lms_person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("serial"),
    )
    op.create_index("ix_lms_transcript_person_id", "lms_transcript", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_lms_transcript_person_id", table_name="lms_transcript")
    op.drop_table("lms_transcript")
