"""CPU time per request of the main pages, on the large demo (PostgreSQL or SQLite).

Builds the standalone app against a database that already holds the large demo
(``flask lms demo --size large``, any ``--scale``), signs in through the real
form as whoever opens each page (``lms.demo.large_pages.main_pages``), then asks
each page ``--repeat`` times through Flask's test client after one warm-up.
Prints per page the median CPU time of this process per request (the app's
whole work: routing, session, access policy, SQL round trips' Python side,
templates), p50/p95 of the wall clock, the mean CPU time of the local
PostgreSQL server per request and the SQL statements per request. On a shared
machine compare the CPU columns: the wall clock mostly measures the queue for
a core.

Usage::

    .venv/bin/python benchmarks/pages_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lms_large \\
        --key-dir /tmp/lms-large-keys
    .venv/bin/python benchmarks/pages_bench.py ... --profile "officer dashboard"

``--profile PAGE`` runs that page under cProfile instead and prints where its
time goes. ``--officers N`` asks the officer's own pages (dashboard, status,
enrollments) as N officers in turn, spread over the large demo's 10,000
(current, due soon, expired: their pages read different rows), instead of the
one officer ``main_pages`` names. Exit status 1 when the compliance page or the people directory
filtered by status misses ``--budget-ms`` at p95, or a page answers other than 200.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from people_bench import percentiles, server_cpu_meter  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.demo import DEMO_PASSWORD  # noqa: E402
from lms.demo.large import Shape, officer_email  # noqa: E402
from lms.demo.large_pages import main_pages  # noqa: E402

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
#: Pages held to --budget-ms at p95 (the issue's "compliance for all agencies, people by status").
BUDGETED = ("compliance", "people by status")


def signed_in(app, email: str | None):
    client = app.test_client()
    if email:
        form = client.get("/training/sign-in").get_data(as_text=True)
        answer = client.post(
            "/training/sign-in",
            data={"email": email, "password": DEMO_PASSWORD, "csrf_token": CSRF.search(form)[1]},
        )
        if answer.status_code != 302:
            sys.exit(f"{email} could not sign in ({answer.status_code})")
    return client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="holds the large demo")
    parser.add_argument("--key-dir", required=True, help="the keys the demo was signed with")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--budget-ms", type=float, default=200.0)
    parser.add_argument("--only", nargs="*", help="page names (default: all)")
    parser.add_argument("--profile", metavar="PAGE", help="profile this page with cProfile")
    parser.add_argument(
        "--officers", type=int, default=1, help="officers taking turns on their own pages"
    )
    args = parser.parse_args(argv)

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "LMS_KEY_DIR": args.key_dir,
            "SECRET_KEY": "pages-bench",
            "LMS_RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        pages = main_pages(db.session)
        db.session.remove()
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
    server = server_cpu_meter(args.database_url)
    clients: dict[str | None, object] = {}
    officer = pages["status"][0]  # whose pages --officers takes turns on
    if args.profile:
        pages = {args.profile: pages[args.profile]}
    elif args.only:
        pages = {name: pages[name] for name in args.only}
    print(f"{'page':<20} {'cpu p50':>8} {'wall p50':>9} {'p95':>7} {'server':>7} {'SQL':>4}  (ms)")
    failed = False
    for name, (email, url) in pages.items():
        if email not in clients:
            clients[email] = signed_in(app, email)
        client = clients[email]
        turns = [client]
        if email == officer and args.officers > 1:
            step = Shape().officers // args.officers
            turns = [signed_in(app, officer_email(1 + n * step)) for n in range(args.officers)]
        # warm-up: what is built once per process
        refused = [a.status_code for a in (c.get(url) for c in turns) if a.status_code != 200]
        if refused:
            print(f"{name}: {url} answered {refused[0]}")
            failed = True
            continue
        if args.profile:
            profile = cProfile.Profile(time.process_time)  # CPU, not waits
            profile.enable()
            for _ in range(args.repeat):
                client.get(url)
            profile.disable()
            stats = pstats.Stats(profile).sort_stats("tottime")
            stats.print_stats(40)
            stats.sort_stats("cumulative").print_stats(60)
            return 0
        wall, cpu = [], []
        server_begin = server() if server else 0.0
        before = len(statements)
        for n in range(args.repeat):
            client = turns[n % len(turns)]
            begin, begin_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            cpu.append((time.process_time() - begin_cpu) * 1000)
            wall.append((time.perf_counter() - begin) * 1000)
        per_request = (len(statements) - before) // args.repeat
        server_ms = (server() - server_begin) * 1000 / args.repeat if server else float("nan")
        p50, p95, _ = percentiles(wall)
        print(
            f"{name:<20} {statistics.median(cpu):8.1f} {p50:9.1f} {p95:7.1f} "
            f"{server_ms:7.1f} {per_request:4d}"
        )
        if name in BUDGETED and p95 > args.budget_ms:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
