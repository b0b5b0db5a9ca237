"""Backing up and restoring an LMS installation: its database, its signing keys and
its secret key.

Certificates are signed with keys kept outside the database (``LMS_KEY_DIR``);
a database restored without them would hold certificates nobody can verify,
so both travel in one archive (:mod:`lms.backups.archive`). So does the app's
secret key: the event ids of certification dates in private calendar feeds and
the unsubscribe links already mailed derive from it, and a restored copy with
another key would replace every subscriber's events and break those links.

A restore checks everything before it writes anything: the archive's
checksums, its schema revision against this code's, its backend against the
target's, and that the target database and key folder hold nothing it would
overwrite (unless forced). Only then is the database replaced (all or
nothing) and the keys written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy import Engine

from .. import migrate
from . import databases
from .archive import (
    DATABASE_FILES,
    KEYS_FOLDER,
    SECRET_MEMBER,
    BackupError,
    Manifest,
    extract_verified,
    read_manifest,
    write_archive,
)

#: Files of the key folder that belong in a backup (not its lock file).
KEY_PATTERNS = ("*.key", "*.pub", "active")


def key_files(key_dir: Path) -> dict[str, Path]:
    """The key folder's files, by their name in the archive."""
    if not key_dir.is_dir():
        return {}
    found = {path for pattern in KEY_PATTERNS for path in key_dir.glob(pattern) if path.is_file()}
    return {f"{KEYS_FOLDER}/{path.name}": path for path in sorted(found)}


def _write_whole(path: Path, data: bytes, mode: int = 0o600) -> None:
    """``data`` at ``path`` with ``mode``, appearing whole (written beside it, renamed);
    never readable by others meanwhile."""
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(partial, mode)
    partial.replace(path)


def create_backup(
    engine: Engine, key_dir: Path, destination: Path, secret_key: str | None = None
) -> Manifest:
    """Write an archive of the database, the signing keys and ``secret_key`` (the app's,
    when given) to ``destination``."""
    backend = databases.backend_of(engine)
    if destination.is_dir():
        raise BackupError(f"{destination} is a folder; name the archive file to write")
    if not destination.parent.is_dir():
        raise BackupError(f"the folder {destination.parent} does not exist")
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".lms-backup-") as work:
        database = Path(work) / DATABASE_FILES[backend]
        revision = databases.dump(engine, database)
        members = {database.name: database, **key_files(key_dir)}
        if secret_key:
            _write_whole(Path(work) / SECRET_MEMBER, secret_key.encode())
            members[SECRET_MEMBER] = Path(work) / SECRET_MEMBER
        return write_archive(
            destination, schema_revision=revision, backend=backend, members=members
        )


def revision_refusal(revision: str) -> str | None:
    """Why an archive at schema ``revision`` cannot be restored by this code (None: it can)."""
    head = migrate.head_revision()
    if revision == head:
        return None
    script = migrate.script_directory()
    try:
        older = revision in {r.revision for r in script.walk_revisions()}
    except CommandError:
        older = False
    if older:
        return (
            f"the archive is at LMS schema revision {revision!r}, older than this code's "
            f"{head!r}. Restore it with the LMS version whose newest revision is {revision!r} "
            "(into an empty database), then install this version and run 'flask lms db upgrade'."
        )
    return (
        f"the archive is at LMS schema revision {revision!r}, which this code does not know "
        f"(its newest is {head!r}): it was made by a newer LMS. Install that version (or "
        "newer) to restore it."
    )


def _check_target(engine: Engine, manifest: Manifest, key_dir: Path, force: bool) -> None:
    backend = databases.backend_of(engine)
    if manifest.backend != backend:
        raise BackupError(
            f"the archive holds a {manifest.backend} database and this app uses {backend}; "
            "restore it into a database of the same kind"
        )
    if force:
        return
    filled = databases.tables_with_rows(engine)
    if filled:
        raise BackupError(
            f"the target database is not empty ({', '.join(filled[:5])}"
            f"{' ...' if len(filled) > 5 else ''} hold rows); restore into an empty database, "
            "or pass --force to replace everything in it"
        )
    clashes = [
        path.name
        for path in (key_dir / name.split("/", 1)[1] for name in manifest.key_members)
        if path.exists()
    ]
    if clashes:
        raise BackupError(
            f"the key folder {key_dir} already holds {', '.join(clashes)}; restore into an "
            "empty key folder, or pass --force to overwrite those files"
        )


def _install_keys(extracted: dict[str, Path], manifest: Manifest, key_dir: Path) -> None:
    """Put the archive's keys in the key folder; each file appears whole (rename)."""
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in manifest.key_members:
        target = key_dir / name.split("/", 1)[1]
        mode = 0o600 if target.suffix == ".key" else 0o644
        _write_whole(target, extracted[name].read_bytes(), mode)


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    #: The secret key the backed-up app used (None: the archive predates keeping it).
    secret_key: str | None


def restore_backup(engine: Engine, key_dir: Path, source: Path, *, force: bool = False) -> Restored:
    """Restore the archive at ``source`` into ``engine``'s database and ``key_dir``; what the
    app does with the archived secret key is the caller's (:func:`install_secret_key`)."""
    manifest = read_manifest(source)
    refusal = revision_refusal(manifest.schema_revision)
    if refusal:
        raise BackupError(refusal)
    _check_target(engine, manifest, key_dir, force)
    scratch = key_dir.parent if key_dir.parent.is_dir() else None
    with tempfile.TemporaryDirectory(dir=scratch, prefix=".lms-restore-") as work:
        extracted = extract_verified(source, manifest, Path(work))
        secret = extracted.get(SECRET_MEMBER)
        secret_key = secret.read_text().strip() if secret else None
        databases.load(engine, extracted[manifest.database_member])
        _install_keys(extracted, manifest, key_dir)
    return Restored(manifest, secret_key or None)


def install_secret_key(path: Path, secret_key: str) -> None:
    """Make ``path`` (the instance folder's secret key file) hold ``secret_key``."""
    _write_whole(path, secret_key.encode() + b"\n")
