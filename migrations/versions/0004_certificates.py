"""Schema changes of the certificates feature: the signed snapshot on each certificate.

A certificate keeps what it says (course, organization, completion date, hours,
instructor and signer names) so later catalog edits never change it, and the
reason a correction superseded its predecessor.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base  # noqa: F401

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SNAPSHOT_COLUMNS = (
    "course_code",
    "course_title",
    "organization_name",
    "completed_on",
    "credit_hours",
    "instructor_name",
    "signer_name",
    "correction_reason",
)


def upgrade() -> None:
    # Certificates are first issued with this revision, so the table is empty
    # and the snapshot columns can be NOT NULL from the start.
    with op.batch_alter_table("lms_certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_code", sa.String(length=40), nullable=False))
        batch_op.add_column(sa.Column("course_title", sa.String(length=200), nullable=False))
        batch_op.add_column(
            sa.Column("organization_name", sa.String(length=200), nullable=False)
        )
        batch_op.add_column(sa.Column("completed_on", sa.Date(), nullable=False))
        batch_op.add_column(
            sa.Column("credit_hours", sa.Numeric(precision=6, scale=2), nullable=False)
        )
        batch_op.add_column(sa.Column("instructor_name", sa.String(length=200), nullable=False))
        batch_op.add_column(sa.Column("signer_name", sa.String(length=200), nullable=False))
        batch_op.add_column(sa.Column("correction_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lms_certificate", schema=None) as batch_op:
        for column in reversed(SNAPSHOT_COLUMNS):
            batch_op.drop_column(column)
