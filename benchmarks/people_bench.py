"""How long the people directory takes with 10,000 people on 3 tracks, filtered by status.

Reuses the data set of ``status_bench.py`` (20 agencies, 10,000 people, five
years of cycles on three tracks), adds an administrator, then asks the
directory page (``GET /training/people/``, signed in, through the whole Flask
stack: form, SQL, template) with the filters below, and its query function
alone. Prints p50 / p95 / max of the wall clock per case, and the median CPU
time of this Python process (the database server's work is not in it); the
target is p95 ≤ 150 ms on PostgreSQL for the status filters.

Usage::

    .venv/bin/python benchmarks/people_bench.py                  # SQLite, temporary file
    .venv/bin/python benchmarks/people_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when a status filter's page p95 exceeds ``--budget-ms``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from status_bench import AGENCIES, TRACKS, generate, prepare  # noqa: E402

from lms import site_cache  # noqa: E402
from lms.app import create_app, db  # noqa: E402
from lms.auth.passwords import hash_password  # noqa: E402
from lms.models import Person, Role, RoleAssignment  # noqa: E402
from lms.people.directory import DirectoryFilters, Sort, directory_page  # noqa: E402
from lms.status.queries import CertificationState, all_tracks  # noqa: E402

PASSWORD = "Benchmark-Password-2026"
STATES = ("current", "due_soon", "expired", "never")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", None)
#: (label, query string) of the page cases; the budget is on the four "status=" ones
#: (officers filtered by status on ALERRT, sorted by name, first page).
CASES = [(f"status={s}", {"track": "1", "state": s, "role": "officer"}) for s in STATES] + [
    ("expired, by due date", {"track": "1", "state": "expired", "sort": "due"}),
    ("current, page 40", {"track": "1", "state": "current", "page": "40"}),
    ("everyone, by due date", {"sort": "due", "activity": "any"}),
    ("search 'officer 0042'", {"q": "officer 0042"}),
]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def server_cpu_meter(url: str):
    """A function returning the CPU seconds the local PostgreSQL server spent for this database.

    Summed over the backends serving it (``pg_stat_activity``), read from
    ``/proc``: on a busy machine the wall clock mostly measures the queue for
    the CPUs, this does not. None for SQLite (its work is in this process's
    CPU) or a server elsewhere.
    """
    engine = create_engine(url)
    if engine.dialect.name != "postgresql" or engine.url.host not in LOCAL_HOSTS:
        return None
    if not Path("/proc/self/stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def seconds() -> float:
        with engine.connect() as conn:
            pids = conn.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            ).all()
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a backend that ended meanwhile
                continue
            total += int(fields[11]) + int(fields[12])  # utime + stime, in ticks
        return total / tick

    return seconds


def measure(label: str, func, repeat: int, server=None) -> float:
    """Run ``func`` once to warm up, then ``repeat`` times; print and return the p95."""
    func()
    samples, cpu = [], []
    server_begin = server() if server else 0.0
    for _ in range(repeat):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        func()
        samples.append((time.perf_counter() - begin) * 1000)
        cpu.append((time.process_time() - begin_cpu) * 1000)
    server_ms = (server() - server_begin) * 1000 / repeat if server else None
    p50, p95, worst = percentiles(samples)
    print(
        f"  {label:<24} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {worst:6.1f} ms"
        f"  (cpu p50 of this process {statistics.median(cpu):5.1f} ms"
        + (f", mean of the server {server_ms:5.1f} ms)" if server else ")")
    )
    return p95


def add_admin(people: int) -> str:
    admin = Person(
        id=people + 1,  # the generator set ids itself: PostgreSQL's sequence is still at 1
        full_name="Bench Admin",
        organization_id=1,
        email="bench.admin@bench.test",
        password_hash=hash_password(PASSWORD),
    )
    admin.roles.append(RoleAssignment(role=Role.ADMIN))
    db.session.add(admin)
    db.session.commit()
    return admin.email


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--budget-ms", type=float, default=150.0)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="lms-people-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    engine = prepare(url, args.reset)
    today = date.today()
    counts = generate(engine, args.people, today, args.seed)
    engine.dispose()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{engine.dialect.name}: {counts['people']} people, {counts['cycles']} cycles, "
        f"{len(TRACKS)} tracks, {AGENCIES} agencies; {os.cpu_count()} CPUs, load {load:.1f}"
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "LMS_LOAD_PLUGINS": False,
            "LMS_KEY_DIR": workdir,
            "LMS_RATELIMIT_ENABLED": False,
            "LMS_ARGON2_TIME_COST": 1,
            "LMS_ARGON2_MEMORY_KIB": 1024,
            "LMS_ARGON2_PARALLELISM": 1,
        }
    )
    server = server_cpu_meter(url)
    with app.app_context():
        email = add_admin(args.people)
        tracks = all_tracks()
        print("directory_page() (the SQL and the page's statuses):")
        for state in STATES:
            filters = DirectoryFilters(
                track=tracks[0], state=CertificationState(state), role=Role.OFFICER
            )

            def worked_out(f=filters):
                site_cache.forget()  # as after any change of anyone's standing
                return directory_page(None, f, tracks)

            measure(f"status={state}", worked_out, args.repeat, server)
            measure(
                f"status={state}, kept",
                lambda f=filters: directory_page(None, f, tracks),
                args.repeat,
                server,
            )
        measure(
            "everyone, by due date",
            lambda: directory_page(None, DirectoryFilters(sort=Sort.DUE), tracks),
            args.repeat,
            server,
        )
    client = app.test_client()
    form = client.get("/training/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    signed = client.post(
        "/training/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert signed.status_code == 302, signed.status_code
    print("GET /training/people/ (whole page, signed in as an administrator):")
    worst = 0.0
    for label, query in CASES:

        def ask(query=query):
            site_cache.forget()  # the listing worked out, as after any change of standing
            response = client.get("/training/people/", query_string=query)
            assert response.status_code == 200, response.status_code

        p95 = measure(label, ask, args.repeat, server)
        if label.startswith("status="):
            worst = max(worst, p95)
    verdict = "PASS" if worst <= args.budget_ms else "FAIL"
    print(
        f"{verdict}: worst status-filter page p95 {worst:.1f} ms (budget {args.budget_ms:.0f} ms)"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
