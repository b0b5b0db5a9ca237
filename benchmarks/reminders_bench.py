"""How long queuing a day's renewal reminders takes for a whole department.

``--people`` officers (10,000), each with an ALERRT cycle due today at one of
the reminder offsets (60, 30, 7 days, or expiring today), and a handful of open
refresher sessions to list. One pass of :func:`lms.mail.reminders.queue_reminders`
(what the worker's hourly job and ``flask lms reminders`` run) finds who is due,
renders each (track, offset, due date) once, builds every message and inserts
them in batches; then commits. Prints this process's CPU seconds (the figure
the target is judged by, as in the other benchmarks: on a shared, busy machine
the wall clock mostly measures the wait for a core) and the wall clock; a few of
the messages, names in several scripts, are read back with the ``email``
package (headers, text, HTML). Target: **at most 5 seconds** for 10,000 people.

Usage::

    .venv/bin/python benchmarks/reminders_bench.py               # SQLite, temporary file
    .venv/bin/python benchmarks/reminders_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402
from status_bench import prepare  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.core import local_today  # noqa: E402
from lms.mail.reminders import queue_reminders  # noqa: E402
from lms.models import (  # noqa: E402
    AgencyType,
    Audience,
    Certification,
    CertificationSource,
    CertificationTrack,
    Course,
    Organization,
    OrganizationKind,
    OutboxMessage,
    Person,
    RenewalBasis,
)
from tests.support import Factory  # noqa: E402

TARGET_SECONDS = 5.0
OFFSETS = (60, 30, 7, 0)
NAMES = ("Dana Whitfield", "José Álvarez", "Zoë Brennan", "Marcus O'Neil", "Ана Петрова")


def populate(people: int, today: date) -> None:
    make = Factory(db.session)
    department = Organization(
        name="Missoula Police Department",
        slug="mpd",
        kind=OrganizationKind.DEPARTMENT,
        agency_type=AgencyType.POLICE,
    )
    track = CertificationTrack(
        code="ALERRT",
        name="ALERRT active-threat response",
        validity_months=12,
        renewal_window_days=90,
        due_soon_days=90,
        renewal_basis=RenewalBasis.PREVIOUS_EXPIRY,
    )
    course = Course(
        code="ALERRT-REFRESH",
        title="ALERRT Active-Shooter Response Refresher",
        organization=department,
        audience=Audience.OFFICERS,
        credit_hours=Decimal("8"),
        course_type="certification",
        completion_rule="attendance",
        completion_params={},
        grants_track=track,
    )
    db.session.add_all([department, track, course])
    db.session.commit()
    for days in (5, 20, 40, 50):
        make.session(course, start=today + timedelta(days=days), capacity=30)
    now = datetime.now(UTC)
    db.session.execute(
        insert(Person),
        [
            {
                "organization_id": department.id,
                "full_name": f"{NAMES[n % len(NAMES)]} {n}",
                "email": f"officer{n:05d}@mpd.example",
                "notes": "",
                "active": True,
                "created_at": now,
            }
            for n in range(people)
        ],
    )
    ids = db.session.scalars(select(Person.id).order_by(Person.id)).all()
    cycles = []
    for n, person_id in enumerate(ids):
        expires = today + timedelta(days=OFFSETS[n % len(OFFSETS)])
        granted = expires - timedelta(days=365)
        cycles.append(
            {
                "person_id": person_id,
                "track_id": track.id,
                "cycle": 1,
                "granted_on": granted,
                "valid_from": granted,
                "expires_on": expires,
                "source": CertificationSource.IMPORTED,
                "created_at": now,
            }
        )
    db.session.execute(insert(Certification), cycles)
    db.session.commit()
    # A live database has planner statistics (autovacuum keeps them); tables filled a
    # moment ago have none, and the plans the pass gets then measure nothing real.
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def check_samples() -> None:
    for message in db.session.scalars(select(OutboxMessage).limit(5)):
        email = message_from_bytes(message.raw, policy=policy.default)
        text = email.get_body(("plain",)).get_content()
        html = email.get_body(("html",)).get_content()
        name = str(email["To"]).rpartition(" <")[0].strip('"')
        assert f"Hello {name}," in text and "Enroll:" in text and "<a href=" in html, message.id
        assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert str(email["Subject"]).startswith("Your ALERRT active-threat response")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="lms-reminders-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    prepare(url, args.reset).dispose()
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "LMS_KEY_DIR": str(folder / "keys"),
            "LMS_QUEUE_FILE": str(folder / "queue.sqlite3"),
            "LMS_DEPARTMENT_NAME": "Missoula Police Department",
            "LMS_PUBLIC_URL": "https://training.mpd.example",
            "LMS_MAIL_SENDER": "Missoula Police Department Training <training@mpd.example>",
        }
    )
    print(f"database: {re.sub(r'//[^@]*@', '//', url)}")
    with app.app_context():
        today = local_today()
        populate(args.people, today)
        wall, cpu = time.perf_counter(), time.process_time()
        report = queue_reminders()
        db.session.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        stored = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        assert report.queued == stored == args.people, (report.queued, stored)
        check_samples()
    print(
        f"queued {report.queued} reminders in {wall:.2f} s wall, {cpu:.2f} s CPU "
        f"({report.queued / wall:.0f} messages/s)"
    )
    met = cpu <= TARGET_SECONDS * args.people / 10_000
    print(f"target <= {TARGET_SECONDS} s (CPU) for 10,000 people: {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
