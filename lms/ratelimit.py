"""Rate limits on public endpoints, shared across processes through Redis.

Built on ``limits`` (the library under Flask-Limiter) with storage per app:
``LMS_REDIS_URL`` when set, so several app processes share one count, else
process memory. A view opts in with :func:`rate_limited` (per client address, a 429
error page), or counts a request against several :class:`Limit` s with :func:`hit_all`
and answers itself (public registration re-renders its form as typed).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, request, session
from limits import parse, storage, strategies

from .core import state


def make_limiter(redis_url: str | None, prefix: str = "lms") -> strategies.RateLimiter:
    """Counts in Redis under ``prefix`` (one deployment's namespace), else in memory."""
    if redis_url:
        backend = storage.storage_from_string(redis_url, key_prefix=prefix)
    else:
        backend = storage.storage_from_string("memory://")
    return strategies.MovingWindowRateLimiter(backend)


def client_address() -> str:
    """The requester's address (behind a proxy, configure ProxyFix in the host)."""
    return request.remote_addr or "unknown"


def browser_session_key() -> str:
    """The visitor's browser session (a digest of its CSRF secret), else the client address.

    For limits per person at a shared address: a school's or church's network is one
    address to us, each browser on it its own session.
    """
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if not secret:
        return client_address()
    return "browser:" + hashlib.sha256(str(secret).encode()).hexdigest()[:32]


def _limiter() -> strategies.RateLimiter:
    return state().extras["rate_limiter"]


def _enabled() -> bool:
    return current_app.config.get("LMS_RATELIMIT_ENABLED", True)


def hit(scope: str, limit: str, key: str | None = None) -> bool:
    """Count one request against ``limit`` for ``scope``/``key``; False when over it."""
    if not _enabled():
        return True
    return _limiter().hit(parse(limit), "lms", scope, key or client_address())


def allowed(scope: str, limit: str, key: str | None = None) -> bool:
    """Whether one more request fits ``limit`` for ``scope``/``key``, without counting it.

    For limits that count only some outcomes (failed sign-ins): test first, and
    :func:`hit` once the outcome is known.
    """
    if not _enabled():
        return True
    return _limiter().test(parse(limit), "lms", scope, key or client_address())


def retry_after(scope: str, limit: str, key: str | None = None) -> int:
    """Whole seconds until ``scope``/``key`` may try again (for a 429's Retry-After)."""
    if not _enabled():
        return 0
    stats = _limiter().get_window_stats(parse(limit), "lms", scope, key or client_address())
    if stats.remaining > 0:
        return 0
    return max(1, math.ceil(stats.reset_time - time.time()))


@dataclass(frozen=True)
class Limit:
    """One limit of several a request counts against: ``limit`` per ``key`` in ``scope``."""

    scope: str
    limit: str  # e.g. "5/hour"
    key: str | None = None  # None: the client address

    def retry_after(self) -> int:
        return retry_after(self.scope, self.limit, self.key)


def hit_all(limits: Iterable[Limit]) -> Limit | None:
    """Count one request against every limit, or, when one is full, against none: that one."""
    limits = list(limits)
    for each in limits:
        if not allowed(each.scope, each.limit, each.key):
            return each
    for each in limits:
        hit(each.scope, each.limit, each.key)
    return None


def rate_limited(limit: str, scope: str | None = None, methods: tuple[str, ...] | None = None):
    """View decorator: answer 429 once a client address exceeds ``limit`` (e.g. "20/minute")."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        name = scope or view.__name__

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if (methods is None or request.method in methods) and not hit(name, limit):
                # The exception carries Retry-After; an error page built from it must keep
                # its headers (error.get_headers()).
                abort(
                    429,
                    description="Too many requests from your address. Wait a minute and try again.",
                    retry_after=retry_after(name, limit),
                )
            return view(*args, **kwargs)

        return wrapped

    return decorator
