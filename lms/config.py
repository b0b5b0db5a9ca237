"""The ``LMS_*`` configuration keys: defaults, documentation and checks at start."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import make_url


class ConfigError(RuntimeError):
    """A configuration value is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class Option:
    default: Any
    doc: str


#: Every option the extension reads, with its default and meaning.
OPTIONS: dict[str, Option] = {
    "LMS_SITE_NAME": Option("Active-Threat Training", "Name shown in page titles and headers."),
    "LMS_DEPARTMENT_NAME": Option(
        "Police Department",
        "The department's name until its organization exists (created with this name by "
        "create-admin); pages and transcripts then show the name set on its organization "
        "page. Calendar feeds keep this value (a feed revalidates with one query).",
    ),
    "LMS_TIMEZONE": Option(
        "America/Denver", "IANA time zone of the department; times are shown in it."
    ),
    "LMS_PASSWORD_MIN_LENGTH": Option(12, "Shortest password accepted."),
    "LMS_ARGON2_TIME_COST": Option(3, "Argon2id iterations (RFC 9106 low-memory profile)."),
    "LMS_ARGON2_MEMORY_KIB": Option(65536, "Argon2id memory in KiB (64 MiB by default)."),
    "LMS_ARGON2_PARALLELISM": Option(4, "Argon2id lanes."),
    "LMS_SIGN_IN_LIFETIME_HOURS": Option(12, "A sign-in ends after this many hours."),
    "LMS_SECURE_COOKIES": Option(
        False,
        "The standalone app marks its cookies Secure (set when served over HTTPS); "
        "a host app sets its own cookie settings, which the LMS leaves alone.",
    ),
    "LMS_SQLITE_PRAGMAS": Option(
        False,
        "On SQLite, turn on foreign keys, WAL and a 30 s busy timeout for every connection "
        "of the app's engines. They change the host's own connections too, so a host opts "
        "in; the standalone app, which owns its database, sets it.",
    ),
    "LMS_LOAD_PLUGINS": Option(True, "Load third-party plugins from the lms.plugins entry points."),
    "LMS_KEY_DIR": Option(
        None, "Folder for certificate signing keys (default: the instance folder's keys/)."
    ),
    "LMS_REDIS_URL": Option(
        None,
        "Redis for shared rate limits and the worker's job queue; unset: memory and SQLite.",
    ),
    "LMS_REDIS_PREFIX": Option(
        "lms", "Prefix of this deployment's Redis keys, so deployments can share one Redis."
    ),
    "LMS_RATELIMIT_ENABLED": Option(True, "Apply rate limits to public endpoints."),
    "LMS_TRUSTED_PROXIES": Option(
        0,
        "How many reverse proxies (nginx, a load balancer) stand in front of the standalone "
        "app; their X-Forwarded-For/-Proto/-Host headers are trusted that many hops deep "
        "(Werkzeug's ProxyFix), so rate limits and the audit log see the client's address. "
        "0: none, the headers are ignored. A host app applies ProxyFix itself.",
    ),
    "LMS_CANCEL_CUTOFF_HOURS": Option(
        24, "People may cancel their own enrollment until this many hours before the start."
    ),
    "LMS_CLAIM_LINK_DAYS": Option(14, "Days an account-claim link stays valid."),
    "LMS_PASSWORD_RESET_MINUTES": Option(
        30, "Minutes a password-reset link stays valid (it works once)."
    ),
    "LMS_PASSWORD_RESET_ANSWER_MS": Option(
        400,
        "The 'Forgot your password?' form answers no sooner than this many milliseconds, so "
        "the time spent writing a link (and queuing its message) for an account does not "
        "tell that the address has one. 0: answer at once (tests).",
    ),
    "LMS_REPORTING_PERIOD_START": Option(
        "07-01", "Month-day the training-hours reporting period starts (state POST year)."
    ),
    "LMS_CERTIFICATE_PAGE_SIZE": Option(
        None, "Certificate paper, 'letter' or 'a4'; unset: the layout's own (letter)."
    ),
    "LMS_TRANSCRIPT_LAYOUT": Option(
        "transcript",
        "The transcript layout transcripts are drawn with: a layout file of kind 'transcript' "
        "(certificates/transcript/layout.json ships as 'transcript') or one a plugin registers.",
    ),
    "LMS_PUBLIC_URL": Option(
        None,
        "Public address certificate QR codes and emailed links (invitations, password "
        "resets) point to, e.g. https://training.example.gov; unset: the requesting host "
        "(required to print outside a request; set it in production, so a forged Host "
        "header cannot put another site's address in a reset link).",
    ),
    "LMS_IMPORT_DIR": Option(
        None,
        "Uploaded import files between preview and apply (default: instance/imports).",
    ),
    "LMS_BRANDING_DIR": Option(
        None, "Folder of organization logos (Organization.logo_path is relative to it)."
    ),
    "LMS_CALENDAR_CANCELLED_DAYS": Option(
        30,
        "Days a cancelled session (or place, or teaching assignment) stays in calendar feeds, "
        "marked cancelled.",
    ),
    "LMS_CALENDAR_REFRESH_MINUTES": Option(60, "How often calendar clients should fetch a feed."),
    "LMS_CALENDAR_HISTORY_DAYS": Option(
        90, "Feeds keep meetings that ended up to this many days ago."
    ),
    # --- mail (see lms.mail) ---------------------------------------------------------
    "LMS_SMTP_HOST": Option(
        None,
        "SMTP server that delivers the outbox. Unset: each message is written as an .eml "
        "file to LMS_MAIL_DIR and marked sent (development, demos).",
    ),
    "LMS_SMTP_PORT": Option(None, "SMTP port; unset: 587 for starttls, 465 for tls, 25 for none."),
    "LMS_SMTP_SECURITY": Option(
        "starttls",
        "'starttls' (upgrade a plain connection, port 587), 'tls' (TLS from the start, "
        "port 465) or 'none' (a relay on the same host or network only).",
    ),
    "LMS_SMTP_USERNAME": Option(None, "SMTP user name; unset: no authentication."),
    "LMS_SMTP_PASSWORD": Option(
        None, "SMTP password. Give it in the environment, never in a file kept with the code."
    ),
    "LMS_SMTP_TIMEOUT_SECONDS": Option(
        30,
        "Longest wait for the SMTP server at each step. A message's claim lasts ten times "
        "this: a worker that dies mid-send leaves it to another after that long.",
    ),
    "LMS_MAIL_SENDER": Option(
        None,
        "From address, e.g. 'Training Unit <training@police.example.gov>' (required with "
        "LMS_SMTP_HOST); its domain also names every Message-ID. Unset: no-reply at the "
        "LMS_PUBLIC_URL's host, or localhost.",
    ),
    "LMS_MAIL_REPLY_TO": Option(None, "Reply-To address of every message; unset: none."),
    "LMS_MAIL_MAX_ATTEMPTS": Option(
        8,
        "Tries before a message is marked failed (the waits double from "
        "LMS_MAIL_RETRY_SECONDS: 1, 2, 4 ... minutes by default, about 4 hours in all).",
    ),
    "LMS_MAIL_RETRY_SECONDS": Option(
        60, "Wait before the second try; each later wait is twice the one before."
    ),
    "LMS_MAIL_DIR": Option(
        None, "Where .eml files go when no SMTP server is set (default: instance/mail)."
    ),
    "LMS_QUEUE_FILE": Option(
        None,
        "The background worker's job queue (Huey, SQLite) when LMS_REDIS_URL is unset "
        "(default: instance/lms-queue.sqlite3). With LMS_REDIS_URL, the queue is in Redis.",
    ),
    "LMS_REMINDER_OFFSETS_DAYS": Option(
        "60,30,7,0",
        "Days before a certification's due date when its renewal reminder is sent "
        "(0: on the day it expires).",
    ),
    "LMS_DIGEST_WEEKDAY": Option(
        "monday", "Day of the week the coordinators' weekly digest goes out."
    ),
    # The standalone app's own database pool (a host configures its own engine).
    "LMS_DB_POOL_SIZE": Option(
        5,
        "Standalone app: database connections each process keeps open (a gunicorn worker, "
        "a CLI or background worker). PostgreSQL's max_connections must cover "
        "processes x (pool size + overflow) plus maintenance.",
    ),
    "LMS_DB_MAX_OVERFLOW": Option(
        5, "Standalone app: connections a process may open beyond the pool under a burst."
    ),
    "LMS_DB_POOL_TIMEOUT": Option(
        10, "Standalone app: seconds a request waits for a free connection before failing."
    ),
    "LMS_DB_POOL_RECYCLE": Option(
        1800,
        "Standalone app: seconds after which a pooled connection is replaced (before a "
        "firewall or PgBouncer drops idle ones); every checkout is also pinged first.",
    ),
    "LMS_DB_PREPARED_STATEMENTS": Option(
        True,
        "Standalone app on PostgreSQL: psycopg prepares the statements a connection "
        "repeats, and a request that only read ends with a commit so they outlive it "
        "(PostgreSQL then plans each once, not on every page). Set false behind PgBouncer "
        "in transaction mode unless it is 1.21 or later with max_prepared_statements set: "
        "a connection's next transaction may reach another server that lacks them.",
    ),
}

#: The pool options, as SQLAlchemy's create_engine() names them.
POOL_OPTIONS = {
    "LMS_DB_POOL_SIZE": ("pool_size", 1),
    "LMS_DB_MAX_OVERFLOW": ("max_overflow", 0),
    "LMS_DB_POOL_TIMEOUT": ("pool_timeout", 1),
    "LMS_DB_POOL_RECYCLE": ("pool_recycle", 60),
}

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SMTP_SECURITY = ("starttls", "tls", "none")


def apply_defaults(config: dict[str, Any]) -> None:
    """Fill in every ``LMS_*`` option the host left unset."""
    for key, option in OPTIONS.items():
        config.setdefault(key, option.default)


def _positive_int(config: dict[str, Any], key: str, minimum: int = 1) -> None:
    value = config[key]
    if isinstance(value, str) and value.strip().isdigit():
        value = config[key] = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{key} must be an integer of at least {minimum}, got {value!r}")


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options of a bounded, self-healing pool, from the LMS_DB_* keys.

    Used by the standalone app before its engine exists (so checked here, naming
    the key); a host app passes its own ``SQLALCHEMY_ENGINE_OPTIONS``.
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    for key, (name, minimum) in POOL_OPTIONS.items():
        config.setdefault(key, OPTIONS[key].default)
        _positive_int(config, key, minimum=minimum)
        options[name] = config[key]
    prepared = config.setdefault(
        "LMS_DB_PREPARED_STATEMENTS", OPTIONS["LMS_DB_PREPARED_STATEMENTS"].default
    )
    if not isinstance(prepared, bool):
        raise ConfigError(f"LMS_DB_PREPARED_STATEMENTS must be true or false, got {prepared!r}")
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if not prepared and url.get_driver_name() == "psycopg":
        options["connect_args"] = {"prepare_threshold": None}
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # One shared in-memory connection (Flask-SQLAlchemy's StaticPool): no pool to size.
        return {"pool_pre_ping": True}
    return options


def validate(config: dict[str, Any]) -> None:
    """Refuse a configuration that cannot work, naming the offending key."""
    zone = config["LMS_TIMEZONE"]
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LMS_TIMEZONE is not a known IANA time zone: {zone!r}") from None
    if not isinstance(config["LMS_SQLITE_PRAGMAS"], bool):
        raise ConfigError(
            f"LMS_SQLITE_PRAGMAS must be true or false, got {config['LMS_SQLITE_PRAGMAS']!r}"
        )
    _positive_int(config, "LMS_PASSWORD_MIN_LENGTH", minimum=8)
    _positive_int(config, "LMS_ARGON2_TIME_COST")
    _positive_int(config, "LMS_ARGON2_MEMORY_KIB", minimum=8)
    _positive_int(config, "LMS_ARGON2_PARALLELISM")
    _positive_int(config, "LMS_SIGN_IN_LIFETIME_HOURS")
    _positive_int(config, "LMS_CANCEL_CUTOFF_HOURS", minimum=0)
    _positive_int(config, "LMS_CLAIM_LINK_DAYS")
    _positive_int(config, "LMS_PASSWORD_RESET_MINUTES")
    _positive_int(config, "LMS_PASSWORD_RESET_ANSWER_MS", minimum=0)
    _positive_int(config, "LMS_CALENDAR_CANCELLED_DAYS", minimum=0)
    _positive_int(config, "LMS_CALENDAR_REFRESH_MINUTES")
    _positive_int(config, "LMS_CALENDAR_HISTORY_DAYS")
    _positive_int(config, "LMS_TRUSTED_PROXIES", minimum=0)
    period = str(config["LMS_REPORTING_PERIOD_START"])
    try:
        month, day = (int(part) for part in period.split("-"))
        date(2001, month, day)  # a non-leap year: 02-29 is refused
    except ValueError:
        raise ConfigError(
            f"LMS_REPORTING_PERIOD_START must be MM-DD, e.g. 07-01, got {period!r}"
        ) from None
    paper = config["LMS_CERTIFICATE_PAGE_SIZE"]
    if paper is not None and str(paper).lower() not in ("letter", "a4"):
        raise ConfigError(
            "LMS_CERTIFICATE_PAGE_SIZE must be 'letter' or 'a4', "
            f"got {config['LMS_CERTIFICATE_PAGE_SIZE']!r}"
        )
    for key in ("LMS_SITE_NAME", "LMS_DEPARTMENT_NAME"):
        if not str(config.get(key) or "").strip():
            raise ConfigError(f"{key} must not be empty")
    prefix = str(config["LMS_REDIS_PREFIX"] or "")
    if not prefix or any(char.isspace() for char in prefix):
        raise ConfigError(
            f"LMS_REDIS_PREFIX must be a non-empty name without spaces, got {prefix!r}"
        )
    _validate_mail(config)
    if not config.get("SECRET_KEY"):
        raise ConfigError("SECRET_KEY is not set: sessions and CSRF tokens need it")
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        raise ConfigError("SQLALCHEMY_DATABASE_URI is not set")


def validate_layouts(config: dict[str, Any], transcript_layouts: Container[str]) -> None:
    """Refuse a transcript layout no one registered (checked once plugins are loaded)."""
    name = config["LMS_TRANSCRIPT_LAYOUT"]
    if name not in transcript_layouts:
        raise ConfigError(f"LMS_TRANSCRIPT_LAYOUT names no registered transcript layout: {name!r}")


def _address(config: dict[str, Any], key: str) -> None:
    value = config[key]
    if value is None:
        return
    _, address = parseaddr(str(value))
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(char.isspace() for char in address):
        raise ConfigError(
            f"{key} must be an email address such as 'Training <training@example.gov>', "
            f"got {value!r}"
        )


def _reminder_offsets(config: dict[str, Any]) -> None:
    value = config["LMS_REMINDER_OFFSETS_DAYS"]
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, int):  # one offset, read from the environment as a number
        parts = [value]
    else:
        parts = value
    try:
        offsets = sorted({int(str(p).strip()) for p in parts}, reverse=True)
    except (TypeError, ValueError):
        offsets = []
    if not offsets or offsets[-1] < 0:
        raise ConfigError(
            "LMS_REMINDER_OFFSETS_DAYS must be whole numbers of days of at least 0, "
            f"separated by commas, e.g. 60,30,7,0; got {value!r}"
        )
    config["LMS_REMINDER_OFFSETS_DAYS"] = tuple(offsets)


#: Mail options that are unset by default: an empty value (``LMS_SMTP_HOST=``) unsets them.
_UNSET_WHEN_EMPTY = (
    "LMS_SMTP_HOST",
    "LMS_SMTP_PORT",
    "LMS_SMTP_USERNAME",
    "LMS_SMTP_PASSWORD",
    "LMS_MAIL_SENDER",
    "LMS_MAIL_REPLY_TO",
    "LMS_MAIL_DIR",
    "LMS_QUEUE_FILE",
)


def _validate_mail(config: dict[str, Any]) -> None:
    for key in _UNSET_WHEN_EMPTY:
        if isinstance(config[key], str) and not config[key].strip():
            config[key] = None
    security = str(config["LMS_SMTP_SECURITY"] or "").lower()
    if security not in SMTP_SECURITY:
        raise ConfigError(
            f"LMS_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, "
            f"got {config['LMS_SMTP_SECURITY']!r}"
        )
    config["LMS_SMTP_SECURITY"] = security
    if config["LMS_SMTP_PORT"] is not None:
        _positive_int(config, "LMS_SMTP_PORT")
        if config["LMS_SMTP_PORT"] > 65535:
            raise ConfigError(f"LMS_SMTP_PORT must be a port number, got {config['LMS_SMTP_PORT']}")
    timeout = config["LMS_SMTP_TIMEOUT_SECONDS"]
    if isinstance(timeout, str):
        with contextlib.suppress(ValueError):
            timeout = config["LMS_SMTP_TIMEOUT_SECONDS"] = float(timeout)
    number = isinstance(timeout, int | float) and not isinstance(timeout, bool)
    if not number or not math.isfinite(timeout) or timeout <= 0:
        raise ConfigError(f"LMS_SMTP_TIMEOUT_SECONDS must be a number above 0, got {timeout!r}")
    _positive_int(config, "LMS_MAIL_MAX_ATTEMPTS")
    _positive_int(config, "LMS_MAIL_RETRY_SECONDS")
    _address(config, "LMS_MAIL_SENDER")
    _address(config, "LMS_MAIL_REPLY_TO")
    host = config["LMS_SMTP_HOST"]
    if host is not None and (not str(host).strip() or any(c.isspace() for c in str(host))):
        raise ConfigError(f"LMS_SMTP_HOST must be a host name or address, got {host!r}")
    if host and not config["LMS_MAIL_SENDER"]:
        raise ConfigError("LMS_MAIL_SENDER must be set when LMS_SMTP_HOST is")
    if config["LMS_SMTP_USERNAME"] and not config["LMS_SMTP_PASSWORD"]:
        raise ConfigError(
            "LMS_SMTP_PASSWORD must be set (in the environment) with LMS_SMTP_USERNAME"
        )
    _reminder_offsets(config)
    weekday = str(config["LMS_DIGEST_WEEKDAY"] or "").strip().lower()
    if weekday not in WEEKDAYS:
        raise ConfigError(
            f"LMS_DIGEST_WEEKDAY must be a day of the week (monday ... sunday), "
            f"got {config['LMS_DIGEST_WEEKDAY']!r}"
        )
    config["LMS_DIGEST_WEEKDAY"] = weekday
