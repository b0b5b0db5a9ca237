"""The LMS Flask extension."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event

from . import boundary, builtins, config, web
from .audit_trail.blueprint import bp as audit_trail_bp
from .auth import hosted
from .auth import operations as auth_operations
from .auth import views as auth_views
from .auth.blueprint import bp as auth_bp
from .calendar.blueprint import bp as calendar_bp
from .catalog.blueprint import bp as catalog_bp
from .cli import lms_cli
from .compliance.blueprint import bp as compliance_bp
from .core import LMSState
from .credentials.blueprint import bp as credentials_bp
from .credentials.printing import check_installed_layouts
from .dashboard.blueprint import bp as dashboard_bp
from .enrollment.blueprint import bp as enrollment_bp
from .imports.blueprint import bp as imports_bp
from .mail.blueprint import bp as mail_bp
from .mail.blueprint import preferences_bp as mail_preferences_bp
from .models import Person
from .organizations.blueprint import bp as organizations_bp
from .people.blueprint import bp as people_bp
from .plugins import Registries
from .programs.blueprint import bp as programs_bp
from .ratelimit import make_limiter
from .rosters.blueprint import bp as rosters_bp
from .scheduling.blueprint import bp as scheduling_bp
from .status.blueprint import bp as status_bp
from .transcripts.blueprint import bp as transcripts_bp

#: Maps the host's signed-in user (Flask-Login's ``current_user``) to an LMS person.
PersonForUser = Callable[[Any], Person | None]

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
    transcripts_bp,
    imports_bp,
    organizations_bp,
    programs_bp,
    audit_trail_bp,
    mail_bp,
    mail_preferences_bp,
)


class LMS:
    """The training-and-certification extension.

    ::

        db = SQLAlchemy()
        lms = LMS(db)
        lms.init_app(app, url_prefix="/training")

    The extension never stores the app; per-app state lives in
    ``app.extensions["lms"]`` (see :class:`lms.core.LMSState`).

    A host that signs its users in with its own Flask-Login ``LoginManager`` passes
    ``person_for_user``: a callable taking the host's ``current_user`` and returning
    the LMS :class:`~lms.models.Person` it is (or ``None``). The LMS then keeps the
    host's user loader and sign-in page and runs no sign-in of its own. Without a
    ``LoginManager`` on the app, the LMS installs its own (as the standalone app does).
    """

    def __init__(
        self,
        db: SQLAlchemy,
        app: Flask | None = None,
        *,
        person_for_user: PersonForUser | None = None,
        **options: Any,
    ):
        self.db = db
        self.person_for_user = person_for_user
        if app is not None:
            self.init_app(app, **options)

    def init_app(
        self,
        app: Flask,
        url_prefix: str = "/training",
        *,
        person_for_user: PersonForUser | None = None,
    ) -> None:
        """Mount the LMS on ``app`` under ``url_prefix``; a second call is an error.

        ``person_for_user`` (here or given to the constructor) is required when the app
        already has a Flask-Login ``LoginManager``: see :class:`LMS`.
        """
        if "lms" in app.extensions:
            raise RuntimeError("the LMS extension is already registered on this app")
        if "sqlalchemy" not in app.extensions:
            raise RuntimeError("initialise Flask-SQLAlchemy (db.init_app) before the LMS")
        person_for_user = person_for_user or self.person_for_user
        host_login = getattr(app, "login_manager", None)
        if host_login is not None and person_for_user is None:
            raise RuntimeError(
                "this app already has a Flask-Login LoginManager; the LMS will not replace "
                "its user loader. Pass person_for_user, a function from your signed-in user "
                "to the LMS Person it is (or None): "
                "LMS(db, person_for_user=...) or lms.init_app(app, person_for_user=...)"
            )
        url_prefix = "/" + url_prefix.strip("/") if url_prefix.strip("/") else ""

        config.apply_defaults(app.config)
        config.validate(app.config)
        self._apply_csrf_defaults(app)

        registries = Registries()
        builtins.register(registries)
        state = LMSState(db=self.db, url_prefix=url_prefix, registries=registries)
        state.extras["rate_limiter"] = make_limiter(
            app.config["LMS_REDIS_URL"], app.config["LMS_REDIS_PREFIX"]
        )
        if app.config["LMS_LOAD_PLUGINS"]:
            state.loaded_plugins = registries.load_entry_points()
        config.validate_layouts(app.config, registries.transcript_layouts)
        # A certificate layout that cannot print stops the start, naming itself and why.
        check_installed_layouts(registries.certificate_layouts)
        state.extras["person_for_user"] = person_for_user
        app.extensions["lms"] = state

        # Ids and text in URLs pass the input boundary before any view sees them.
        for name, converter in boundary.CONVERTERS.items():
            app.url_map.converters.setdefault(name, converter)
        parent = web.make_blueprint()
        if host_login is None:
            self._init_own_login(app)
        else:
            hosted.defer_sign_in_to_host(parent)
        if app.config["LMS_SQLITE_PRAGMAS"]:
            with app.app_context():
                for engine in self.db.engines.values():
                    if engine.dialect.name == "sqlite":
                        event.listen(engine, "connect", _sqlite_pragmas)
        for feature in FEATURE_BLUEPRINTS:
            parent.register_blueprint(feature)
        app.register_blueprint(parent, url_prefix=url_prefix or None)
        web.secure_unrouted_answers(app, url_prefix)
        web.declare_static_access(app)
        web.check_every_route_declares_access(app)
        app.cli.add_command(lms_cli)

    @staticmethod
    def _apply_csrf_defaults(app: Flask) -> None:
        # Flask-WTF's CSRF options, defaulted as CSRFProtect.init_app would, without its
        # app-wide hook: the LMS protects its own blueprint (see lms.web). Cookie and
        # session settings are the host's (the standalone app sets its own: lms.app).
        cfg = app.config
        cfg.setdefault("WTF_CSRF_ENABLED", True)
        cfg.setdefault("WTF_CSRF_METHODS", {"POST", "PUT", "PATCH", "DELETE"})
        cfg.setdefault("WTF_CSRF_FIELD_NAME", "csrf_token")
        cfg.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
        cfg.setdefault("WTF_CSRF_TIME_LIMIT", 3600)
        cfg.setdefault("WTF_CSRF_SSL_STRICT", True)

    @staticmethod
    def _init_own_login(app: Flask) -> None:
        manager = LoginManager()
        manager.init_app(app)
        manager.login_view = "lms.auth.sign_in"
        manager.login_message = "Please sign in to see that page."
        manager.login_message_category = "info"
        manager.user_loader(auth_operations.load_login_session)
        manager.unauthorized_handler(auth_views.sign_in_first)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # SQLite leaves foreign keys off unless asked; WAL lets readers run beside a
    # writer, and the busy timeout makes writers queue instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
