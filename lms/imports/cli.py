"""``flask lms import people FILE`` and ``flask lms import records FILE``.

Each prints the preview (counts, then every problem with its line and column),
exits non-zero on any problem, and applies the whole file in one transaction
unless ``--dry-run``. Run from the command line, the import acts for no one
(audited as the system) over every organization.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
from flask.cli import AppGroup

from ..core import db_session
from ..models import Role
from . import operations, people, queries, records
from .forms import IMPORTED_ROLES
from .uploads import StoredUpload

import_cli = AppGroup("import", help="Import people (HR export) or past training records.")


def _read(path: str) -> tuple[bytes, StoredUpload]:
    data = Path(path).read_bytes()
    name = Path(path).name
    return data, StoredUpload("cli", "cli", name, hashlib.sha256(data).hexdigest(), None)


def _report(plan, counts: dict[str, int]) -> None:
    if plan.read_as:
        click.echo(f"Read as {plan.read_as}.")
    for problem in plan.problems:
        click.echo(str(problem), err=True)
    if plan.problems:
        n = len(plan.problems)
        raise click.ClickException(f"{n} problem{'' if n == 1 else 's'}; nothing was imported.")
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + ".")


def _finish(apply, plan, upload: StoredUpload, dry_run: bool) -> None:
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    try:
        counts = apply(plan, upload, None)
    except Exception:
        db_session().rollback()
        raise
    db_session().commit()
    click.echo("Applied: " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")


@import_cli.command("people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print the preview; write nothing.")
@click.option(
    "--organization", "slug", help="Organization (short name) of people the file does not place."
)
@click.option(
    "--deactivate-missing",
    is_flag=True,
    help="Deactivate the organization's active people missing from the file.",
)
@click.option(
    "--role",
    type=click.Choice([r.value for r in IMPORTED_ROLES]),
    help="A role everyone in the file gets in their organization (unless they hold it).",
)
def import_people(
    file: str, dry_run: bool, slug: str | None, deactivate_missing: bool, role: str | None
) -> None:
    """Create or update people from an HR export (CSV or XLSX)."""
    organization = queries.organization_by_slug(slug) if slug else None
    if slug and organization is None:
        raise click.ClickException(f"No organization has the short name {slug}.")
    if deactivate_missing and organization is None:
        raise click.ClickException("--deactivate-missing needs --organization SLUG.")
    data, upload = _read(file)
    plan = people.plan_people(
        data,
        upload.filename,
        scope=None,
        default_organization=organization,
        deactivate_missing_in=organization if deactivate_missing else None,
        role=Role(role) if role else None,
    )
    _report(plan, plan.counts())
    for update in plan.updates:
        changes = "; ".join(f"{c.label}: {c.old or '—'} -> {c.new}" for c in update.changes)
        click.echo(f"  line {update.line}, {update.name}: {changes}")
    for departed in plan.departures:
        click.echo(f"  to deactivate: {departed['full_name']}")
    _finish(operations.apply_people, plan, upload, dry_run)


@import_cli.command("records")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print the preview; write nothing.")
@click.option("--source", default="", help="Source system of lines that do not name one.")
def import_records(file: str, dry_run: bool, source: str) -> None:
    """Import past training records (CSV or XLSX) with the certification cycles they earn."""
    data, upload = _read(file)
    plan = records.plan_records(data, upload.filename, scope=None, default_source=source)
    _report(plan, plan.counts())
    _finish(operations.apply_records, plan, upload, dry_run)
