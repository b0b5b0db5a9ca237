"""The worker as deployed: `flask lms worker` processes, killed, restarted, side by side.

Each worker is a real process (the standalone app built from the environment,
as in production) on the test's database, job queue and SMTP server.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest
from sqlalchemy import select

from lms.app import db
from lms.mail.operations import MailCategory, queue_mail
from lms.mail.worker import jobs_for
from lms.models import MailState, OutboxMessage, utcnow
from tests.conftest import FAST_HASHING, REDIS_URL

#: The app settings a worker process is given in its environment.
PASSED_ON = (
    "LMS_KEY_DIR",
    "LMS_QUEUE_FILE",
    "LMS_MAIL_DIR",
    "LMS_DEPARTMENT_NAME",
    "LMS_SMTP_HOST",
    "LMS_SMTP_PORT",
    "LMS_SMTP_SECURITY",
    "LMS_SMTP_TIMEOUT_SECONDS",
    "LMS_MAIL_SENDER",
    "LMS_MAIL_MAX_ATTEMPTS",
)


class Worker:
    """One `flask lms worker` process (its own process group)."""

    def __init__(self, app, tmp_path, threads: int):
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
        env = {
            **os.environ,
            "LMS_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "LMS_SECRET_KEY": app.config["SECRET_KEY"],
            **{key: str(value) for key, value in FAST_HASHING.items()},
            **{key: str(app.config[key]) for key in PASSED_ON},
        }
        command = [sys.executable, "-m", "flask", "--app", "lms.app", "lms", "worker"]
        command += ["--workers", str(threads)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_until_started(self, deadline: float = 60) -> None:
        """Until the consumer says it runs (its jobs are then picked up within moments)."""
        until = time.monotonic() + deadline
        while "consumer started" not in self.log.read_text().lower():
            assert self.process.poll() is None, f"the worker exited:\n{self.log.read_text()}"
            assert time.monotonic() < until, f"the worker did not start:\n{self.log.read_text()}"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: the process ends at once, whatever it was doing."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGINT, as Ctrl-C: the consumer finishes its jobs and exits."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
def workers(app, tmp_path):
    """Start workers with ``workers(threads=1)``; all are ended after the test."""
    started: list[Worker] = []

    def start(threads: int = 1) -> Worker:
        worker = Worker(app, tmp_path, threads)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def messages(count: int, admin, prefix: str = "officer") -> list[OutboxMessage]:
    queued = [
        queue_mail(
            f"{prefix}{n}@mpd.test",
            "test_message",
            {"sent_by": admin},
            category=MailCategory.TRANSACTIONAL,
        )
        for n in range(count)
    ]
    db.session.commit()
    return queued


def wait_until_sent(count: int, deadline: float = 60) -> None:
    until = time.monotonic() + deadline
    while True:
        db.session.expire_all()
        sent = db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.state == MailState.SENT)
        ).all()
        if len(sent) >= count:
            return
        assert time.monotonic() < until, f"{len(sent)} of {count} sent in {deadline} s"
        time.sleep(0.2)


@pytest.mark.slow
def test_a_commit_wakes_a_running_worker_which_delivers_at_once(
    app, admin, sign_in, smtp_server, workers
):
    worker = workers()
    worker.wait_until_started()
    client = sign_in(admin)
    client.submit(
        "/training/outbox/", {"address": "officer@mpd.test"}, action="/training/outbox/test"
    )
    wait_until_sent(1, deadline=20)
    (received,) = smtp_server.inbox.received
    assert received.recipients == ["officer@mpd.test"]


@pytest.mark.slow
def test_a_worker_killed_mid_send_and_restarted_delivers_each_message_once_per_message_id(
    app, admin, smtp_server, workers
):
    # One second per SMTP step: a claim lasts ten seconds.
    app.config["LMS_SMTP_TIMEOUT_SECONDS"] = 1
    queued = messages(5, admin)
    inbox = smtp_server.inbox
    inbox.stall_next = True

    first = workers()
    assert inbox.stalled.wait(timeout=60), "the worker never sent the first message's data"
    # The server has taken the message; its 250 is not sent yet: the worker dies now.
    first.kill()
    inbox.release.set()
    assert inbox.message_ids() == [queued[0].message_id]  # the server has it; nobody knows
    db.session.expire_all()
    claimed = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {m.state for m in claimed} == {MailState.SENDING}  # the whole batch, unanswered

    # A new worker; until the dead one's claim runs out, nobody may send these.
    workers().wait_until_started()
    claim_ends = max(m.next_attempt_at for m in claimed)
    db.session.expire_all()
    assert all(m.state is MailState.SENDING for m in db.session.scalars(select(OutboxMessage)))
    time.sleep(max((claim_ends - utcnow()).total_seconds(), 0) + 0.5)
    jobs_for(app).deliver()  # the next wake-up (a commit, or the minute's sweep)
    wait_until_sent(5)

    received = Counter(inbox.message_ids())
    assert set(received) == {m.message_id for m in queued}
    # The message in flight went twice, under one Message-ID; the others once.
    assert received[queued[0].message_id] == 2
    assert all(received[m.message_id] == 1 for m in queued[1:])
    copies = [r.raw for r in inbox.received if r.message_id == queued[0].message_id]
    assert copies[0] == copies[1]
    db.session.expire_all()
    first_message = db.session.get(OutboxMessage, queued[0].id)
    assert first_message.state is MailState.SENT and first_message.attempts == 2


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_workers_on_postgresql_send_200_messages_with_no_duplicate(
    app, admin, smtp_server, workers
):
    smtp_server.inbox.delay = 0.01  # a server that takes its time: the workers overlap
    started = [workers(threads=2), workers(threads=2)]
    for worker in started:
        worker.wait_until_started()
    queued = []
    for batch in range(20):  # twenty requests, each waking a worker
        queued += messages(10, admin, prefix=f"b{batch}-officer")
    wait_until_sent(200, deadline=120)
    for worker in started:
        worker.stop()

    received = Counter(smtp_server.inbox.message_ids())
    assert set(received) == {m.message_id for m in queued}
    assert [mid for mid, n in received.items() if n > 1] == []
    db.session.expire_all()
    senders = {w.rsplit(":", 1)[1] for w in db.session.scalars(select(OutboxMessage.worker))}
    assert senders == {str(w.process.pid) for w in started}  # both took part


@pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set")
def test_with_redis_the_job_queue_is_in_redis_under_the_deployments_prefix(app, admin, smtp_server):
    prefix = f"lms-test-{uuid.uuid4().hex}"
    app.config.update(LMS_REDIS_URL=REDIS_URL, LMS_REDIS_PREFIX=prefix)
    jobs = jobs_for(app)
    assert type(jobs.huey).__name__ == "RedisHuey"
    try:
        messages(1, admin)
        assert jobs.huey.pending_count() == 1
        keys = jobs.huey.storage.conn.keys(f"*{prefix}*")
        assert keys, "no key under the deployment's prefix"
    finally:
        jobs.huey.flush()
