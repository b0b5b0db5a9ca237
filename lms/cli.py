"""``flask lms ...``: database, first admin, demo data, plugins."""

from __future__ import annotations

import functools
import time

import click
from alembic import command as alembic_command
from flask.cli import AppGroup
from sqlalchemy import select

from . import housekeeping, migrate
from .auth.operations import AccountError, create_admin_account, find_by_email
from .backups.cli import backup_command, restore_command
from .core import db_session, state
from .credentials.cli import certificate_keys_command, verify_command
from .demo import DEMO_PASSWORD, large, load_demo, load_large_demo
from .demo.world import mail
from .imports.cli import import_cli
from .mail import operations as mail_operations
from .mail.cli import deliver_command, digests_command, reminders_command, worker_command
from .models import Person
from .people import operations as people_operations

lms_cli = AppGroup("lms", help="Training and certification (LMS) commands.")
db_cli = AppGroup("db", help="The LMS database schema.")
lms_cli.add_command(db_cli)
lms_cli.add_command(verify_command)
lms_cli.add_command(certificate_keys_command)
lms_cli.add_command(import_cli)
lms_cli.add_command(worker_command)
lms_cli.add_command(deliver_command)
lms_cli.add_command(backup_command)
lms_cli.add_command(restore_command)
lms_cli.add_command(reminders_command)
lms_cli.add_command(digests_command)


def _engine():
    return state().db.engine


def _fail_on_schema_error(func):
    """Show a schema problem as a one-line CLI error, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except migrate.SchemaError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@_fail_on_schema_error
def db_upgrade(revision: str) -> None:
    """Bring the LMS tables to REVISION (default: the newest)."""
    migrate.upgrade(_engine(), revision)
    click.echo(f"LMS schema at {migrate.current_revision(_engine())}")


@db_cli.command("downgrade")
@click.argument("revision")
@_fail_on_schema_error
def db_downgrade(revision: str) -> None:
    """Take the LMS tables back to REVISION ('base' removes them)."""
    migrate.downgrade(_engine(), revision)
    click.echo(f"LMS schema at {migrate.current_revision(_engine()) or 'base'}")


@db_cli.command("current")
@_fail_on_schema_error
def db_current() -> None:
    """Show the database's LMS schema revision."""
    revision = migrate.check_revision_known(_engine())
    head = migrate.head_revision()
    click.echo(
        f"{revision or 'base'} ({'up to date' if revision == head else 'newest is ' + head})"
    )


@db_cli.command("check")
@_fail_on_schema_error
def db_check() -> None:
    """Fail if the models and the migrated database differ."""
    if not migrate.is_current(_engine()):
        raise click.ClickException("the database is not at the newest LMS revision; run upgrade")
    diffs = migrate.differences(_engine())
    if diffs:
        raise click.ClickException("models and migrations differ:\n" + "\n".join(map(str, diffs)))
    click.echo("models and migrations agree")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Generate a migration from model changes (for LMS developers)."""
    cfg = migrate.alembic_config()
    with _engine().begin() as connection:
        cfg.attributes["connection"] = connection
        alembic_command.revision(cfg, message=message, autogenerate=True)


@lms_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account."""
    try:
        person = create_admin_account(email=email, full_name=full_name, password=password)
    except AccountError as exc:
        db_session().rollback()
        raise click.ClickException(str(exc)) from None
    db_session().commit()
    click.echo(f"Administrator {person.full_name} <{person.email}> created.")


def _person_with_email(email: str) -> Person:
    person = find_by_email(email)
    if person is None:
        raise click.ClickException(f"No person has the email {email}.")
    return person


def _access_ended(ended: people_operations.AccessEnded) -> str:
    return (
        f"{ended.sign_ins} sign-in{'' if ended.sign_ins == 1 else 's'} ended, "
        f"{'calendar feed link revoked' if ended.feed_link else 'no calendar feed link'}, "
        f"{ended.links} unused link{'' if ended.links == 1 else 's'} revoked"
    )


def _change_account(change, email: str, reason: str):
    person = _person_with_email(email)
    try:
        ended = change(person, reason=reason)
    except AccountError as exc:
        db_session().rollback()
        raise click.ClickException(str(exc)) from None
    db_session().commit()
    return person, ended


@lms_cli.command("deactivate")
@click.argument("email")
@click.option("--reason", required=True, help="Why; kept in the audit log.")
def deactivate(email: str, reason: str) -> None:
    """Deactivate an account: end its sign-ins, calendar feed link and unused links."""
    person, ended = _change_account(people_operations.deactivate_person, email, reason)
    click.echo(f"{person.full_name} <{person.email}> is deactivated: {_access_ended(ended)}.")


@lms_cli.command("reactivate")
@click.argument("email")
@click.option("--reason", required=True, help="Why; kept in the audit log.")
def reactivate(email: str, reason: str) -> None:
    """Let a deactivated account sign in again; old sign-ins and links stay ended."""
    person, _ = _change_account(people_operations.reactivate_person, email, reason)
    click.echo(
        f"{person.full_name} <{person.email}> is active again: "
        "they sign in with their password; old sign-ins and links stay ended."
    )


@lms_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database holds no people yet.")
@click.option(
    "--size",
    type=click.Choice(["small", "large"]),
    default="small",
    show_default=True,
    help="small: one department to explore; large: a statewide program's five years.",
)
@click.option(
    "--scale",
    type=click.FloatRange(min=0.0001, max=10.0),
    default=1.0,
    show_default=True,
    help="Multiply every count of the large data set (0.01: a hundredth of it).",
)
def demo(if_empty: bool, size: str, scale: float) -> None:
    """Load the demo department (safe to run again: nothing is duplicated)."""
    has_people = db_session().scalar(select(Person.id).limit(1)) is not None
    if has_people and (if_empty or size == "large"):
        click.echo("The database already holds people; demo data not loaded.")
        return
    if size == "small":
        result = load_demo()
        click.echo(result.summary())
        if result.created:
            address = mail_operations.queue_demo_message()
            db_session().commit()
            if address:
                click.echo(f"A test message to {address} waits in the Outbox (/training/outbox/).")
        return
    begin = time.perf_counter()
    counts = load_large_demo(scale)
    click.echo(
        f"Large demo data loaded in {time.perf_counter() - begin:.0f} s: "
        + ", ".join(f"{n:,} {table.removeprefix('lms_')}" for table, n in counts.items())
    )
    click.echo(
        f"Sign-ins (password for all: {DEMO_PASSWORD}): {mail('admin')}, "
        f"{mail('coordinator')}, {mail('instructor.1')}, {large.officer_email(1)}, "
        f"{mail('coordinator', 'group-1')}"
    )


@lms_cli.command("prune")
@click.option(
    "--batch",
    default=1000,
    show_default=True,
    type=click.IntRange(min=1),
    help="People per transaction.",
)
def prune(batch: int) -> None:
    """Remove helper rows no one reads again (safe while the app serves).

    The worker runs it every night (see :mod:`lms.housekeeping`). Ended sign-ins
    go. The private feeds' change log keeps one row per person: each pruned feed
    changes its ETag once (clients fetch it once more), and no old ETag can match again.
    """
    report = housekeeping.prune(batch)
    click.echo(f"Ended sign-ins: {report.sign_ins} removed.")
    click.echo(
        f"Feed change log: {report.feed_changes} rows removed, "
        f"{report.people} people keep one new row each."
    )


@lms_cli.command("plugins")
def plugins() -> None:
    """List the registered course types, completion rules, certificate and transcript layouts."""
    registries = state().registries
    for title, registry in (
        ("Course types", registries.course_types),
        ("Completion rules", registries.completion_rules),
        ("Certificate layouts", registries.certificate_layouts),
        ("Transcript layouts", registries.transcript_layouts),
    ):
        click.echo(f"{title}: {', '.join(registry.names())}")
    loaded = state().loaded_plugins
    click.echo(f"Entry points loaded: {', '.join(loaded) if loaded else 'none'}")
