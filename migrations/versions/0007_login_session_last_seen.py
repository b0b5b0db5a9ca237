"""Drop ``lms_login_session.last_seen_at``: nothing ever read or updated it.

SQLite rebuilds the table (batch mode); ``lms_login_session`` carries no
triggers, so nothing needs creating again. The downgrade puts the column back,
filled from ``created_at`` (its value for every row it ever held).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from lms.models.base import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lms_login_session", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")


def downgrade() -> None:
    with op.batch_alter_table("lms_login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE lms_login_session SET last_seen_at = created_at")
    with op.batch_alter_table("lms_login_session", schema=None) as batch_op:
        batch_op.alter_column(
            "last_seen_at", existing_type=UTCDateTime(timezone=True), nullable=False
        )
