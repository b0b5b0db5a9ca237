"""``flask lms demo``: a department that looks like the seed page, running as a real one would.

A city police department with its officers, instructors, partner agencies and
community groups (:mod:`.people`); the four courses of DOMAIN.md, their tracks
and sessions over past and coming months (:mod:`.courses`); and what running
the department adds (:mod:`.records`): history imported from the previous
records system, an officer who retired, a track edited once. Loaded in one
transaction, and only once: a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from ..auth.passwords import hash_password
from ..core import audit, db_session
from ..credentials.queries import key_store
from ..models import Organization
from . import courses, large, people, records
from .world import DEMO_PASSWORD, DEPARTMENT_SLUG, World, mail

__all__ = ["DEMO_PASSWORD", "DemoResult", "load_demo", "load_large_demo"]

SIGN_INS = [
    ("Administrator", mail("admin")),
    ("Training coordinator", mail("coordinator")),
    ("ALERRT instructor", mail("instructor.hayes")),
    ("Officer (school resource officer)", mail("officer.rivera")),
    ("Officer (instructor candidate)", mail("officer.nguyen")),
    ("School coordinator (Big Sky High)", mail("coordinator", "bigskyhigh")),
    ("Church coordinator", mail("coordinator", "gracechurch")),
]


@dataclass
class DemoResult:
    created: bool
    sign_ins: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        head = (
            "Demo data loaded." if self.created else "Demo data already present; nothing changed."
        )
        lines = [head, f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
        lines += [f"  {label:<34} {email}" for label, email in self.sign_ins]
        return "\n".join(lines)


def load_demo(today: date | None = None) -> DemoResult:
    """Load the demo department unless it is already there."""
    session = db_session()
    if session.scalar(select(Organization).where(Organization.slug == DEPARTMENT_SLUG)):
        return DemoResult(False, SIGN_INS)
    tz_name = current_app.config["LMS_TIMEZONE"]
    world = World(tz_name, today or datetime.now(ZoneInfo(tz_name)).date())
    try:
        cast = people.build_people(world)
        catalog = courses.build_catalog(world, cast)
        # The department brought its history along before it taught its first class here.
        records.import_history(world, cast)
        courses.teach_history(world, cast, catalog)
        courses.plan_coming_months(world, cast, catalog)
        records.retire(world, cast)
        records.edit_track(world, cast, catalog)
        audit("demo.loaded", object_type="system", details={"today": world.today.isoformat()})
        session.commit()
    except Exception:
        session.rollback()
        raise
    return DemoResult(True, SIGN_INS)


def load_large_demo(scale: float = 1.0, today: date | None = None) -> dict[str, int]:
    """Load the large statewide world (:mod:`.large`) into an empty database; rows per table."""
    tz_name = current_app.config["LMS_TIMEZONE"]
    session = db_session()
    engine = session.get_bind()
    session.close()  # the bulk load runs on its own connection and transaction
    return large.load_large(
        engine,
        hash_password(DEMO_PASSWORD),
        key_store().active_key(),
        today or datetime.now(ZoneInfo(tz_name)).date(),
        large.Shape().scaled(scale),
    )
