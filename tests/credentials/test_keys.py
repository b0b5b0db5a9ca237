"""Signing keys in files: made once, private, rotated across processes."""

from __future__ import annotations

import stat
import threading

from lms.credentials import signing
from lms.credentials.keys import KeyStore


def test_the_first_key_is_made_once_even_when_two_processes_start_together(tmp_path):
    stores = [KeyStore(tmp_path / "keys") for _ in range(4)]
    found = []
    threads = [
        threading.Thread(target=lambda s=s: found.append(s.active_key().key_id)) for s in stores
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == 1
    [private] = (tmp_path / "keys").glob("*.key")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_a_rotation_by_another_process_is_seen_and_old_signatures_still_verify(tmp_path):
    worker_a, worker_b = KeyStore(tmp_path / "keys"), KeyStore(tmp_path / "keys")
    old = worker_a.active_key()
    message = signing.message(["lms-certificate/1", "X"])
    old_signature = signing.parse_token(f"{old.key_id}.{old.sign(message)}")
    assert worker_a.public_keys()  # cached in worker A

    new = worker_b.rotate()
    assert worker_a.active_key().key_id == new.key_id != old.key_id
    keys = worker_a.public_keys(refresh=True)
    assert set(keys) == {old.key_id, new.key_id}
    assert signing.verify(["lms-certificate/1", "X"], old_signature, keys)
    assert not signing.verify(["lms-certificate/1", "Y"], old_signature, keys)
    assert [k["kid"] for k in worker_a.jwks()["keys"] if k["active"]] == [new.key_id]
