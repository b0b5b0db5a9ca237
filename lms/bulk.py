"""Writing many rows at once inside the session's transaction: ids reserved, rows inserted.

An import writes a hundred thousand rows. ``INSERT ... RETURNING`` in batches
makes the driver build and parse statements of thousands of parameters, and
linking rows to rows inserted with them costs an ``UPDATE`` per row. Instead,
the ids are reserved first, so rows can name each other before they are
written, and the rows go in one stream: PostgreSQL's ``COPY`` (psycopg's
``cursor.copy``), elsewhere the driver's ``executemany``. Nothing commits: the
caller's transaction holds it all, or rolls it all back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .core import db_session


def reserve_ids(table: Table, count: int) -> list[int]:
    """``count`` ids for new rows of ``table`` (its integer key ``id``), in increasing order.

    PostgreSQL draws them from the column's sequence, so other writers never
    get them. SQLite numbers new rows after the highest id: the database's
    write lock is taken first (a no-op UPDATE), so no other writer can take
    one of them before this transaction ends.
    """
    if count <= 0:
        return []
    session = db_session()
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        drawn = session.scalar(  # one array, not a row per id
            select(func.array_agg(func.nextval(sequence))).select_from(
                func.generate_series(1, count)
            )
        )
        return sorted(drawn)
    session.execute(update(table).where(table.c.id == -1).values(id=table.c.id))
    highest = session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(highest + 1, highest + 1 + count))


def bulk_insert(table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction.

    Columns left out get their Python-side default, computed once for all rows
    (one instant for ``created_at``; a default that reads the statement's
    context is not supported), or their server default. Rows go in the
    order given, so a row may refer to one before it. A constraint violated
    raises SQLAlchemy's ``IntegrityError``, as an ``INSERT`` would.
    """
    if not rows:
        return
    session = db_session()
    session.flush()  # pending ORM rows first: these may refer to them
    defaults = python_defaults(table, rows[0])
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), [{**row, **defaults} for row in rows])
        return
    copy_rows(connection, table, rows, defaults)


def python_defaults(table: Table, given: Iterable[str]) -> dict[str, Any]:
    """The Python-side defaults of the columns ``given`` does not name, computed once.

    A callable default is called once for all rows (one instant for ``created_at``),
    so a unique column's must be given in every row.
    """
    values = {}
    for column in table.columns:
        default = column.default
        if column.name in given or column.primary_key or default is None:
            continue
        if default.is_scalar:
            values[column.name] = default.arg
        elif default.is_callable:
            if column.unique:
                raise ValueError(f"{table.name}.{column.name} is unique: give it in every row")
            values[column.name] = default.arg(None)
    return values


def copy_rows(connection: Connection, table: Table, rows, constants: dict[str, Any]) -> None:
    """``COPY table FROM STDIN``: each row's values, then the ``constants`` (the same for all)."""
    dialect = connection.dialect

    def processor(name: str):
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    steps = [(name, processor(name)) for name in rows[0]]
    fixed = []
    for name, value in constants.items():
        process = processor(name)
        fixed.append(process(value) if process else value)
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(name) for name in [*rows[0], *constants])
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    try:
        cursor = connection.connection.dbapi_connection.cursor()
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [process(row[n]) if process else row[n] for n, process in steps]
                copy.write_row(values + fixed)
    except dialect.loaded_dbapi.Error as error:  # as SQLAlchemy would raise it for an INSERT
        raise DBAPIError.instance(statement, None, error, dialect.loaded_dbapi.Error) from error
