"""How long the certification status of a whole department takes to compute.

Generates 10,000 people in 20 agencies on 3 tracks with five years of
certification history (about 85,000 cycles: annual ALERRT renewals with lapses
and gaps, 36-month instructor cycles, 24-month tactical-medicine cycles, a few
revoked), then times the status computations the compliance page and the
exports run:

- ``population_standings``: every person's status on every track that
  concerns them (the figure with the 300 ms budget);
- ``compliance_report``: the compliance page's whole computation (per-agency
  counts, filters, the first page of rows; "rows" is how many match in all).

Usage::

    .venv/bin/python benchmarks/status_bench.py                  # SQLite, temporary file
    .venv/bin/python benchmarks/status_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else);
without it a database that already holds LMS tables is refused. Exit status 1
when the median of ``population_standings`` exceeds ``--budget-ms``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import MetaData, create_engine, event, inspect, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import (
    migrate,  # noqa: E402
    site_cache,  # noqa: E402
)
from lms.app import create_app, db  # noqa: E402
from lms.compliance.queries import Filters, compliance_report  # noqa: E402
from lms.dates import add_months  # noqa: E402
from lms.models import Base  # noqa: E402
from lms.status.population import population_standings  # noqa: E402
from lms.status.queries import all_tracks  # noqa: E402

AGENCIES = 20
TRACKS = (
    # code, name, validity months, window days, qualifies instructors, share of people
    ("ALERRT", "ALERRT active-threat response", 12, 90, False, 1.0),
    ("ALERRT-INSTRUCTOR", "ALERRT instructor", 36, 180, True, 0.05),
    ("TEMS", "Tactical emergency casualty care", 24, 60, False, 1.0),
)


def drop_lms_objects(engine) -> None:
    """Remove the LMS tables (and PostgreSQL's audit trigger function), nothing else.

    The migrations' downgrade does it when the database was made by these
    migrations; otherwise (an older checkout made it) the tables are reflected
    and dropped.
    """
    try:
        migrate.downgrade(engine, "base")
        return
    except Exception as exc:  # noqa: BLE001 - any failure: fall back to dropping by name
        print(f"downgrade failed ({type(exc).__name__}); dropping the LMS tables by name")
    reflected = MetaData()
    reflected.reflect(engine, only=lambda name, _: name.startswith("lms_"))
    with engine.begin() as conn:
        reflected.drop_all(conn)
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP FUNCTION IF EXISTS lms_audit_event_refuse() CASCADE"))


def prepare(url: str, reset: bool):
    engine = create_engine(url)
    existing = [t for t in inspect(engine).get_table_names() if t.startswith("lms_")]
    if existing and not reset:
        sys.exit(
            f"{url} already holds LMS tables; pass --reset to drop them (and only them) first."
        )
    if existing:
        drop_lms_objects(engine)
    migrate.upgrade(engine)
    return engine


def generate(engine, people: int, today: date, seed: int) -> dict:
    """Insert the data set with bulk statements; returns counts."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    tables = Base.metadata.tables
    counts = {"people": people, "cycles": 0}
    with engine.begin() as conn:
        conn.execute(
            tables["lms_organization"].insert(),
            [
                {
                    "id": i,
                    "name": f"Agency {i:02d}" if i > 1 else "Missoula Police Department",
                    "slug": f"agency-{i}",
                    "kind": "department" if i == 1 else "partner_agency",
                    "agency_type": "police" if i % 3 else "sheriff",
                    "timezone": "America/Denver",
                    "active": True,
                    "created_at": now,
                }
                for i in range(1, AGENCIES + 1)
            ],
        )
        track_ids = {}
        for index, (code, name, months, window, qualifies, _) in enumerate(TRACKS, start=1):
            conn.execute(
                tables["lms_certification_track"].insert(),
                {
                    "id": index,
                    "code": code,
                    "name": name,
                    "description": "",
                    "validity_months": months,
                    "renewal_window_days": window,
                    "due_soon_days": window,
                    "renewal_basis": "previous_expiry",
                    "qualifies_instructors": qualifies,
                },
            )
            track_ids[code] = index
            conn.execute(
                tables["lms_course"].insert(),
                {
                    "id": index,
                    "organization_id": 1,
                    "code": f"{code}-COURSE",
                    "title": name,
                    "description": "",
                    "audience": "instructors" if qualifies else "officers",
                    "credit_hours": 8,
                    "course_type": "certification",
                    "completion_rule": "attendance",
                    "completion_params": {},
                    "certificate_layout": "officer-certification",
                    "grants_track_id": index,
                    "is_public": False,
                    "active": True,
                    "created_at": now,
                },
            )
        person_rows, role_rows, cycle_rows = [], [], []
        cycle_id = 0
        start = today - timedelta(days=5 * 365)
        for pid in range(1, people + 1):
            org = 1 + (pid % AGENCIES)
            person_rows.append(
                {
                    "id": pid,
                    "organization_id": org,
                    "full_name": f"Officer {pid:05d}",
                    "email": f"officer{pid}@bench.test",
                    "badge_number": f"B-{pid:05d}",
                    "active": pid % 97 != 0,
                    "created_at": now,
                }
            )
            instructor = rng.random() < TRACKS[1][5]
            role_rows.append(
                {"person_id": pid, "role": "officer", "organization_id": org, "granted_at": now}
            )
            if instructor:
                role_rows.append(
                    {
                        "person_id": pid,
                        "role": "instructor",
                        "organization_id": org,
                        "granted_at": now,
                    }
                )
            for code, _, months, _, qualifies, _ in TRACKS:
                if qualifies and not instructor:
                    continue
                if rng.random() < 0.06:  # never certified on this track
                    continue
                granted = start + timedelta(days=rng.randrange(0, 365))
                cycle, previous = 0, None
                while granted <= today:
                    cycle += 1
                    cycle_id += 1
                    expires = add_months(granted, months)
                    cycle_rows.append(
                        {
                            "id": cycle_id,
                            "person_id": pid,
                            "track_id": track_ids[code],
                            "cycle": cycle,
                            "granted_on": granted,
                            "valid_from": granted,
                            "expires_on": expires,
                            "source": "imported",
                            "previous_id": previous,
                            "created_at": now,
                            "revoked_at": now if rng.random() < 0.01 else None,
                            "revoke_reason": "benchmark revocation" if previous else None,
                        }
                    )
                    previous = cycle_id
                    # Most renew inside the window; some early, some lapse for a while.
                    roll = rng.random()
                    if roll < 0.75:
                        granted = expires - timedelta(days=rng.randrange(1, 80))
                    elif roll < 0.9:
                        granted = expires - timedelta(days=rng.randrange(90, 200))
                    else:
                        granted = expires + timedelta(days=rng.randrange(10, 400))
        conn.execute(tables["lms_person"].insert(), person_rows)
        conn.execute(tables["lms_role_assignment"].insert(), role_rows)
        for offset in range(0, len(cycle_rows), 20000):
            conn.execute(tables["lms_certification"].insert(), cycle_rows[offset : offset + 20000])
        counts["cycles"] = len(cycle_rows)
        counts["roles"] = len(role_rows)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return counts


def timed(label: str, func, repeat: int) -> tuple[float, list[float]]:
    samples, cpu, statements = [], [], []

    def count(*_args):
        statements.append(1)

    func()  # warm: connection pool, statement caches
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for _ in range(repeat):
            db.session.remove()
            begin, begin_cpu = time.perf_counter(), time.process_time()
            result = func()
            samples.append((time.perf_counter() - begin) * 1000)
            cpu.append((time.process_time() - begin_cpu) * 1000)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    median = statistics.median(samples)
    size = len(result) if hasattr(result, "__len__") else result.total
    print(
        f"  {label:<21} median {median:6.1f} ms  min {min(samples):6.1f} ms  "
        f"max {max(samples):6.1f} ms  (cpu median {statistics.median(cpu):6.1f} ms)  "
        f"{len(statements) // repeat} queries  {size} rows"
    )
    return median, samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--budget-ms", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="lms-status-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    engine = prepare(url, args.reset)
    today = date.today()
    begin = time.perf_counter()
    counts = generate(engine, args.people, today, args.seed)
    engine.dispose()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{engine.dialect.name}: {counts['people']} people, {counts['cycles']} certification "
        f"cycles over five years, {len(TRACKS)} tracks, {AGENCIES} agencies "
        f"(generated in {time.perf_counter() - begin:.1f} s); "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "LMS_LOAD_PLUGINS": False,
            "LMS_KEY_DIR": workdir,
        }
    )
    with app.app_context():
        median, _ = timed(
            "population_standings", lambda: population_standings(all_tracks(), today), args.repeat
        )

        def worked_out():
            site_cache.forget()  # as after any change of anyone's standing
            return compliance_report(None, Filters(), today)

        timed("compliance_report, worked out", worked_out, args.repeat)
        timed(
            "compliance_report, kept",
            lambda: compliance_report(None, Filters(), today),
            args.repeat,
        )
    verdict = "PASS" if median <= args.budget_ms else "FAIL"
    budget = f"budget {args.budget_ms:.0f} ms"
    print(f"{verdict}: status of {args.people} people in {median:.1f} ms ({budget})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
