"""How fast the worker delivers the outbox, and that a request never waits on SMTP.

Two measurements against a local SMTP server (aiosmtpd's ``Sink`` in a process
of its own, pinned to another CPU when there is one):

- **Delivery**: ``--messages`` messages (2,000) are queued through
  ``queue_mail`` (the test message, rendered: about 2.5 KB each), then one
  delivery round, ``lms.mail.delivery.deliver_due`` (what the worker's job
  runs: claims of 50 with their leases, one SMTP connection, each answer
  committed as it arrives) sends them all, this process pinned to one CPU.
  Prints messages per second of this process's CPU time (the worker's work on
  its one core, the figure the target is judged by, as in the other benchmarks)
  and of wall clock (which also counts the SMTP server's answers and, on a busy
  machine, the wait for a core). Target: **at least 200 messages per second**.
- **An enrollment request**: an officer, signed in through the real form,
  enrolls in a session (``POST /training/sessions/<id>/enroll``), which queues
  its confirmation with the calendar invitation in the outbox. ``--requests``
  requests (100) with the SMTP server up, as many with it down (stopped with
  SIGSTOP: it accepts connections and never answers, the worst case for
  anything that would wait on it), in alternating blocks of ten. Prints p50 /
  p95 of each. Target: **the same time either way** (p50 and p95 with SMTP
  down within 25% + 2 ms of SMTP up): the request only queues.

Usage::

    .venv/bin/python benchmarks/mail_bench.py                 # SQLite, temporary file
    .venv/bin/python benchmarks/mail_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402
from status_bench import prepare  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.mail import delivery  # noqa: E402
from lms.mail.operations import MailCategory, queue_mail  # noqa: E402
from lms.models import MailState, OutboxMessage, Role  # noqa: E402
from tests.support import CSRF_RE, Factory, FormClient  # noqa: E402

RATE_TARGET = 200  # messages per second
SENDER = "Missoula Police Department Training <training@mpd.example>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def start_smtp_server(port: int) -> subprocess.Popen:
    """aiosmtpd's Sink (accepts and discards) on ``port``, on the last CPU."""
    last = cpus()[-1]
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"]
        + ["-c", "aiosmtpd.handlers.Sink"],
        preexec_fn=lambda: os.sched_setaffinity(0, {last}),
    )
    deadline = time.monotonic() + 30
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return server
        if time.monotonic() > deadline or server.poll() is not None:
            sys.exit("the SMTP server did not start")
        time.sleep(0.1)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def bench_delivery(app, admin, count: int) -> bool:
    print(f"Delivery of {count} messages to a local SMTP server")
    started, started_cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        queue_mail(
            f"officer{n:05d}@mpd.example",
            "test_message",
            {"sent_by": admin},
            category=MailCategory.TRANSACTIONAL,
        )
        if n % 200 == 199:
            db.session.commit()
    db.session.commit()
    queued, queued_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(
        f"  queued (rendered, in transactions of 200): {count / queued:8.0f} messages/s wall, "
        f"{count / queued_cpu:8.0f} per CPU second"
    )

    os.sched_setaffinity(0, {cpus()[0]})  # this process on one core
    wall, cpu = time.perf_counter(), time.process_time()
    done = delivery.deliver_due()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    sent = db.session.scalar(select(func.count()).where(OutboxMessage.state == MailState.SENT))
    assert done.sent == count == sent, (done, sent)
    rate = count / cpu
    print(
        f"  delivered: {rate:8.0f} messages per CPU second of the worker "
        f"({cpu * 1000 / count:.2f} ms each), {count / wall:8.0f} messages/s wall clock"
    )
    met = rate >= RATE_TARGET
    print(f"  target >= {RATE_TARGET} messages/s: {'met' if met else 'MISSED'}")
    db.session.query(OutboxMessage).delete()
    db.session.commit()
    return met


def bench_enrollment(app, make: Factory, server: subprocess.Popen, requests: int) -> bool:
    print(f"An enrollment request that queues a confirmation, SMTP up and down ({requests} each)")
    officer = make.person(Role.OFFICER, name="Ofc. Sofia Rivera", email="sofia@mpd.example")
    course = make.course("ALERRT-REFRESH", organization=officer.organization)
    sessions = [make.session(course, capacity=20) for _ in range(2 * requests)]

    # The real operation queues each enrollment's confirmation (with its invitation).
    app.test_client_class = FormClient
    client = app.test_client()
    make.set_password(officer)
    client.submit("/training/sign-in", {"email": officer.email, "password": make.PASSWORD})
    token = CSRF_RE.search(client.get("/training/courses/").get_data(as_text=True)).group(1)

    def enroll(session) -> float:
        begin = time.perf_counter()
        response = client.post(
            f"/training/sessions/{session.id}/enroll", data={"csrf_token": token}
        )
        elapsed = (time.perf_counter() - begin) * 1000
        assert response.status_code == 302, response.status_code
        return elapsed

    enroll(sessions.pop())  # warm-up
    up, down = [], []
    blocks = iter(sessions)
    for block in range(2 * requests // 10):
        smtp_down = block % 2 == 1
        os.kill(server.pid, signal.SIGSTOP if smtp_down else signal.SIGCONT)
        for _ in range(10):
            session = next(blocks, None)
            if session is not None:
                (down if smtp_down else up).append(enroll(session))
    os.kill(server.pid, signal.SIGCONT)
    queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert queued == len(up) + len(down) + 1, queued  # every request queued its message
    (up50, up95), (down50, down95) = percentiles(up), percentiles(down)
    print(f"  SMTP up:   p50 {up50:6.1f} ms  p95 {up95:6.1f} ms")
    print(f"  SMTP down: p50 {down50:6.1f} ms  p95 {down95:6.1f} ms")
    met = down50 <= up50 * 1.25 + 2 and down95 <= up95 * 1.25 + 2
    print(f"  target: no slower with SMTP down: {'met' if met else 'MISSED'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--database-url")
    parser.add_argument("--reset", action="store_true")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="lms-mail-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    prepare(url, args.reset).dispose()
    port = free_port()
    server = start_smtp_server(port)
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "LMS_KEY_DIR": str(folder / "keys"),
            "LMS_QUEUE_FILE": str(folder / "queue.sqlite3"),
            "LMS_DEPARTMENT_NAME": "Missoula Police Department",
            "LMS_SMTP_HOST": "127.0.0.1",
            "LMS_SMTP_PORT": port,
            "LMS_SMTP_SECURITY": "none",
            "LMS_SMTP_TIMEOUT_SECONDS": 5,
            "LMS_MAIL_SENDER": SENDER,
            "LMS_RATELIMIT_ENABLED": False,
            "LMS_ARGON2_TIME_COST": 1,
            "LMS_ARGON2_MEMORY_KIB": 64,
            "LMS_ARGON2_PARALLELISM": 1,
        }
    )
    print(f"database: {re.sub(r'//[^@]*@', '//', url)}; {len(cpus())} CPUs")
    try:
        with app.app_context():
            make = Factory(db.session)
            admin = make.person(Role.ADMIN, name="Chris Admin", email="admin@mpd.example")
            delivered = bench_delivery(app, admin, args.messages)
            request_time = bench_enrollment(app, make, server, args.requests)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.pid, signal.SIGCONT)
            server.terminate()
        server.wait(timeout=10)
    return 0 if delivered and request_time else 1


if __name__ == "__main__":
    sys.exit(main())
