"""The standalone app's database pool: bounded per process, checked, overridable."""

from __future__ import annotations

import pytest
from sqlalchemy import exc

from lms.app import create_app, db
from lms.config import ConfigError


def pool_of(app):
    with app.app_context():
        return db.engine.pool


def test_each_process_keeps_a_bounded_pinged_recycled_pool(app):
    pool = db.engine.pool
    assert (pool.size(), pool._max_overflow, pool.timeout()) == (5, 5, 10)
    assert pool._pre_ping is True and pool._recycle == 1800


def test_a_process_never_opens_more_than_pool_plus_overflow(app_config):
    app = create_app(
        {**app_config, "LMS_DB_POOL_SIZE": 1, "LMS_DB_MAX_OVERFLOW": 1, "LMS_DB_POOL_TIMEOUT": 1}
    )
    with app.app_context():
        first, second = db.engine.connect(), db.engine.connect()
        with pytest.raises(exc.TimeoutError, match="QueuePool limit of size 1 overflow 1"):
            db.engine.connect()
        first.close()
        db.engine.connect().close()  # a returned connection serves the next request
        second.close()
        db.engine.dispose()


def test_the_environment_sets_the_pool(app_config, monkeypatch):
    monkeypatch.setenv("LMS_DB_POOL_SIZE", "2")
    monkeypatch.setenv("LMS_DB_POOL_RECYCLE", "300")
    pool = pool_of(create_app(app_config))
    assert (pool.size(), pool._recycle) == (2, 300)


@pytest.mark.parametrize(
    ("key", "value"),
    [("LMS_DB_POOL_SIZE", 0), ("LMS_DB_MAX_OVERFLOW", -1), ("LMS_DB_POOL_RECYCLE", "soon")],
)
def test_a_bad_pool_setting_stops_the_app_naming_the_key(app_config, key, value):
    with pytest.raises(ConfigError, match=f"^{key} must be an integer"):
        create_app({**app_config, key: value})


def test_engine_options_the_host_gives_are_kept(app_config):
    pool = pool_of(create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 3}}))
    assert pool.size() == 3 and pool._pre_ping is False


def test_an_in_memory_database_keeps_its_single_connection():
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert type(pool_of(app)).__name__ == "StaticPool"


def test_prepared_statements_can_be_turned_off_for_pgbouncer(app_config):
    engine_options = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db.example.test/lms",
            "LMS_DB_PREPARED_STATEMENTS": False,
        }
    ).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert engine_options["connect_args"] == {"prepare_threshold": None}
    default = create_app(
        {**app_config, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db.example.test/lms"}
    ).config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert "connect_args" not in default  # psycopg's own: prepared after 5 uses


def test_a_bad_prepared_statements_setting_stops_the_app_naming_the_key(app_config):
    with pytest.raises(ConfigError, match="^LMS_DB_PREPARED_STATEMENTS must be true or false"):
        create_app({**app_config, "LMS_DB_PREPARED_STATEMENTS": "sometimes"})
