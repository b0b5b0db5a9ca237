"""A community group's default seat cap.

- ``lms_organization.default_seat_cap``: the most seats the group may hold in a
  session that sets no cap of its own (NULL: no cap). Added in place (the table
  carries no triggers); SQLite accepts the column's CHECK in ADD COLUMN.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base  # noqa: F401

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CAP_CHECK = "ck_lms_organization_default_seat_cap_non_negative"


def upgrade() -> None:
    with op.batch_alter_table("lms_organization") as batch_op:
        batch_op.add_column(
            sa.Column(
                "default_seat_cap",
                sa.Integer(),
                sa.CheckConstraint(
                    "default_seat_cap IS NULL OR default_seat_cap >= 0", name=op.f(CAP_CHECK)
                ),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("lms_organization") as batch_op:
        batch_op.drop_constraint(op.f(CAP_CHECK), type_="check")
        batch_op.drop_column("default_seat_cap")
