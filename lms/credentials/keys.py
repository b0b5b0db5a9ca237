"""Ed25519 signing keys, kept in files outside the database.

The key folder (``LMS_KEY_DIR``, default ``<instance>/keys``) holds one
``<key id>.key`` (private, PKCS#8 PEM, mode 0600) and ``<key id>.pub`` (public)
per key, and ``active`` naming the key that signs new certificates. The first
certificate creates the first key; :meth:`KeyStore.rotate` adds a new one and
keeps the old public keys, so certificates signed before still verify. A key id
is the first 10 hex digits of the SHA-256 of the raw public key.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .signing import b64url, b64url_decode

ACTIVE_FILE = "active"


class KeyStoreError(RuntimeError):
    """The key folder is unusable."""


def key_id_for(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:10]


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> str:
        """The signature of ``message``, base64url without padding."""
        return b64url(self.private_key.sign(message))


class KeyStore:
    """The keys in one folder; private keys are read once and kept in memory."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._active: SigningKey | None = None
        self._active_stamp: int | None = None
        self._public: dict[str, Ed25519PublicKey] | None = None
        self._lock = threading.Lock()

    @contextmanager
    def _folder_lock(self) -> Iterator[None]:
        """An exclusive lock across processes, so two first signers make one key."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_key(self) -> SigningKey:
        private = Ed25519PrivateKey.generate()
        key_id = key_id_for(private.public_key())
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path = self.directory / f"{key_id}.key"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
        (self.directory / f"{key_id}.pub").write_bytes(
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        temporary = self.directory / f".{ACTIVE_FILE}.{key_id}"
        temporary.write_text(key_id + "\n")
        temporary.replace(self.directory / ACTIVE_FILE)
        return SigningKey(key_id, private)

    def _read_active(self) -> SigningKey | None:
        marker = self.directory / ACTIVE_FILE
        if not marker.exists():
            return None
        key_id = marker.read_text().strip()
        path = self.directory / f"{key_id}.key"
        try:
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as exc:
            raise KeyStoreError(f"the active signing key {path} cannot be read: {exc}") from None
        if not isinstance(private, Ed25519PrivateKey) or key_id_for(private.public_key()) != key_id:
            raise KeyStoreError(f"{path} is not the Ed25519 key {key_id}")
        return SigningKey(key_id, private)

    def _marker_stamp(self) -> int | None:
        try:
            return (self.directory / ACTIVE_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def active_key(self) -> SigningKey:
        """The key that signs new certificates, created on first use.

        Another process may rotate the key: the ``active`` marker is checked
        (one stat) on every call and the key re-read when it changed.
        """
        with self._lock:
            stamp = self._marker_stamp()
            if self._active is None or stamp != self._active_stamp:
                key = self._read_active()
                if key is None:
                    with self._folder_lock():
                        key = self._read_active() or self._write_key()
                self._public = None
                self._active, self._active_stamp = key, self._marker_stamp()
            return self._active

    def rotate(self) -> SigningKey:
        """Make a new signing key; older public keys stay published."""
        with self._lock, self._folder_lock():
            self._active = self._write_key()
            self._active_stamp = self._marker_stamp()
            self._public = None
            return self._active

    def public_keys(self, *, refresh: bool = False) -> dict[str, Ed25519PublicKey]:
        """Every public key in the folder, by key id (``refresh``: read the folder again)."""
        with self._lock:
            if self._public is None or refresh:
                keys: dict[str, Ed25519PublicKey] = {}
                if self.directory.is_dir():
                    for path in sorted(self.directory.glob("*.pub")):
                        try:
                            key = serialization.load_pem_public_key(path.read_bytes())
                        except ValueError:
                            continue
                        if isinstance(key, Ed25519PublicKey) and key_id_for(key) == path.stem:
                            keys[path.stem] = key
                self._public = keys
            return dict(self._public)

    def active_key_id(self) -> str | None:
        marker = self.directory / ACTIVE_FILE
        return marker.read_text().strip() if marker.exists() else None

    def jwks(self) -> dict:
        """The public keys as a JSON Web Key Set (RFC 8037 OKP keys)."""
        active = self.active_key_id()
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": "EdDSA",
                    "use": "sig",
                    "kid": key_id,
                    "x": b64url(
                        key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
                    ),
                    "active": key_id == active,
                }
                for key_id, key in sorted(self.public_keys().items())
            ]
        }


def keys_from_jwks(document: dict) -> dict[str, Ed25519PublicKey]:
    """Public keys from a published key set (for checking offline, elsewhere)."""
    keys = {}
    for entry in document.get("keys", []):
        if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
            continue
        try:
            key = Ed25519PublicKey.from_public_bytes(b64url_decode(entry["x"]))
        except (KeyError, ValueError):
            continue
        if key_id_for(key) == entry.get("kid"):
            keys[entry["kid"]] = key
    return keys
