"""Schema changes of the calendar feature.

Feeds select meetings by how long ago they ended: an index on the end, so a
feed reads the recent meetings only, however many years of history are kept.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lms_meeting", schema=None) as batch_op:
        batch_op.create_index("ix_lms_meeting_ends_at", ["ends_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lms_meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_lms_meeting_ends_at")
