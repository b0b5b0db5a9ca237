"""A track's due-soon window, apart from its renewal window.

``lms_certification_track.due_soon_days``: how many days before expiry a
holder shows as *due soon* (on their dashboard and status page, in compliance
and the people directory's status filter, in digests). Until now that was the
renewal window, which decides something else: whether a renewal counts from the
previous expiry. A department may open renewal 90 days early and still want
officers flagged only in the last 60; the two are now set apart. Existing
tracks keep what they showed: their due-soon window starts as their renewal
window.

Added in place (ALTER TABLE ADD COLUMN with its CHECK), not by a batch rebuild,
so SQLite keeps the table's feed-change triggers (0006).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

TABLE = "lms_certification_track"


def upgrade() -> None:
    op.add_column(
        TABLE,
        sa.Column(
            "due_soon_days",
            sa.Integer(),
            sa.CheckConstraint(
                "due_soon_days >= 0", name=op.f("ck_lms_certification_track_due_soon_non_negative")
            ),
            nullable=False,
            server_default="90",
        ),
    )
    op.execute(f"UPDATE {TABLE} SET due_soon_days = renewal_window_days")


def downgrade() -> None:
    # In place on SQLite too (3.35+ drops a column whose only CHECK is its own).
    op.drop_column(TABLE, "due_soon_days")
