"""Copying a whole database out and back in, for each backend.

- SQLite: the online backup API (:meth:`sqlite3.Connection.backup`), a
  consistent copy taken while the app keeps serving (in WAL mode readers never
  block writers), and the same API to write a copy back.
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --single-transaction``
  (all or nothing). The password goes to the tools in ``PGPASSWORD``, never on
  a command line other users could read.

The standalone app owns its database, so the whole database is copied,
including the trigger functions the LMS tables rely on.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect, make_url, select, table, text

from .. import migrate
from .archive import BackupError

#: Where Debian and Ubuntu install the PostgreSQL client tools besides PATH.
PG_TOOL_FOLDERS = "/usr/lib/postgresql/*/bin"


def backend_of(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"the SQLite database {database!r} is not a file that can be copied")
    return Path(database)


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client tool (``pg_dump``, ``pg_restore``)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"{PG_TOOL_FOLDERS}/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if candidates:
        return candidates[-1]
    raise BackupError(
        f"{name} was not found on PATH or in {PG_TOOL_FOLDERS}: install the PostgreSQL "
        "client tools (e.g. apt install postgresql-client) of the server's version or newer"
    )


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own argument list
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise BackupError(f"{what} failed: {detail}")


def dump(engine: Engine, destination: Path) -> str:
    """Copy the database to ``destination``; return the LMS schema revision it holds."""
    if backend_of(engine) == "sqlite":
        source = sqlite_path(engine)
        if not source.is_file():
            raise BackupError(f"the SQLite database {source} does not exist")
        with (
            sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as live,
            sqlite3.connect(destination) as copy,
        ):
            live.backup(copy)  # all pages in one step: one consistent snapshot
        live.close()
        copy.close()
        revision = _sqlite_revision(destination)
    else:
        revision = migrate.current_revision(engine)
        url, env = _libpq(engine)
        _run(
            [pg_tool("pg_dump"), "--format=custom", f"--file={destination}", f"--dbname={url}"],
            env,
            "pg_dump",
        )
    if revision is None:
        raise BackupError("the database holds no LMS tables (run flask lms db upgrade first)")
    return revision


def _sqlite_revision(path: Path) -> str | None:
    with sqlite3.connect(path) as copy:
        try:
            query = f"SELECT version_num FROM {migrate.VERSION_TABLE}"  # noqa: S608 - a constant
            row = copy.execute(query).fetchone()
        except sqlite3.OperationalError:
            row = None
    copy.close()
    return row[0] if row else None


def tables_with_rows(engine: Engine) -> list[str]:
    """The LMS tables of the database that hold rows (empty: safe to restore into)."""
    if engine.dialect.name == "sqlite" and not sqlite_path(engine).exists():
        return []
    with engine.connect() as connection:
        names = [
            name
            for name in inspect(connection).get_table_names()
            if name.startswith(migrate.TABLE_PREFIX) and name != migrate.VERSION_TABLE
        ]
        return [
            name
            for name in sorted(names)
            if connection.execute(select(text("1")).select_from(table(name)).limit(1)).first()
        ]


def load(engine: Engine, source: Path) -> None:
    """Replace the database's contents with the copy at ``source``, all or nothing."""
    engine.dispose()  # no pooled connection may hold the old contents
    if backend_of(engine) == "sqlite":
        target = sqlite_path(engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(source) as copy, sqlite3.connect(target, timeout=30) as live:
            copy.backup(live)
        copy.close()
        live.close()
    else:
        url, env = _libpq(engine)
        _run(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={url}",
                str(source),
            ],
            env,
            "pg_restore",
        )
    engine.dispose()
