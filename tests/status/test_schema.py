"""The records-and-status migration (0003) matches the models, both ways."""

from sqlalchemy import create_engine, inspect

from lms import migrate
from lms.app import db


def test_models_and_migrations_agree(app):
    assert migrate.differences(db.engine) == []


def test_revision_0003_downgrades_and_upgrades_cleanly(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    migrate.upgrade(engine)
    migrate.downgrade(engine, "0002")
    columns = {c["name"] for c in inspect(engine).get_columns("lms_completion")}
    assert "revoked_at" not in columns and "completed_on" in columns
    migrate.upgrade(engine)
    assert migrate.differences(engine) == []
    engine.dispose()
