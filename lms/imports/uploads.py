"""Uploaded import files, kept server-side between the preview and the apply.

The preview reads the stored bytes; the apply reads the same bytes again (their
SHA-256 must still match what the preview showed) and validates them again, so
what is applied is exactly what was previewed, and nothing a browser sends back
can change it. A file is stored under a random id, readable only by the person
who uploaded it, and removed once applied or after a day.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

#: Stored files older than this are removed (a preview left open overnight is stale anyway).
KEEP_SECONDS = 24 * 3600
_ID_RE = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredUpload:
    """One uploaded file: who uploaded it, for which import, and its fingerprint."""

    id: str
    kind: str
    filename: str
    sha256: str
    owner_id: int | None


def _folder() -> Path:
    configured = current_app.config.get("LMS_IMPORT_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _prune(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.with_suffix(".bin").unlink(missing_ok=True)
            path.unlink(missing_ok=True)


def store(data: bytes, filename: str, kind: str, owner_id: int | None) -> StoredUpload:
    """Keep ``data`` for a later apply; returns its id and SHA-256."""
    folder = _folder()
    _prune(folder)
    upload = StoredUpload(
        id=secrets.token_hex(16),
        kind=kind,
        filename=Path(filename or "upload").name[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        owner_id=owner_id,
    )
    (folder / f"{upload.id}.bin").write_bytes(data)
    (folder / f"{upload.id}.json").write_text(json.dumps(upload.__dict__))
    return upload


def load(upload_id: str, kind: str, owner_id: int | None) -> tuple[StoredUpload, bytes] | None:
    """The stored file ``upload_id`` of this kind and owner, or None (unknown, gone, not theirs)."""
    if not _ID_RE.match(upload_id or ""):
        return None
    folder = _folder()
    try:
        upload = StoredUpload(**json.loads((folder / f"{upload_id}.json").read_text()))
        data = (folder / f"{upload_id}.bin").read_bytes()
    except (OSError, ValueError, TypeError):
        return None
    if upload.kind != kind or upload.owner_id != owner_id:
        return None
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        return None  # changed on disk since it was uploaded: never apply it
    return upload, data


def discard(upload_id: str) -> None:
    """Remove a stored file once it has been applied."""
    if _ID_RE.match(upload_id or ""):
        folder = _folder()
        (folder / f"{upload_id}.bin").unlink(missing_ok=True)
        (folder / f"{upload_id}.json").unlink(missing_ok=True)
