"""The registration rush: 500 simultaneous registrations for a 25-seat session.

A public session (an open ALERRT day: officers enroll themselves, anyone may
register on the public page) with ``--seats`` seats; ``--requests`` browsers,
half of them officers signed in (``POST .../enroll``) and half of them the
public (``POST .../register``, each with a new address), all hold their
cookie and CSRF token and a connection to gunicorn on PostgreSQL, then send
their form at the same instant. Afterwards the database must hold exactly
``--seats`` enrolled and everyone else waitlisted, in the order their requests
took the session's lock (enrolled first, then the waitlist by time and id, every
place created in that same order), every answer a success (302 for an officer,
200 for the public) within ``--budget-s``.

The workers log (``lms.locks``, see ``lms.core.lock_row``) how long each
request waited for the session's row lock and held it until its commit; the
script prints their p50 / p95 / max.

Usage::

    createdb -h 127.0.0.1 -U postgres lms_rush
    .venv/bin/python benchmarks/rush_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_rush --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when a count, the order, an answer or the time budget is wrong.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import flask
from flask_wtf.csrf import generate_csrf

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from load_test import cpu_seconds, free_port  # noqa: E402
from status_bench import prepare  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.auth.operations import start_login_session  # noqa: E402
from lms.models import (  # noqa: E402
    AgencyType,
    Audience,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    Meeting,
    Organization,
    OrganizationKind,
    Person,
    Role,
    RoleAssignment,
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DENVER = ZoneInfo("America/Denver")
SECRET = "rush-bench"
LOCK_LINE = re.compile(
    r"row lock lms_session (\d+): waited ([\d.]+) ms, held ([\d.]+) ms \(([\d.]+) ms of"
)
#: A gunicorn config file: each worker writes lms.locks' lines to the file named in the env.
GUNICORN_CONF = """
import logging, os

def post_fork(server, worker):
    handler = logging.FileHandler(os.environ["RUSH_LOCK_LOG"])
    log = logging.getLogger("lms.locks")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
"""


@dataclass
class Browser:
    kind: str  # "officer" or "public"
    cookie: str
    csrf: str
    form: dict


@dataclass
class Answer:
    browser: Browser
    status: int
    seconds: float
    body: str


def build(app, requests: int, seats: int) -> tuple[int, list[Browser]]:
    """The session and the browsers of the rush, alternating officers and the public."""
    with app.app_context():
        department = Organization(
            name="Missoula Police Department",
            slug="department",
            kind=OrganizationKind.DEPARTMENT,
            agency_type=AgencyType.POLICE,
            timezone="America/Denver",
        )
        course = Course(
            code="ALERRT-OPEN",
            title="ALERRT active-shooter response: open day",
            organization=department,
            audience=Audience.OFFICERS,
            credit_hours=Decimal("8"),
            is_public=True,
        )
        session = CourseSession(
            course=course,
            organization=department,
            timezone="America/Denver",
            location="Training Center, Room 1",
            capacity=seats,
            is_public=True,
        )
        day = datetime.now(DENVER).date() + timedelta(days=14)
        session.meetings.append(
            Meeting(
                starts_at=datetime(day.year, day.month, day.day, 8, tzinfo=DENVER).astimezone(UTC),
                ends_at=datetime(day.year, day.month, day.day, 16, tzinfo=DENVER).astimezone(UTC),
            )
        )
        officers = [
            Person(
                full_name=f"Officer {n:03d}",
                organization=department,
                email=f"officer{n}@rush.test",
                roles=[RoleAssignment(role=Role.OFFICER, organization=department)],
            )
            for n in range(requests // 2)
        ]
        db.session.add_all([session, *officers])
        db.session.commit()
        session_id = session.id
        browsers = []
        for n in range(requests):
            with app.test_request_context("/training/"):
                flask.g.pop("csrf_token", None)  # one app context for all: no cached token
                if n % 2 == 0 and n // 2 < len(officers):
                    start_login_session(officers[n // 2])
                    db.session.commit()
                    kind, form = "officer", {}
                else:
                    kind = "public"
                    form = {
                        "full_name": f"Parent {n:03d}",
                        "email": f"parent{n}@rush.test",
                        "organization": "Big Sky High School PTA",
                        "website": "",
                    }
                csrf = generate_csrf()
                cookie = app.session_interface.get_signing_serializer(app).dumps(
                    dict(flask.session)
                )
            browsers.append(Browser(kind, cookie, csrf, form))
        db.session.remove()
    return session_id, browsers


def post(base: str, path: str, browser: Browser, start: threading.Barrier) -> Answer:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    conn.connect()
    body = urlencode({"csrf_token": browser.csrf, **browser.form})
    headers = {
        "Cookie": f"session={browser.cookie}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    start.wait()
    began = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    seconds = time.perf_counter() - began
    conn.close()
    return Answer(browser, response.status, seconds, text)


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.2f}  p95 {p95:7.2f}  max {ordered[-1]:7.2f}"


def check(app, session_id: int, answers: list[Answer], seats: int) -> list[str]:
    """What is wrong with the outcome (empty when nothing is)."""
    problems = []
    expected = {"officer": 302, "public": 200}
    wrong = [a for a in answers if a.status != expected[a.browser.kind]]
    if wrong:
        sample = wrong[0]
        text = " ".join(sample.body.split())[:300]
        problems.append(
            f"{len(wrong)} answers wrong, e.g. {sample.browser.kind} {sample.status}: {text}"
        )
    with app.app_context():
        rows = db.session.query(Enrollment).filter_by(session_id=session_id).all()
        by_arrival = sorted(rows, key=lambda e: (e.created_at, e.id))
        statuses = [e.status for e in by_arrival]
        enrolled = statuses.count(EnrollmentStatus.ENROLLED)
        waitlisted = statuses.count(EnrollmentStatus.WAITLISTED)
        print(
            f"places: {len(rows)}  enrolled {enrolled}  waitlisted {waitlisted}  "
            f"(officers {sum(a.browser.kind == 'officer' for a in answers)}, "
            f"public {sum(a.browser.kind == 'public' for a in answers)})"
        )
        if len(rows) != len(answers):
            problems.append(f"{len(rows)} places for {len(answers)} requests")
        if enrolled != seats or waitlisted != len(rows) - seats:
            problems.append(f"{enrolled} enrolled and {waitlisted} waitlisted for {seats} seats")
        if statuses[:seats] != [EnrollmentStatus.ENROLLED] * seats:
            problems.append("a seat went to someone who arrived after a waitlisted person")
        waiting = [e for e in by_arrival if e.status is EnrollmentStatus.WAITLISTED]
        if [e.id for e in waiting] != sorted(e.id for e in waiting) or [
            e.waitlisted_at for e in waiting
        ] != sorted(e.waitlisted_at for e in waiting):
            problems.append("the waitlist is not in arrival order")
        db.session.remove()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seats", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--budget-s", type=float, default=3.0)
    parser.add_argument(
        "--app-root", type=Path, default=ROOT, help="the checkout gunicorn serves (to compare)"
    )
    args = parser.parse_args(argv)
    if args.requests > 1000:
        sys.exit("at most 1,000 requests")

    prepare(args.database_url, args.reset)
    work = Path(tempfile.mkdtemp(prefix="lms-rush-"))
    key_dir = work / "keys"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "SECRET_KEY": SECRET,
            "LMS_KEY_DIR": str(key_dir),
            "LMS_RATELIMIT_ENABLED": False,
        }
    )
    session_id, browsers = build(app, args.requests, args.seats)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lock_log = work / "locks.log"
    (work / "gunicorn.conf.py").write_text(GUNICORN_CONF)
    env = {
        **os.environ,
        "PYTHONPATH": str(args.app_root),
        "LMS_DATABASE_URL": args.database_url,
        "LMS_SECRET_KEY": SECRET,
        "LMS_KEY_DIR": str(key_dir),
        "LMS_RATELIMIT_ENABLED": "false",
        "LMS_PUBLIC_URL": base,
        "RUSH_LOCK_LOG": str(lock_log),
    }
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(work / "gunicorn.conf.py"),
         "-w", str(args.workers), "-k", "gthread", "--threads", str(args.threads),
         "--backlog", "2048", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "lms.wsgi:app"],
        cwd=args.app_root, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                # Warm every worker (templates, statements), as a server that has been up is.
                for _ in range(4 * args.workers):
                    urllib.request.urlopen(f"{base}/training/sessions/{session_id}", timeout=10)
                break
            except OSError:
                if gunicorn.poll() is not None or time.monotonic() > deadline:
                    sys.exit("gunicorn did not start")
                time.sleep(0.5)
        lock_log.write_text("")
        start = threading.Barrier(len(browsers) + 1)
        answers: list[Answer] = [None] * len(browsers)  # type: ignore[list-item]

        def run(i: int) -> None:
            browser = browsers[i]
            verb = "enroll" if browser.kind == "officer" else "register"
            answers[i] = post(base, f"/training/sessions/{session_id}/{verb}", browser, start)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(browsers))]
        for thread in threads:
            thread.start()
        load = os.getloadavg()[0]
        cpu_before = cpu_seconds(gunicorn.pid)
        start.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        cpu_used = [
            after - before
            for after, before in zip(cpu_seconds(gunicorn.pid), cpu_before, strict=True)
        ]
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)

    print(
        f"{len(browsers)} requests for {args.seats} seats; gunicorn {args.workers} workers x "
        f"{args.threads} threads on {os.cpu_count()} CPUs, load average {load:.1f} at the start"
    )
    print(f"all answered in {wall:.2f} s")
    print(f"answer time (s):      {percentiles([a.seconds for a in answers])}")
    print(
        f"CPU per request (ms): gunicorn {1000 * cpu_used[0] / len(browsers):.1f}, "
        f"PostgreSQL {1000 * cpu_used[1] / len(browsers):.1f}"
    )
    locks = [LOCK_LINE.search(line) for line in lock_log.read_text().splitlines()]
    locks = [m for m in locks if m and int(m[1]) == session_id]
    if locks:
        print(f"lock waited (ms):     {percentiles([float(m[2]) for m in locks])}")
        print(f"lock held (ms):       {percentiles([float(m[3]) for m in locks])}")
        print(f"  CPU while held (ms): {percentiles([float(m[4]) for m in locks])}")
    print(f"lock taken {len(locks)} times")
    problems = check(app, session_id, answers, args.seats)
    slowest = max(a.seconds for a in answers)
    if slowest > args.budget_s:
        problems.append(f"the slowest answer took {slowest:.2f} s (budget {args.budget_s} s)")
    for problem in problems:
        print("FAILED:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
