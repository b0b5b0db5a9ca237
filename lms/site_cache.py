"""What every page reads and an admin rarely changes, kept per process.

The department's name heads every page, and how each track is earned and renewed
fills the officer's pages; read on every request they cost a statement each, about
a tenth of an officer's page. Each process keeps them under the token of
``lms_catalog_stamp`` (:class:`lms.models.CatalogStamp`), which database triggers
make anew whenever a row behind them changes (migration 0017), by any writer: every
process sees an admin's change on its next request, as before.

The token is read once per transaction, with its first cached read (a statement of
one column and one row), and read again after the transaction sends anything but a
SELECT (it may have fired a trigger), after a commit, a rollback or a savepoint's
rollback. A session holding changes not flushed yet reads around the cache: they
have not reached the triggers. Only immutable facts are kept (strings, tuples,
frozen dataclasses), never ORM objects, which belong to one session.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary, WeakSet

from sqlalchemy import Engine, Select, event, select
from sqlalchemy.orm import Session

from .models import CatalogStamp

T = TypeVar("T")

#: In a connection's ``info``: the token its transaction read.
_READ = "lms_catalog_stamp_read"


@dataclass
class _Entry:
    token: int
    values: dict[Hashable, Any] = field(default_factory=dict)


_entries: WeakKeyDictionary[Engine, _Entry] = WeakKeyDictionary()
_watched: WeakSet[Engine] = WeakSet()


def _forget_token(conn, *_args) -> None:
    conn.info.pop(_READ, None)


def _forget_token_on_write(conn, cursor, statement, parameters, context, executemany) -> None:
    if statement[:6].upper() != "SELECT":  # a write may have fired a trigger
        conn.info.pop(_READ, None)


def _watch(engine: Engine) -> None:
    if engine in _watched:
        return
    event.listen(engine, "before_cursor_execute", _forget_token_on_write)
    for name in ("commit", "rollback", "rollback_savepoint"):
        event.listen(engine, name, _forget_token)
    _watched.add(engine)


@cache
def _token_statement() -> Select:
    return select(CatalogStamp.token).where(CatalogStamp.id == 1)


def remember(session: Session, key: Hashable, build: Callable[[], T]) -> T:
    """``key``'s value as of the catalog's current token: built by ``build()`` (reading
    through ``session``) the first time this process needs it under that token.

    ``build`` must return an immutable value read only from rows the stamp's triggers
    watch (``SOURCES`` of migration 0017).
    """
    if session.new or session.dirty or session.deleted:
        return build()
    connection = session.connection()
    engine = connection.engine
    _watch(engine)
    token = connection.info.get(_READ)
    if token is None:
        token = connection.execute(_token_statement()).scalar()
        if token is None:  # a database whose stamp row was deleted: nothing is kept
            return build()
        connection.info[_READ] = token
    entry = _entries.get(engine)
    if entry is None or entry.token != token:
        entry = _entries[engine] = _Entry(token)
    try:
        return entry.values[key]
    except KeyError:
        value = entry.values[key] = build()
        return value
