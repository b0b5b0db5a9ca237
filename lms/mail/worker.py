"""The background worker: a Huey job queue per app, the delivery jobs, and the consumer.

The database outbox is the source of truth; the job queue only says "look now".
Two jobs, both running :func:`.delivery.deliver_due`:

- ``deliver``: enqueued after every commit that queued mail (and when a worker
  starts), so a message leaves within moments;
- ``sweep``: every minute, for retries that came due and claims of dead workers,
  and for any wake-up that was lost (a queue that was down when a request
  committed): a lost job delays a message, it never loses it.

The queue is Huey's: SQLite in the instance folder by default (``LMS_QUEUE_FILE``),
Redis when ``LMS_REDIS_URL`` is set (keys under ``LMS_REDIS_PREFIX``). It is made
on first use, per app, and kept in the extension's state; nothing is opened at
import time. ``flask lms worker`` runs the consumer.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from .delivery import deliver_due

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Jobs:
    """An app's job queue and its two delivery jobs."""

    huey: Huey
    deliver: TaskWrapper
    sweep: TaskWrapper


def jobs_for(app: Flask) -> Jobs:
    """The app's job queue (made on first use)."""
    extras = app.extensions["lms"].extras
    jobs = extras.get("mail_jobs")
    if jobs is None:
        jobs = extras["mail_jobs"] = _make_jobs(app)
    return jobs


def _queue(app: Flask) -> Huey:
    config = app.config
    if config["LMS_REDIS_URL"]:
        # Keys "huey.redis.<prefix>.jobs" and the like: one queue per deployment.
        return RedisHuey(
            f"{config['LMS_REDIS_PREFIX']}.jobs",
            url=config["LMS_REDIS_URL"],
            results=False,
            clean_name=False,
        )
    path = config["LMS_QUEUE_FILE"] or Path(app.instance_path) / "lms-queue.sqlite3"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("lms", filename=str(path), results=False)


def _in_app(app: Flask, function: Callable[[], Any]) -> Callable[[], Any]:
    """``function`` run in an app context of its own (a job runs outside any request)."""

    def run() -> Any:
        with app.app_context():
            return function()

    run.__name__ = function.__name__
    return run


def _deliver_round() -> dict[str, int]:
    done = deliver_due()
    return {"sent": done.sent, "retrying": done.retrying, "failed": done.failed}


#: Jobs features run on a schedule: name -> (when, the job); see :func:`scheduled`.
SCHEDULE: dict[str, tuple[crontab, Callable[[], Any]]] = {}


def scheduled(name: str, when: crontab) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Decorator: run the function ``when`` (a Huey crontab, read in UTC) in every worker,
    in an app context of its own. Registering one name twice is an error."""

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        if name in SCHEDULE:
            raise RuntimeError(f"a scheduled job named {name!r} is already registered")
        SCHEDULE[name] = (when, function)
        return function

    return register


def _make_jobs(app: Flask) -> Jobs:
    huey = _queue(app)
    db = app.extensions["lms"].db

    # Named explicitly (Huey prefixes the module): the web process enqueues and the
    # worker runs "lms.mail.worker.deliver"; both are the same delivery round.
    deliver_job = huey.task(name="deliver")(_in_app(app, _deliver_round))
    sweep_job = huey.periodic_task(crontab(), name="sweep")(_in_app(app, _deliver_round))
    # The features' schedules (renewal reminders, digests ...): see :func:`scheduled`.
    for name, (when, function) in SCHEDULE.items():
        huey.periodic_task(when, name=name)(_in_app(app, function))

    parent = os.getpid()

    @huey.on_startup(name="lms.fresh-connections")
    def fresh_connections() -> None:
        # A worker process forked by the consumer must not share its parent's connections.
        if os.getpid() == parent:
            return
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)

    return Jobs(huey, deliver_job, sweep_job)


def wake_worker(app: Flask) -> None:
    """Ask a worker to deliver now. Never fails the caller: the sweep catches up."""
    try:
        jobs_for(app).deliver()
    except Exception:  # the queue is down: the message waits for the next sweep
        log.exception("could not wake the mail worker; the next sweep delivers the mail")


def run_consumer(app: Flask, *, workers: int, worker_type: str) -> None:
    """Run the Huey consumer until it is stopped (SIGINT: finish the jobs running; SIGTERM: now)."""
    jobs = jobs_for(app)
    consumer = jobs.huey.create_consumer(
        workers=workers,
        worker_type=worker_type,
        periodic=True,
        initial_delay=0.1,
        max_delay=2.0,  # an idle SQLite queue is polled at least every 2 s
        check_worker_health=True,
    )
    jobs.deliver()  # whatever came due while no worker ran
    consumer.run()
