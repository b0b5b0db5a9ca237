"""``flask lms backup DEST`` and ``flask lms restore SRC``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from ..core import db_session, state
from ..credentials.queries import key_store
from ..formatting import format_local_datetime
from . import APP_KEY_FILE
from .archive import BackupError
from .operations import create_backup, install_secret_key, restore_backup


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(destination: Path) -> None:
    """Write the database, the certificate signing keys and the app's secret key to one
    archive, DESTINATION.

    Safe while the app serves. Keep archives where the server's disk failing
    cannot take them too; they hold the private signing keys and the secret key.
    """
    try:
        manifest = create_backup(
            state().db.engine,
            key_store().directory,
            destination,
            secret_key=current_app.config["SECRET_KEY"],
        )
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    keys = len(manifest.key_members)
    click.echo(
        f"Backup written to {destination}: {manifest.backend} database at LMS schema revision "
        f"{manifest.schema_revision}, {keys} key file{'' if keys == 1 else 's'} and the "
        "secret key."
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
        restored = restore_backup(state().db.engine, store.directory, source, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    store.public_keys(refresh=True)
    manifest = restored.manifest
    click.echo(
        f"Restored {source}: {manifest.backend} database at LMS schema revision "
        f"{manifest.schema_revision}, made {format_local_datetime(manifest.created_at)}, "
        f"and {len(manifest.key_members)} key files into {store.directory}."
    )
    _carry_secret_key(restored.secret_key, source)


def _carry_secret_key(archived: str | None, source: Path) -> None:
    """Give this installation the backed-up app's secret key, or say how to."""
    if archived is None or archived == current_app.config["SECRET_KEY"]:
        return
    secret_file = current_app.extensions.get(APP_KEY_FILE)
    if secret_file is not None:
        install_secret_key(secret_file, archived)
        click.echo(
            f"The backed-up secret key is now this installation's ({secret_file}); start "
            "the app after the restore, not before, so that it reads it."
        )
        return
    click.echo(
        "Warning: this app's secret key (LMS_SECRET_KEY, or the host app's SECRET_KEY) is "
        "not the one the backup was made with. Until it is, certification dates in private "
        "calendar feeds carry new event ids (subscribers see them replaced) and the "
        "unsubscribe links already mailed do not work. Set it to the archive's: "
        f"tar -xOf {source} secret_key",
        err=True,
    )
