"""How fast the audit log page answers with a million events.

Generates 1,000,000 audit events over three years (bulk INSERTs: the
append-only triggers allow them) for 10,000 people, 200 staff and 2,000
sessions, in the mix a department writes: sign-ins, enrollments, attendance,
completions, certifications and certificates, a few corrections with reasons.
Then an administrator, signed in through the real form, asks the page
(``/training/audit/``: access check, filters, the keyset seek, names, every
event described, the template) through the Flask test client:

- the newest events, unfiltered;
- one action (a common one, and a rare one);
- one person as actor or subject (a random officer), and a busy instructor
  as actor (about 5,000 events each);
- one month of department days (a random month);
- an action within a month;
- a page deep in the log (the 2,000th, from its cursor).

Each line prints p50 and p95 of wall time over ``--requests`` requests with
varying parameters (after one warm-up) and the SQL statements per request.

Usage::

    .venv/bin/python benchmarks/audit_bench.py                 # SQLite, temporary file
    .venv/bin/python benchmarks/audit_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when a p95 exceeds ``--budget-ms`` (150).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import event, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from status_bench import prepare  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.models import Base  # noqa: E402

PASSWORD = "Correct-Horse-Battery-42"
PEOPLE, STAFF, SESSIONS = 10_000, 200, 2_000
ADMIN_ID = PEOPLE + STAFF + 1
# action, share, whose act (self / staff / system), object kind
MIX = (
    ("auth.sign_in", 0.30, "self", "Person"),
    ("enrollment.created", 0.15, "self", "Enrollment"),
    ("roster.attendance_recorded", 0.10, "staff", "CourseSession"),
    ("completion.recorded", 0.10, "staff", "Completion"),
    ("certification.granted", 0.09, "system", "Certification"),
    ("certificate.issued", 0.09, "staff", "Certificate"),
    ("enrollment.cancelled", 0.05, "self", "Enrollment"),
    ("session.changed", 0.04, "staff", "CourseSession"),
    ("auth.sign_out", 0.04, "self", "Person"),
    ("calendar.feed_link_created", 0.02, "self", "Person"),
    ("roster.finalized", 0.015, "staff", "CourseSession"),
    ("roster.corrected", 0.005, "staff", "Enrollment"),
)


def generate(engine, events: int, seed: int) -> None:
    """Organizations, people, courses, sessions and ``events`` audit events, in bulk."""
    rng = random.Random(seed)
    tables = Base.metadata.tables
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=3 * 365)
    with engine.begin() as conn:
        conn.execute(
            tables["lms_organization"].insert(),
            [
                {
                    "id": 1,
                    "name": "Missoula Police Department",
                    "slug": "mpd",
                    "kind": "department",
                    "agency_type": "police",
                    "timezone": "America/Denver",
                    "active": True,
                    "created_at": now,
                }
            ],
        )
        people = [
            {
                "id": pid,
                "organization_id": 1,
                "full_name": (f"Ofc. Officer {pid:05d}" if pid <= PEOPLE else f"Sgt. Staff {pid}"),
                "email": f"p{pid}@bench.test",
                "active": True,
                "created_at": now,
                "notes": "",
            }
            for pid in range(1, ADMIN_ID)
        ]
        conn.execute(tables["lms_person"].insert(), people)
        # Its own statement: a bulk insert takes its columns from the first row.
        conn.execute(
            tables["lms_person"].insert(),
            {
                "id": ADMIN_ID,
                "organization_id": 1,
                "full_name": "Chris Admin",
                "email": "admin@bench.test",
                "password_hash": PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash(
                    PASSWORD
                ),
                "active": True,
                "created_at": now,
                "notes": "",
            },
        )
        conn.execute(
            tables["lms_role_assignment"].insert(),
            [{"person_id": ADMIN_ID, "role": "admin", "organization_id": None, "granted_at": now}],
        )
        conn.execute(
            tables["lms_course"].insert(),
            [
                {
                    "id": 1,
                    "organization_id": 1,
                    "code": "ALERRT-REFRESH",
                    "title": "ALERRT refresher",
                    "description": "",
                    "audience": "officers",
                    "credit_hours": 8,
                    "course_type": "certification",
                    "completion_rule": "attendance",
                    "completion_params": {},
                    "certificate_layout": "officer-certification",
                    "is_public": False,
                    "active": True,
                    "created_at": now,
                }
            ],
        )
        conn.execute(
            tables["lms_session"].insert(),
            [
                {
                    "id": sid,
                    "course_id": 1,
                    "organization_id": 1,
                    "timezone": "America/Denver",
                    "location": "Range",
                    "capacity": 20,
                    "status": "scheduled",
                    "is_public": False,
                    "notes": "",
                    "revision": 0,
                    "revised_at": now,
                }
                for sid in range(1, SESSIONS + 1)
            ],
        )
        conn.execute(
            tables["lms_meeting"].insert(),
            [
                {
                    "session_id": sid,
                    "starts_at": start + timedelta(hours=13 * sid),
                    "ends_at": start + timedelta(hours=13 * sid + 8),
                }
                for sid in range(1, SESSIONS + 1)
            ],
        )
    rows = event_rows(rng, events, start, now)
    load_events(engine, rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


COLUMNS = (
    "occurred_at, actor_id, action, object_type, object_id, organization_id, "
    "source_address, details, subject_person_id"
)
CORRECTION = {
    "reason": "Sign-in sheet shows the officer present",
    "before": {"attendance": {"1": False}, "evaluations": {}},
    "after": {"attendance": {"1": True}, "evaluations": {}},
    "status_before": "no_show",
    "status_after": "completed",
}


def event_rows(rng: random.Random, events: int, start: datetime, now: datetime) -> list[tuple]:
    """``events`` rows in time order, as the driver takes them (details as JSON text)."""
    span = (now - start).total_seconds()
    kinds = rng.choices(range(len(MIX)), [m[1] for m in MIX], k=events)
    rows = []
    instants = sorted(rng.random() * span for _ in range(events))
    for moment, index in zip(instants, kinds, strict=True):
        action, _, who, kind = MIX[index]
        person, session = rng.randint(1, PEOPLE), rng.randint(1, SESSIONS)
        actor = {"self": person, "staff": PEOPLE + rng.randint(1, STAFF), "system": None}[who]
        details = {"person_id": person, "session_id": session}
        if action == "roster.corrected":
            details.update(CORRECTION)
        if kind == "Person":
            object_id = person
        else:
            object_id = session if kind == "CourseSession" else rng.randint(1, 5 * PEOPLE)
        rows.append(
            (
                start + timedelta(seconds=moment),
                actor,
                action,
                kind,
                str(object_id),
                1,
                "10.0.0.1",
                json.dumps(details),
                None if kind == "CourseSession" else person,
            )
        )
    return rows


def load_events(engine, rows: list[tuple]) -> None:
    """Bulk INSERT (SQLite: executemany; PostgreSQL: COPY), as the triggers allow."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY lms_audit_event ({COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # SQLite keeps instants as naive UTC text (see lms.models.base.UTCDateTime).
        conn.exec_driver_sql(
            f"INSERT INTO lms_audit_event ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r[0].strftime("%Y-%m-%d %H:%M:%S.%f"), *r[1:]) for r in rows],
        )


def sign_in(app):
    client = app.test_client()
    page = client.get("/training/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/training/sign-in",
        data={"email": "admin@bench.test", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, "the administrator could not sign in"
    return client


def measure(client, label: str, queries, requests: int, statements: list) -> float:
    """Print p50/p95 of ``requests`` page loads; return the p95."""
    client.get("/training/audit/", query_string=queries(0))  # warm
    samples, cpu, counts = [], [], []
    for n in range(1, requests + 1):
        before = len(statements)
        begin, begin_cpu = time.perf_counter(), time.process_time()
        response = client.get("/training/audit/", query_string=queries(n))
        samples.append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
        counts.append(len(statements) - before)
        assert response.status_code == 200, (label, response.status_code)
    samples.sort()
    p50, p95 = statistics.median(samples), samples[max(0, round(0.95 * len(samples)) - 1)]
    rows = response.get_data(as_text=True).count("data-event=")
    print(
        f"  {label:<37} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (cpu p50 "
        f"{statistics.median(cpu):5.1f} ms)  {statistics.median(counts):.0f} queries  {rows} events"
    )
    return p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--budget-ms", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="lms-audit-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    engine = prepare(url, args.reset)
    begin = time.perf_counter()
    generate(engine, args.events, args.seed)
    engine.dispose()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{engine.dialect.name}: {args.events:,} audit events over three years, "
        f"{PEOPLE:,} people (generated in {time.perf_counter() - begin:.0f} s); "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "LMS_LOAD_PLUGINS": False,
            "LMS_KEY_DIR": workdir,
            "LMS_RATELIMIT_ENABLED": False,
            "LMS_ARGON2_TIME_COST": 1,
            "LMS_ARGON2_MEMORY_KIB": 64,
            "LMS_ARGON2_PARALLELISM": 1,
        }
    )
    rng = random.Random(args.seed)
    today = date.today()

    def month(n: int) -> dict:
        first = (today.replace(day=1) - timedelta(days=30 * rng.randint(1, 34))).replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return {"start": first.isoformat(), "end": last.isoformat()}

    with app.app_context():
        deep = db.session.execute(
            # Setup only: the event that starts page 2,000 (the page itself seeks from it).
            text(
                "SELECT id FROM lms_audit_event"
                " ORDER BY occurred_at DESC, id DESC LIMIT 1 OFFSET :n"
            ),
            {"n": min(2000 * 50, args.events - 1)},
        ).scalar()
        db.session.remove()
        statements: list = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        client = sign_in(app)
        scenarios = [
            ("newest events", lambda n: {}),
            ("action: enrollment.created", lambda n: {"action": "enrollment.created"}),
            ("action: roster.corrected (rare)", lambda n: {"action": "roster.corrected"}),
            ("person: an officer, actor or subject", lambda n: {"person": rng.randint(1, PEOPLE)}),
            (
                "person: an instructor, as actor",
                lambda n: {"person": PEOPLE + rng.randint(1, STAFF), "person_role": "actor"},
            ),
            ("date range: one month", month),
            ("action within one month", lambda n: {**month(n), "action": "auth.sign_in"}),
            ("page 2,000 (seek from its cursor)", lambda n: {"before": deep}),
        ]
        worst = max(
            measure(client, label, queries, args.requests, statements)
            for label, queries in scenarios
        )
    verdict = "PASS" if worst <= args.budget_ms else "FAIL"
    print(f"{verdict}: worst p95 {worst:.1f} ms (budget {args.budget_ms:.0f} ms)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
