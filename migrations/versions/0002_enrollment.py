"""Schema changes of the enrollment feature.

- ``lms_session.group_seat_cap``: the most seats one community group may hold in
  a session unless its own allocation says otherwise (NULL: no cap);
- ``lms_enrollment.affiliation``: the organization a public registrant named.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CAP_CHECK = "ck_lms_session_group_seat_cap_non_negative"


def upgrade() -> None:
    # Plain ADD COLUMN on both backends (SQLite accepts a column CHECK there), so
    # no table is copied and the rows that reference lms_session stay untouched.
    with op.batch_alter_table("lms_session") as batch_op:
        batch_op.add_column(
            sa.Column(
                "group_seat_cap",
                sa.Integer(),
                sa.CheckConstraint(
                    "group_seat_cap IS NULL OR group_seat_cap >= 0", name=op.f(CAP_CHECK)
                ),
                nullable=True,
            )
        )
    with op.batch_alter_table("lms_enrollment") as batch_op:
        batch_op.add_column(sa.Column("affiliation", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lms_enrollment") as batch_op:
        batch_op.drop_column("affiliation")
    with op.batch_alter_table("lms_session") as batch_op:
        batch_op.drop_constraint(op.f(CAP_CHECK), type_="check")
        batch_op.drop_column("group_seat_cap")
