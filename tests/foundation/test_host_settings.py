"""Mounted in a host, the LMS changes none of the host's settings or connections.

The standalone app (lms.app), which owns its cookies and its database, sets its own.
"""

import sqlite3

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

from lms import LMS
from lms.app import create_app


def test_init_app_changes_no_host_setting(tmp_path):
    db = SQLAlchemy()
    app = Flask("host")
    app.config.update(
        SECRET_KEY="x",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/host.db",
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_HTTPONLY=False,  # the host's own choice, however unwise
        SESSION_COOKIE_NAME="county_session",
        WTF_CSRF_METHODS=["POST"],
        LMS_SECURE_COOKIES=True,
    )
    db.init_app(app)
    before = dict(app.config)
    LMS(db).init_app(app)
    changed = {key for key in before if app.config[key] != before[key]}
    assert changed == set()
    assert type(app.config["WTF_CSRF_METHODS"]) is list
    added = set(app.config) - set(before)
    assert added and all(key.startswith(("LMS_", "WTF_CSRF_")) for key in added), added


def test_the_standalone_app_sets_its_own_cookie_defaults(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/lms.db"})
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.config["SESSION_COOKIE_SECURE"]


def sqlite_settings(db) -> dict:
    """What a fresh connection of ``db``'s engine reports."""
    with db.engine.connect() as connection:
        return {
            name: connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }


def test_a_sqlite_host_keeps_its_connection_settings(tmp_path):
    path = tmp_path / "host.db"
    sqlite3.connect(path).close()
    db = SQLAlchemy()
    app = Flask("host")
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    db.init_app(app)
    with app.app_context():
        before = sqlite_settings(db)
        db.engine.dispose()
    LMS(db).init_app(app)
    with app.app_context():
        assert sqlite_settings(db) == before
        assert before["journal_mode"] != "wal" and before["foreign_keys"] == 0
        db.engine.dispose()


def test_a_sqlite_host_may_opt_in_to_the_lms_pragmas(tmp_path):
    db = SQLAlchemy()
    app = Flask("host")
    app.config.update(
        SECRET_KEY="x",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/host.db",
        LMS_SQLITE_PRAGMAS=True,
    )
    db.init_app(app)
    LMS(db).init_app(app)
    with app.app_context():
        assert sqlite_settings(db) == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 30000,
        }
        db.engine.dispose()


def test_the_standalone_app_owns_its_sqlite_database_and_tunes_it(tmp_path):
    from lms.app import db

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/s.db"})
    with app.app_context():
        assert sqlite_settings(db) == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 30000,
        }
        db.engine.dispose()
