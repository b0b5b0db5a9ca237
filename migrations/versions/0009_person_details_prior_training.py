"""People's HR details, and training records brought in from earlier systems.

- ``lms_person``: a preferred name for certificates, the HR employee number
  (unique: imports match on it), a unit and notes. Added in place (no rebuild;
  the table carries no triggers).
- ``lms_prior_training``: past training imported from spreadsheets or another
  records system; see :class:`lms.models.PriorTraining`.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import lms.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("lms_person", sa.Column("preferred_name", sa.String(200), nullable=True))
    op.add_column("lms_person", sa.Column("employee_number", sa.String(40), nullable=True))
    op.add_column("lms_person", sa.Column("unit", sa.String(120), nullable=True))
    op.add_column(
        "lms_person", sa.Column("notes", sa.Text(), nullable=False, server_default="")
    )
    op.create_index(
        "uq_lms_person_employee_number", "lms_person", ["employee_number"], unique=True
    )
    op.create_table(
        "lms_prior_training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("track_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("credit_hours", sa.Numeric(6, 2), nullable=False),
        sa.Column("instructor_name", sa.String(200), nullable=True),
        sa.Column("prior_certificate_number", sa.String(80), nullable=True),
        sa.Column("source_system", sa.String(120), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lms.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", lms.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "course_id IS NOT NULL OR track_id IS NOT NULL", name="names_course_or_track"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["lms_person.id"]),
        sa.ForeignKeyConstraint(["course_id"], ["lms_course.id"]),
        sa.ForeignKeyConstraint(["track_id"], ["lms_certification_track.id"]),
        sa.ForeignKeyConstraint(["certification_id"], ["lms_certification.id"]),
        sa.ForeignKeyConstraint(["imported_by_id"], ["lms_person.id"]),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["lms_person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "fingerprint"),
    )
    op.create_index(
        "ix_lms_prior_training_person_id", "lms_prior_training", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_lms_prior_training_person_id", table_name="lms_prior_training")
    op.drop_table("lms_prior_training")
    op.drop_index("uq_lms_person_employee_number", table_name="lms_person")
    op.drop_column("lms_person", "notes")
    op.drop_column("lms_person", "unit")
    op.drop_column("lms_person", "employee_number")
    op.drop_column("lms_person", "preferred_name")
