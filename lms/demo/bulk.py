"""Loading generated rows fast: PostgreSQL ``COPY`` through psycopg, SQLite ``executemany``.

The rows skip the ORM (a million audit events through it would take many
minutes): each is a dict of column values, the table's Python-side defaults
filled in once per table (the COPY and the defaults are :mod:`lms.bulk`'s).
Identifiers are given by the generator, so PostgreSQL's sequences are moved
past them afterwards (:func:`advance_sequences`), or the next row the
application inserts would collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from ..bulk import copy_rows, python_defaults
from ..models import Base

#: SQLite's statements per ``executemany`` batch (memory, not speed, is the limit).
_BATCH = 50_000


def load(conn: Connection, table_name: str, rows) -> int:
    """Insert ``rows`` into one table; returns how many.

    ``rows`` is a list of dicts with the same keys, or ``(columns, tuples)``
    with every value ready for the driver (JSON as text, instants aware): the
    lean form for the million audit events.
    """
    if isinstance(rows, tuple):
        return _load_tuples(conn, table_name, *rows)
    if not rows:
        return 0
    table = Base.metadata.tables[table_name]
    filled = python_defaults(table, rows[0].keys())
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table, rows, filled)
        return len(rows)
    for offset in range(0, len(rows), _BATCH):
        batch = rows[offset : offset + _BATCH]
        if filled:
            batch = [{**row, **filled} for row in batch]
        conn.execute(table.insert(), batch)
    return len(rows)


def _load_tuples(conn: Connection, table_name: str, columns: Sequence[str], rows) -> int:
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table_name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    # SQLite keeps instants as naive UTC text (see lms.models.base.UTCDateTime).
    marks = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table_name} ({names}) VALUES ({marks})"  # noqa: S608 - our names
    for offset in range(0, len(rows), _BATCH):
        conn.exec_driver_sql(
            statement,
            [tuple(_sqlite_value(v) for v in row) for row in rows[offset : offset + _BATCH]],
        )
    return len(rows)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def advance_sequences(conn: Connection) -> None:
    """Move every LMS table's id sequence past the largest id (PostgreSQL only)."""
    if conn.dialect.name != "postgresql":
        return
    for table in Base.metadata.sorted_tables:
        if "id" not in table.columns or not table.columns["id"].primary_key:
            continue
        statement = (
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"  # noqa: S608
            f" COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
        )
        conn.execute(text(statement))


def analyze(engine) -> None:
    """Fresh planner statistics after a bulk load."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
