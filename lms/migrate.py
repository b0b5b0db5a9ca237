"""Schema migrations of the LMS tables (Alembic), apart from the host's own.

The LMS keeps its revision in ``lms_alembic_version`` and only looks at
``lms_*`` tables, so a host's migrations can manage the same database.
"""

from __future__ import annotations

from contextlib import contextmanager

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine

from .models import Base
from .resources import migrations_dir

VERSION_TABLE = "lms_alembic_version"
TABLE_PREFIX = "lms_"


class SchemaError(RuntimeError):
    """The database schema cannot be brought to or used at the expected revision."""


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter: only the LMS's own tables."""
    if type_ == "table":
        return bool(name) and name.startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("version_table", VERSION_TABLE)
    return cfg


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    return script_directory().get_current_head()


@contextmanager
def _bound(engine: Engine):
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        yield cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def check_revision_known(engine: Engine) -> str | None:
    """The database's revision; SchemaError if this LMS does not know it."""
    revision = current_revision(engine)
    if revision is None:
        return None
    try:
        script_directory().get_revision(revision)
    except CommandError:
        raise SchemaError(
            f"the database is at LMS schema revision {revision!r}, which this version of "
            f"the LMS does not know (newest known: {head_revision()!r}). Upgrade the LMS "
            "package, or restore a database made by this version."
        ) from None
    return revision


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the LMS tables to ``revision`` (default: the newest)."""
    check_revision_known(engine)
    with _bound(engine) as cfg:
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    check_revision_known(engine)
    with _bound(engine) as cfg:
        command.downgrade(cfg, revision)


def differences(engine: Engine) -> list:
    """What the models declare that the database (at head) lacks, or vice versa."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": VERSION_TABLE,
                "include_name": include_name,
                "compare_type": True,
                "render_as_batch": True,
            },
        )
        return compare_metadata(context, Base.metadata)


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()
