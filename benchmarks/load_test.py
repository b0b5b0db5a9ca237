"""Load test: the large demo under gunicorn (2 workers) on PostgreSQL, driven by locust.

Starts gunicorn on 127.0.0.1 against a database that already holds the large
demo (``flask lms demo --size large``), runs the users of ``load_users.py``
headless (bounded in users, time and requests), stops gunicorn, and prints
requests/s and p50/p95/p99 per page with the errors.

Usage::

    LMS_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/lms_large \\
    LMS_KEY_DIR=/tmp/lms-large-keys .venv/bin/flask --app lms.app lms demo --size large
    .venv/bin/python benchmarks/load_test.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lms_large \\
        --key-dir /tmp/lms-large-keys --users 50 --run-time 60s --max-requests 20000

``--only Officer`` runs one kind of user (the officer mix of the issue's target).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(gunicorn_pgid: int) -> tuple[float, float]:
    """CPU seconds used so far by gunicorn's processes and by PostgreSQL's (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    app = server = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended
        comm, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if int(fields[2]) == gunicorn_pgid:
            app += used
        elif comm == "postgres":
            server += used
    return app, server


def samples(url: str) -> dict[str, str]:
    """What the users need, read once before the run (``LOAD_*`` environment variables).

    Serials for the verify page; coming public sessions (the class list's, where
    the public registers and coordinators upload rosters); the rosters held but
    not yet finalized (``session:meeting:lead's email``), which instructors mark,
    finalize and issue.
    """
    engine = create_engine(url)
    with engine.connect() as conn:
        serials = conn.scalars(
            text("SELECT serial FROM lms_certificate ORDER BY id DESC LIMIT 500")
        ).all()
        sessions = conn.scalars(
            text(
                "SELECT s.id FROM lms_session s WHERE s.is_public AND s.status = 'scheduled'"
                " AND (SELECT min(starts_at) FROM lms_meeting m WHERE m.session_id = s.id) > now()"
            )
        ).all()
        rosters = conn.execute(
            text(
                "SELECT s.id, m.id, p.email FROM lms_session s"
                " JOIN lms_meeting m ON m.session_id = s.id"
                " JOIN lms_session_instructor i ON i.session_id = s.id AND i.role = 'lead'"
                " JOIN lms_person p ON p.id = i.person_id"
                " WHERE s.status = 'scheduled' AND s.roster_finalized_at IS NULL"
                " AND m.ends_at < now() ORDER BY s.id"
            )
        ).all()
    engine.dispose()
    return {
        "LOAD_SERIALS": " ".join(serials),
        "LOAD_PUBLIC_SESSIONS": " ".join(str(s) for s in sessions),
        "LOAD_OPEN_ROSTERS": " ".join(f"{s}:{m}:{email}" for s, m, email in rosters),
    }


def wait_for(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn stopped before it answered")
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    sys.exit("gunicorn did not answer within a minute")


def report(prefix: str) -> tuple[int, int]:
    """Print locust's figures per page; the errors and the requests of the run."""
    errors = requests = 0
    with open(f"{prefix}_stats.csv") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"{'page':<22} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50':>5} {'p95':>5} {'p99':>5}"
    )
    for row in rows:
        if row["Name"] == "Aggregated":
            errors, requests = int(row["Failure Count"]), int(row["Request Count"])
        print(
            f"{row['Name']:<22} {row['Request Count']:>8} {row['Failure Count']:>8} "
            f"{float(row['Requests/s']):8.1f} {row['50%']:>8} {row['95%']:>8} {row['99%']:>8}"
        )
    return errors, requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--key-dir", required=True, help="the keys the demo was signed with")
    parser.add_argument("--scale", default="1", help="the --scale the demo was built with")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (more than 1: gthread)"
    )
    parser.add_argument(
        "--think",
        nargs=2,
        type=float,
        default=(0.5, 1.5),
        metavar=("MIN", "MAX"),
        help="each user's think time between requests, in seconds (0 0: as fast as answered)",
    )
    parser.add_argument(
        "--reset-stats",
        action="store_true",
        help="count only once every user has signed in (their sign-ins not counted)",
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--only", nargs="*", help="user classes: Officer Coordinator ...")
    parser.add_argument(
        "--locust", default=str(BIN / "locust"), help="the locust program (default: beside python)"
    )
    args = parser.parse_args(argv)
    if args.users > 500:
        sys.exit("at most 500 users")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "LMS_DATABASE_URL": args.database_url,
        "LMS_KEY_DIR": args.key_dir,
        "LMS_SECRET_KEY": "load-test",
        "LMS_RATELIMIT_ENABLED": "false",
        "LMS_PUBLIC_URL": base,
    }
    threads = ["-k", "gthread", "--threads", str(args.threads)] if args.threads > 1 else []
    gunicorn = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(args.workers), *threads, "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "lms.wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    prefix = Path(tempfile.mkdtemp(prefix="lms-load-")) / "run"
    try:
        wait_for(base, gunicorn)
        locust_env = {
            **env,
            "LOAD_SCALE": args.scale,
            "LOAD_THINK": " ".join(map(str, args.think)),
            "LOAD_RESET_AFTER": str(args.users if args.reset_stats else 0),
            **samples(args.database_url),
        }
        load = os.getloadavg()[0]
        command = [
            args.locust, "-f", str(ROOT / "benchmarks" / "load_users.py"), "--headless",
            "--host", base, "-u", str(args.users), "-r", str(args.spawn_rate),
            "-t", args.run_time, "--max-requests", str(args.max_requests),
            "--csv", str(prefix), "--only-summary", "--stop-timeout", "5",
            *(args.only or []),
        ]  # fmt: skip
        client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_before = cpu_seconds(gunicorn.pid)
        subprocess.run(command, env=locust_env, cwd=ROOT, check=False)
        server_used = [a - b for a, b in zip(cpu_seconds(gunicorn.pid), server_before, strict=True)]
        client = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_used = (client.ru_utime + client.ru_stime) - (
            client_before.ru_utime + client_before.ru_stime
        )
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
    print(
        f"{os.cpu_count()} CPUs, load average at start {load:.1f}; {args.workers} workers x "
        f"{args.threads} threads; {args.users} users, think time {args.think[0]}-{args.think[1]} s"
        f"{'; counted once all had signed in' if args.reset_stats else ''}"
    )
    errors, requests = report(str(prefix))
    used = {"gunicorn": server_used[0], "PostgreSQL": server_used[1], "locust": client_used}
    print("CPU over the whole run (s): " + ", ".join(f"{k} {v:.1f}" for k, v in used.items()))
    if requests and not args.reset_stats:  # (after a reset, the sign-ins are not counted)
        print(
            "CPU per request (ms): "
            + ", ".join(f"{k} {1000 * v / requests:.1f}" for k, v in used.items())
        )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
