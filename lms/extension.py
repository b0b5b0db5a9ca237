"""The LMS Flask extension."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

from . import builtins, config
from .auth import operations as auth_operations
from .auth.blueprint import bp as auth_bp
from .calendar.blueprint import bp as calendar_bp
from .catalog.blueprint import bp as catalog_bp
from .cli import lms_cli
from .compliance.blueprint import bp as compliance_bp
from .core import LMSState
from .credentials.blueprint import bp as credentials_bp
from .dashboard.blueprint import bp as dashboard_bp
from .enrollment.blueprint import bp as enrollment_bp
from .people.blueprint import bp as people_bp
from .plugins import Registries
from .ratelimit import make_limiter
from .rosters.blueprint import bp as rosters_bp
from .scheduling.blueprint import bp as scheduling_bp
from .status.blueprint import bp as status_bp
from .web import make_blueprint

FEATURE_BLUEPRINTS = (
    auth_bp,
    catalog_bp,
    dashboard_bp,
    scheduling_bp,
    enrollment_bp,
    rosters_bp,
    status_bp,
    compliance_bp,
    credentials_bp,
    calendar_bp,
    people_bp,
)


class LMS:
    """The training-and-certification extension.

    ::

        db = SQLAlchemy()
        lms = LMS(db)
        lms.init_app(app, url_prefix="/training")

    The extension never stores the app; per-app state lives in
    ``app.extensions["lms"]`` (see :class:`lms.core.LMSState`).
    """

    def __init__(self, db: SQLAlchemy, app: Flask | None = None, **options):
        self.db = db
        if app is not None:
            self.init_app(app, **options)

    def init_app(self, app: Flask, url_prefix: str = "/training") -> None:
        """Mount the LMS on ``app`` under ``url_prefix``; a second call is an error."""
        if "lms" in app.extensions:
            raise RuntimeError("the LMS extension is already registered on this app")
        if "sqlalchemy" not in app.extensions:
            raise RuntimeError("initialise Flask-SQLAlchemy (db.init_app) before the LMS")
        url_prefix = "/" + url_prefix.strip("/") if url_prefix.strip("/") else ""

        config.apply_defaults(app.config)
        config.validate(app.config)
        self._apply_web_defaults(app)

        registries = Registries()
        builtins.register(registries)
        state = LMSState(db=self.db, url_prefix=url_prefix, registries=registries)
        state.extras["rate_limiter"] = make_limiter(
            app.config["LMS_REDIS_URL"], app.config["LMS_REDIS_PREFIX"]
        )
        if app.config["LMS_LOAD_PLUGINS"]:
            state.loaded_plugins = registries.load_entry_points()
        app.extensions["lms"] = state

        self._init_login(app)
        with app.app_context():
            for engine in self.db.engines.values():
                if engine.dialect.name == "sqlite":
                    event.listen(engine, "connect", _sqlite_pragmas)
        parent = make_blueprint()
        for feature in FEATURE_BLUEPRINTS:
            parent.register_blueprint(feature)
        app.register_blueprint(parent, url_prefix=url_prefix or None)
        app.cli.add_command(lms_cli)

    @staticmethod
    def _apply_web_defaults(app: Flask) -> None:
        cfg = app.config
        # Flask-WTF's CSRF options, set as CSRFProtect.init_app would, without its
        # app-wide hook: the LMS protects its own blueprint (see lms.web).
        cfg.setdefault("WTF_CSRF_ENABLED", True)
        cfg["WTF_CSRF_METHODS"] = set(
            cfg.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])
        )
        cfg.setdefault("WTF_CSRF_FIELD_NAME", "csrf_token")
        cfg.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
        cfg.setdefault("WTF_CSRF_TIME_LIMIT", 3600)
        cfg.setdefault("WTF_CSRF_SSL_STRICT", True)
        cfg["SESSION_COOKIE_HTTPONLY"] = True
        if not cfg.get("SESSION_COOKIE_SAMESITE"):
            cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
        if cfg["LMS_SECURE_COOKIES"]:
            cfg["SESSION_COOKIE_SECURE"] = True
            cfg["REMEMBER_COOKIE_SECURE"] = True
        cfg.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
        cfg.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")

    @staticmethod
    def _init_login(app: Flask) -> None:
        manager = getattr(app, "login_manager", None)
        if manager is None:
            manager = LoginManager()
            manager.init_app(app)
        manager.login_view = "lms.auth.sign_in"
        manager.login_message = "Please sign in to see that page."
        manager.login_message_category = "info"
        manager.user_loader(auth_operations.load_login_session)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite leaves foreign keys off unless asked; WAL lets readers run beside a
    # writer, and the busy timeout makes writers queue instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
