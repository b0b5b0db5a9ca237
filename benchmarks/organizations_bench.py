"""How fast the organizations pages answer for a department of 10,000 people.

Reuses the data set of ``status_bench.py`` (10,000 people in 20 agencies on 3
tracks with five years of certification history), adds 200 community groups
of 5 to 40 people each, then requests, through the Flask app as a signed-in
administrator:

- ``/training/organizations/``: every organization grouped by kind with its
  people and active people counts;
- ``/training/organizations/<id>``: one agency at a glance (its 500 people
  counted, its coordinators, its compliance summary per track: the compliance
  report's own computation, scoped to the agency).

Usage::

    .venv/bin/python benchmarks/organizations_bench.py                 # SQLite, temporary file
    .venv/bin/python benchmarks/organizations_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when a page's p95 exceeds ``--budget-ms`` (150 ms, the issue's
budget for the people directory, taken for these staff pages too).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from status_bench import AGENCIES, TRACKS, generate, prepare  # noqa: E402

from lms.app import create_app  # noqa: E402
from lms.auth.passwords import hash_password  # noqa: E402
from lms.models import Base  # noqa: E402

GROUPS = 200
PASSWORD = "Benchmark-Organizations-42"


def add_groups_and_admin(engine, people: int, seed: int) -> int:
    """Community groups with their people and a coordinator each; an admin. Returns people."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    tables = Base.metadata.tables
    org_rows, person_rows, role_rows = [], [], []
    pid = people
    for n in range(GROUPS):
        org_id = AGENCIES + 1 + n
        org_rows.append(
            {
                "id": org_id,
                "name": f"Community group {n:03d}",
                "slug": f"group-{n}",
                "kind": "community_group",
                "agency_type": ("school", "church", "business", "civic")[n % 4],
                "timezone": "America/Denver",
                "active": n % 25 != 0,
                "default_seat_cap": rng.choice([None, 4, 6, 10]),
                "created_at": now,
            }
        )
        for k in range(rng.randrange(5, 41)):
            pid += 1
            person_rows.append(
                {
                    "id": pid,
                    "organization_id": org_id,
                    "full_name": f"Member {pid:06d}",
                    "email": f"member{pid}@bench.test",
                    "active": True,
                    "notes": "",
                    "created_at": now,
                }
            )
            role = "group_coordinator" if k == 0 else "participant"
            role_rows.append(
                {"person_id": pid, "role": role, "organization_id": org_id, "granted_at": now}
            )
    pid += 1
    admin_id = pid
    admin = {
        "id": admin_id,
        "organization_id": 1,
        "full_name": "Benchmark Admin",
        "email": "admin@bench.test",
        "password_hash": hash_password(PASSWORD),
        "active": True,
        "notes": "",
        "created_at": now,
    }
    role_rows.append(
        {"person_id": admin_id, "role": "admin", "organization_id": None, "granted_at": now}
    )
    with engine.begin() as conn:
        conn.execute(tables["lms_organization"].insert(), org_rows)
        # One statement per shape: an executemany takes its columns from the first row.
        conn.execute(tables["lms_person"].insert(), person_rows)
        conn.execute(tables["lms_person"].insert(), admin)
        conn.execute(tables["lms_role_assignment"].insert(), role_rows)
    return pid


def timed(client, label: str, url: str, repeat: int, expect: str) -> float:
    response = client.get(url)  # warm: connection pool, statement and template caches
    assert response.status_code == 200 and expect in response.text, (label, response.status)
    samples = []
    for _ in range(repeat):
        begin = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - begin) * 1000)
        assert response.status_code == 200
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(f"  {label:<24} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {samples[-1]:6.1f} ms")
    return p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--budget-ms", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="lms-organizations-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    engine = prepare(url, args.reset)
    begin = time.perf_counter()
    counts = generate(engine, args.people, date.today(), args.seed)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "LMS_LOAD_PLUGINS": False,
            "LMS_KEY_DIR": workdir,
            "LMS_RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():  # the password hash follows the app's Argon2 settings
        total = add_groups_and_admin(engine, args.people, args.seed)
    engine.dispose()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{engine.dialect.name}: {total} people ({args.people} in {AGENCIES} agencies, the rest "
        f"in {GROUPS} community groups), {counts['cycles']} cycles on {len(TRACKS)} tracks "
        f"(generated in {time.perf_counter() - begin:.1f} s); {os.cpu_count()} CPUs, "
        f"load average {load:.1f}"
    )

    client = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/training/sign-in").text
    ).group(1)
    signed = client.post(
        "/training/sign-in",
        data={"csrf_token": token, "email": "admin@bench.test", "password": PASSWORD},
    )
    assert signed.status_code == 302, "the benchmark admin could not sign in"
    worst = max(
        timed(client, "organizations list", "/training/organizations/", args.repeat, "Agency 19"),
        timed(
            client,
            "agency at a glance",
            "/training/organizations/2",
            args.repeat,
            "ALERRT active-threat response",
        ),
    )
    verdict = "PASS" if worst <= args.budget_ms else "FAIL"
    print(f"{verdict}: worst p95 {worst:.1f} ms (budget {args.budget_ms:.0f} ms)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
