"""The standalone application: one host of the LMS extension.

``create_app()`` reads its settings from the environment (see the README):
``LMS_DATABASE_URL``, ``LMS_SECRET_KEY``, ``LMS_URL_PREFIX`` and every ``LMS_*``
option of :mod:`lms.config`.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, redirect, url_for
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from . import LMS, site_cache
from .backups import APP_KEY_FILE
from .config import OPTIONS, ConfigError, engine_options
from .web import ERROR_TITLES, render_error, security_headers

db = SQLAlchemy()
lms = LMS(db)


def _env_value(raw: str) -> Any:
    """Environment strings as JSON where they parse (numbers, booleans), else text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _instance_secret(instance_path: Path) -> str:
    """A per-installation secret key, made once and kept in the instance folder."""
    path = instance_path / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


#: Set in a pooled connection's ``info`` once its transaction sends more than SELECTs.
_WROTE = "lms_transaction_wrote"


def _note_writes(conn, cursor, statement, parameters, context, executemany) -> None:
    if site_cache.writes(statement):  # text with a leading blank counts as a write
        conn.info[_WROTE] = True


def _forget_writes(conn) -> None:
    conn.info.pop(_WROTE, None)


def _end_reading_requests_with_commit(app: Flask) -> None:
    """A request whose transaction only read ends it with COMMIT rather than ROLLBACK.

    Either leaves the database as it was; but psycopg forgets a connection's prepared
    statements on every rollback, and each request ended with one, so PostgreSQL
    planned every statement of every page afresh: about half of its CPU on the
    officer's pages, which ask the same statements all day. A transaction that wrote
    (anything but a SELECT was sent), holds unflushed changes or failed is left to
    end as before. Registered before the other hooks: it runs after them, last.
    """
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _note_writes)
    event.listen(engine, "commit", _forget_writes)
    event.listen(engine, "rollback", _forget_writes)

    @app.after_request
    def commit_what_only_read(response):
        session = db.session()
        transaction = session.get_transaction()
        if (
            transaction is not None
            and transaction.is_active
            and not (session.new or session.dirty or session.deleted)
            and not session.connection().info.get(_WROTE)
        ):
            expire = session.expire_on_commit
            session.expire_on_commit = False  # nothing was written: what was read still holds
            try:
                session.commit()
            finally:
                session.expire_on_commit = expire
        return response


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the standalone app; ``test_config`` overrides everything else."""
    app = Flask(__name__, instance_relative_config=True)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)

    app.config.update(
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "LMS_DATABASE_URL", f"sqlite:///{instance / 'lms.sqlite3'}"
        ),
        LMS_URL_PREFIX=os.environ.get("LMS_URL_PREFIX", "/training"),
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        # This app owns its cookies and its database; an app mounting the LMS keeps its own.
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        LMS_SQLITE_PRAGMAS=True,
    )
    if "LMS_SECRET_KEY" in os.environ:
        app.config["SECRET_KEY"] = os.environ["LMS_SECRET_KEY"]
    for key in OPTIONS:
        if key in os.environ:
            app.config[key] = _env_value(os.environ[key])
    if test_config:
        app.config.update(test_config)
    if app.config.get("LMS_SECURE_COOKIES"):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
        # A restore puts the backed-up key here (``flask lms restore``).
        app.extensions[APP_KEY_FILE] = instance / "secret_key"
    if not str(app.config["LMS_URL_PREFIX"]).startswith("/"):
        raise ConfigError(f"LMS_URL_PREFIX must start with '/': {app.config['LMS_URL_PREFIX']!r}")

    # A bounded pool per process: gunicorn workers x (pool + overflow) connections at most.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    db.init_app(app)
    if app.config["LMS_DB_PREPARED_STATEMENTS"]:
        _end_reading_requests_with_commit(app)
    lms.init_app(app, url_prefix=app.config["LMS_URL_PREFIX"])

    # This app is the LMS's own host: its other answers (unknown paths, 405s, the
    # health check) are LMS pages too, with the same error pages and headers.
    for code in ERROR_TITLES:
        app.register_error_handler(code, render_error)
    app.after_request(security_headers)
    proxies = app.config["LMS_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.get("/")
    def index():
        return redirect(url_for("lms.dashboard.home"))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
