"""``flask lms ...``: database, first admin, demo data, plugins."""

from __future__ import annotations

import functools

import click
from alembic import command as alembic_command
from flask.cli import AppGroup
from sqlalchemy import select

from . import migrate
from .auth.operations import AccountError, create_admin_account, find_by_email
from .core import db_session, state
from .credentials.cli import certificate_keys_command, verify_command
from .demo import load_demo
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
def demo(if_empty: bool) -> None:
    """Load the demo department (safe to run again: nothing is duplicated)."""
    if if_empty and db_session().scalar(select(Person.id).limit(1)) is not None:
        click.echo("The database already holds people; demo data not loaded.")
        return
    result = load_demo()
    click.echo(result.summary())
    if result.created:
        address = mail_operations.queue_demo_message()
        db_session().commit()
        if address:
            click.echo(f"A test message to {address} waits in the Outbox (/training/outbox/).")


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
