"""``flask lms backup DEST`` and ``flask lms restore SRC``."""

from __future__ import annotations

from pathlib import Path

import click

from ..core import db_session, state
from ..credentials.queries import key_store
from ..formatting import format_local_datetime
from .archive import BackupError
from .operations import create_backup, restore_backup


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(destination: Path) -> None:
    """Write the database and the certificate signing keys to one archive, DESTINATION.

    Safe while the app serves. Keep archives where the server's disk failing
    cannot take them too; they hold the private signing keys.
    """
    try:
        manifest = create_backup(state().db.engine, key_store().directory, destination)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    keys = len(manifest.key_members)
    click.echo(
        f"Backup written to {destination}: {manifest.backend} database at LMS schema revision "
        f"{manifest.schema_revision}, {keys} key file{'' if keys == 1 else 's'}."
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace a database (and key files) that already hold data.",
)
def restore_command(source: Path, force: bool) -> None:
    """Restore an archive made by 'flask lms backup' into this app's database and key folder.

    Stop the app first. Refused when the archive's schema revision is not this
    code's, when a checksum does not match, or (without --force) when the
    database or key folder already holds data; nothing is written then.
    """
    db_session().remove()
    store = key_store()
    try:
        manifest = restore_backup(state().db.engine, store.directory, source, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    store.public_keys(refresh=True)
    click.echo(
        f"Restored {source}: {manifest.backend} database at LMS schema revision "
        f"{manifest.schema_revision}, made {format_local_datetime(manifest.created_at)}, "
        f"and {len(manifest.key_members)} key files into {store.directory}."
    )
