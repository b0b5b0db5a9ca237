"""The LMS schema comes from its migrations, on SQLite and PostgreSQL alike."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from lms import migrate
from lms.models import AuditEvent


@pytest.fixture
def empty_engine(database_url):
    """A database of each backend with the LMS tables removed (migrated back to base)."""
    engine = create_engine(database_url)
    migrate.downgrade(engine, "base")
    yield engine
    migrate.upgrade(engine)  # leave it as the other tests expect
    engine.dispose()


def lms_tables(engine):
    names = inspect(engine).get_table_names()
    return {t for t in names if t.startswith("lms_") and t != migrate.VERSION_TABLE}


def test_upgrade_from_empty_creates_every_table_and_check_finds_no_difference(empty_engine):
    assert lms_tables(empty_engine) == set()
    migrate.upgrade(empty_engine)
    assert lms_tables(empty_engine) == set(migrate.Base.metadata.tables)
    assert migrate.current_revision(empty_engine) == migrate.head_revision()
    assert migrate.differences(empty_engine) == []


def test_downgrade_to_base_and_upgrade_again(empty_engine):
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine, "base")
    assert lms_tables(empty_engine) == set()
    migrate.upgrade(empty_engine)
    assert migrate.differences(empty_engine) == []


def test_every_revision_has_a_downgrade():
    for script in migrate.script_directory().walk_revisions():
        source = Path(script.path).read_text(encoding="utf-8")
        assert "def downgrade()" in source, script.path


def test_lms_keeps_its_own_version_table(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    names = inspect(engine).get_table_names()
    assert migrate.VERSION_TABLE in names
    assert "alembic_version" not in names  # left free for the host's own migrations
    engine.dispose()


def test_unknown_revision_is_a_clear_cli_error(app, runner):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = 'ffff9999'"))
    result = runner.invoke(args=["lms", "db", "upgrade"])
    assert result.exit_code != 0
    assert "'ffff9999'" in result.output
    assert "does not know" in result.output
    assert "Traceback" not in result.output
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = :head"),
            {"head": migrate.head_revision()},
        )
    engine.dispose()


def test_db_check_and_current_commands(runner):
    result = runner.invoke(args=["lms", "db", "check"])
    assert result.exit_code == 0, result.output
    assert "models and migrations agree" in result.output
    result = runner.invoke(args=["lms", "db", "current"])
    assert migrate.head_revision() in result.output and "up to date" in result.output


def test_audit_log_refuses_update_and_delete_in_the_database(app, make):
    from lms.core import audit, db_session

    audit("test.event", object_type="system", details={"n": 1})
    db_session().commit()
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    for statement in (
        "UPDATE lms_audit_event SET action = 'forged'",
        "DELETE FROM lms_audit_event",
    ):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM lms_audit_event")).scalars().all() == [
            "test.event"
        ]
    engine.dispose()
    event = db_session().query(AuditEvent).one()
    event.action = "changed"
    with pytest.raises(Exception, match="append-only"):
        db_session().commit()
    db_session().rollback()
