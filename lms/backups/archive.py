"""The backup archive: one tar file, a manifest, checksums.

An archive holds ``manifest.json`` first, then the database (``database.sqlite3``
or ``database.pgdump``, pg_dump's custom format), the certificate signing
keys under ``keys/`` and the app's secret key (``secret_key``; archives made
before it was kept have none). The manifest names the LMS schema revision the database
is at, when and from which backend the backup was made, and the SHA-256 and
size of every other member; a restore checks all of them before it writes.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

MANIFEST = "manifest.json"
FORMAT = "lms-backup"
FORMAT_VERSION = 1
KEYS_FOLDER = "keys"
SECRET_MEMBER = "secret_key"  # noqa: S105 (the name of the archive member)
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
_CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup cannot be made, or an archive cannot be restored; the message says why."""


@dataclass(frozen=True)
class Manifest:
    """What an archive says about itself."""

    schema_revision: str
    created_at: datetime
    backend: str
    checksums: dict[str, str]  # member name -> SHA-256 hex
    sizes: dict[str, int]

    @property
    def database_member(self) -> str:
        return DATABASE_FILES[self.backend]

    @property
    def key_members(self) -> list[str]:
        return sorted(name for name in self.checksums if name.startswith(KEYS_FOLDER + "/"))

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at.astimezone(UTC).isoformat(),
            "backend": self.backend,
            "files": {
                name: {"sha256": self.checksums[name], "size": self.sizes[name]}
                for name in sorted(self.checksums)
            },
        }
        return json.dumps(document, indent=2).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes, source: str) -> Manifest:
        try:
            document = json.loads(data)
            if document.get("format") != FORMAT:
                raise ValueError("not an LMS backup manifest")
            if document.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"format version {document.get('format_version')!r} is unknown")
            backend = document["backend"]
            if backend not in DATABASE_FILES:
                raise ValueError(f"unknown backend {backend!r}")
            files = document["files"]
            manifest = cls(
                schema_revision=str(document["schema_revision"]),
                created_at=datetime.fromisoformat(document["created_at"]),
                backend=backend,
                checksums={name: str(entry["sha256"]) for name, entry in files.items()},
                sizes={name: int(entry["size"]) for name, entry in files.items()},
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"{source}: the manifest cannot be read ({exc})") from None
        if manifest.database_member not in manifest.checksums:
            raise BackupError(f"{source}: the manifest lists no {manifest.database_member}")
        return manifest


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def write_archive(
    destination: Path, *, schema_revision: str, backend: str, members: dict[str, Path]
) -> Manifest:
    """Write ``members`` (archive name -> file) and their manifest to ``destination``.

    Written beside the destination and renamed at the end, so a failed backup
    never leaves a truncated archive under the name a schedule expects.
    """
    manifest = Manifest(
        schema_revision=schema_revision,
        created_at=datetime.now(UTC),
        backend=backend,
        checksums={name: file_digest(path) for name, path in members.items()},
        sizes={name: path.stat().st_size for name, path in members.items()},
    )
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        with tarfile.open(partial, "w") as tar:
            document = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode = len(document), 0o600
            info.mtime = int(manifest.created_at.timestamp())
            tar.addfile(info, io.BytesIO(document))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
        partial.chmod(0o600)  # it holds the private signing keys
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


def read_manifest(source: Path) -> Manifest:
    """The manifest of the archive at ``source``."""
    try:
        with tarfile.open(source, "r:*") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST or not member.isfile():
                raise BackupError(f"{source}: not an LMS backup (no {MANIFEST} first)")
            return Manifest.from_json(tar.extractfile(member).read(), str(source))
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source}: cannot read the archive ({exc})") from None


def extract_verified(source: Path, manifest: Manifest, folder: Path) -> dict[str, Path]:
    """Extract every member the manifest lists into ``folder``, checking each checksum.

    Refuses members the manifest does not list, unsafe names, missing members
    and any member whose size or SHA-256 differs, naming it.
    """
    extracted: dict[str, Path] = {}
    try:
        with tarfile.open(source, "r:*") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                name = member.name
                parts = PurePosixPath(name).parts
                if name not in manifest.checksums or not member.isfile() or ".." in parts:
                    raise BackupError(f"{source}: {name} is not listed in the manifest")
                target = folder.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(member) as data, target.open("wb") as out:
                    while chunk := data.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != manifest.checksums[name]:
                    raise BackupError(
                        f"{source}: {name} does not match its checksum; the archive is damaged"
                    )
                extracted[name] = target
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{source}: cannot read the archive ({exc})") from None
    missing = sorted(set(manifest.checksums) - set(extracted))
    if missing:
        raise BackupError(f"{source}: the archive lacks {', '.join(missing)}")
    return extracted
