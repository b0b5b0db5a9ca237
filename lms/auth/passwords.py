"""Password hashing (Argon2id) and the rules a new password must meet."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from zxcvbn import zxcvbn

# zxcvbn scores 0-4; below 3 means guessable within about 10^8 tries, or a common password.
MIN_STRENGTH = 3
MAX_LENGTH = 256
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_PASSWORD = "timing-equaliser-not-a-password"  # noqa: S105 - not a credential


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["LMS_ARGON2_TIME_COST"],
        memory_cost=cfg["LMS_ARGON2_MEMORY_KIB"],
        parallelism=cfg["LMS_ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` with the configured cost."""
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check ``password``; return (ok, new_hash) where new_hash is set when costs changed."""
    hasher = _hasher()
    if stored_hash is None:
        with contextlib.suppress(VerificationError):
            hasher.verify(hasher.hash(_DUMMY_PASSWORD), password)
        return False, None
    try:
        hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if hasher.check_needs_rehash(stored_hash):
        return True, hasher.hash(password)
    return True, None


def password_problems(password: str, related: Iterable[str | None] = ()) -> list[str]:
    """Why ``password`` is not acceptable (empty list when it is).

    ``related`` are words of the account (name, email) that must not carry it.
    """
    minimum = current_app.config["LMS_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return [f"Use at least {minimum} characters."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    words: list[str] = []
    for value in related:
        if value:
            parts = value.lower().replace("@", " ").replace(".", " ").split()
            words += [*parts, "".join(parts)]
    result = zxcvbn(password[:100], user_inputs=words)
    if result["score"] < MIN_STRENGTH:
        feedback = result.get("feedback") or {}
        warning = feedback.get("warning") or "This password is too easy to guess."
        suggestions = " ".join(feedback.get("suggestions") or [])
        return [f"{warning.rstrip('.')}. {suggestions}".strip()]
    return []
