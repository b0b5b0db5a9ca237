"""What every part of the demo shares: the department's day and zone, the database, a password."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from ..auth.passwords import hash_password
from ..core import db_session

DEMO_PASSWORD = "Avoid-Deny-Defend-2026"  # noqa: S105 - published demo sign-in
DEPARTMENT_SLUG = "mpd"
EMAIL_DOMAIN = "demo.lms.test"


def mail(local: str, organization_slug: str | None = None) -> str:
    """A demo address: ``local@demo.lms.test``, or ``local@<slug>.demo.lms.test``."""
    return f"{local}@{organization_slug + '.' if organization_slug else ''}{EMAIL_DOMAIN}"


class World:
    """The day the demo is built for, in the department's zone, and its session."""

    def __init__(self, tz_name: str, today: date):
        self.tz_name = tz_name
        self.tz = ZoneInfo(tz_name)
        self.today = today
        self.db = db_session()
        # One hash for every demo login: hashing each costs ~0.1 s by design.
        self.password_hash = hash_password(DEMO_PASSWORD)

    def at(self, day: date, clock: time) -> datetime:
        """A wall-clock time of the department as the UTC instant stored."""
        return datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)
