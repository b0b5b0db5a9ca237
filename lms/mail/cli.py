"""``flask lms worker`` (the background worker) and ``flask lms deliver`` (one round, now).

The host attaches these to the ``lms`` command group::

    lms_cli.add_command(worker_command)
    lms_cli.add_command(deliver_command)
    lms_cli.add_command(reminders_command)  # ``flask lms reminders [--dry-run]``
    lms_cli.add_command(digests_command)
"""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import with_appcontext

from .. import housekeeping  # noqa: F401  (its nightly prune joins the worker's schedule)
from ..core import db_session
from .delivery import deliver_due, destination
from .digests import queue_digests, queue_roster_reminders
from .reminders import find_due, queue_reminders
from .worker import run_consumer


@click.command("worker")
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1, 64), help="Jobs at once."
)
@click.option(
    "--worker-type",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
    help="Run the jobs in threads of this process, or in processes of their own.",
)
@click.option("-q", "--quiet", is_flag=True, help="Log warnings and errors only.")
@with_appcontext
def worker_command(workers: int, worker_type: str, quiet: bool) -> None:
    """Run the background worker: deliver the outbox, retry, sweep every minute.

    Run as many as you like, on one machine or several: they never send one
    message twice at once. Ctrl-C (SIGINT) stops after the jobs running; SIGTERM
    stops now (a message in flight is sent again, with the same Message-ID).
    """
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    click.echo(f"LMS worker: {workers} {worker_type}(s); mail goes to {destination()}")
    run_consumer(app, workers=workers, worker_type=worker_type)


@click.command("deliver")
@with_appcontext
def deliver_command() -> None:
    """Deliver every message due now, once, without a worker (then exit)."""
    done = deliver_due()
    click.echo(
        f"{done.sent} sent, {done.retrying} to retry, {done.failed} failed"
        + (f", {done.released} left for the next round" if done.released else "")
        + f"; mail goes to {destination()}"
    )


@click.command("reminders")
@click.option("--dry-run", is_flag=True, help="List the reminders due; queue nothing.")
@with_appcontext
def reminders_command(dry_run: bool) -> None:
    """Queue today's renewal reminders once (the worker does this every hour by itself)."""
    if dry_run:
        report = find_due()
        for due in report.due:
            click.echo(
                f"{due.person.email}: {due.offset}-day reminder, due {due.expires_on.isoformat()}"
            )
        click.echo(f"{len(report.due)} reminder(s) due on {report.day.isoformat()}; none queued.")
        return
    try:
        report = queue_reminders()
        db_session().commit()
    except Exception:
        db_session().rollback()
        raise
    click.echo(f"{report.queued} reminder(s) queued for {report.day.isoformat()}.")


@click.command("digests")
@with_appcontext
def digests_command() -> None:
    """Queue this week's coordinator digests (on the digest day) and overdue-roster reminders."""
    try:
        digests, rosters = queue_digests(), queue_roster_reminders()
        db_session().commit()
    except Exception:
        db_session().rollback()
        raise
    click.echo(f"{digests} digest(s) and {rosters} roster reminder(s) queued.")
