"""Schema changes of the records and status feature.

Completions and certification cycles can be revoked by a roster correction
(kept, with who, when and why); indexes for status and hours reports.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

REVOCABLE = ("lms_completion", "lms_certification")


def upgrade() -> None:
    for table in REVOCABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("revoked_at", lms.models.base.UTCDateTime(timezone=True), nullable=True)
            )
            batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("revoke_reason", sa.Text(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_revoked_by_id_lms_person"),
                "lms_person",
                ["revoked_by_id"],
                ["id"],
            )
    with op.batch_alter_table("lms_completion", schema=None) as batch_op:
        batch_op.create_index("ix_lms_completion_completed_on", ["completed_on"], unique=False)
    with op.batch_alter_table("lms_certification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lms_certification_status",
            ["person_id", "track_id", "granted_on", "expires_on", "revoked_at"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("lms_certification", schema=None) as batch_op:
        batch_op.drop_index("ix_lms_certification_status")
    with op.batch_alter_table("lms_completion", schema=None) as batch_op:
        batch_op.drop_index("ix_lms_completion_completed_on")
    for table in REVOCABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_revoked_by_id_lms_person"), type_="foreignkey"
            )
            batch_op.drop_column("revoke_reason")
            batch_op.drop_column("revoked_by_id")
            batch_op.drop_column("revoked_at")
