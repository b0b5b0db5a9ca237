"""The stamps behind what each process keeps (:mod:`lms.site_cache`)."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CatalogStamp(Base):
    """A row per stamp: a random token made anew by database triggers whenever a row
    behind what a process keeps changes.

    Row :data:`CATALOG` (migration 0017): an organization's name or kind, a course or a
    track's renewal path. Row :data:`STANDING` (migration 0020): a certification cycle,
    a role assignment, a track, or a person's name, badge, organization or activity.

    Never written by the application: the triggers catch every writer. A process
    keeps the department's name and how tracks are earned, and the compliance
    report's counts, under the tokens it read them with, and reads them again once
    a token differs.
    """

    __tablename__ = "lms_catalog_stamp"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)


#: The stamps' rows.
CATALOG = 1
STANDING = 2
