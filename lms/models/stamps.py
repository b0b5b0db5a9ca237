"""The stamp behind what each process keeps of the catalog (:mod:`lms.site_cache`)."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CatalogStamp(Base):
    """One row: a random token made anew by database triggers (migration 0017) whenever
    an organization's name or kind, a course or a track's renewal path changes.

    Never written by the application: the triggers catch every writer. A process
    keeps the department's name and how tracks are earned under the token it read
    them with, and reads them again once the token differs.
    """

    __tablename__ = "lms_catalog_stamp"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[int] = mapped_column(BigInteger)
