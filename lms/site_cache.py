"""What every page reads and an admin rarely changes, kept per process; and the
compliance report, kept until anyone's standing changes.

The department's name heads every page, and how each track is earned and renewed
fills the officer's pages; read on every request they cost a statement each, about
a tenth of an officer's page. Each process keeps them under the token of
``lms_catalog_stamp`` (:class:`lms.models.CatalogStamp`), which database triggers
make anew whenever a row behind them changes (migration 0017), by any writer: every
process sees an admin's change on its next request, as before. The compliance
report's counts and pages (a department's every cycle aggregated) are kept the same
way under the catalog's token and the *standing* stamp (migration 0020).

The tokens are read once per transaction, with its first cached read (a statement
of one column, a row per stamp), and read again after the transaction sends anything
that may write (:func:`writes`: it may have fired a trigger), after a commit, a
rollback or a savepoint's rollback; every engine is followed from its first
statement. A session holding changes not flushed yet reads around the cache: they
have not reached the triggers. So does a transaction that has written anything,
for what is kept under the standing stamp: on PostgreSQL its trigger runs at commit.
Only immutable facts are kept (strings, tuples, frozen dataclasses), never ORM
objects, which belong to one session; at most :data:`KEPT` values per set of
tokens, the oldest given up first.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Select, event, select
from sqlalchemy.orm import Session

from .models import CatalogStamp
from .models.stamps import CATALOG, STANDING

T = TypeVar("T")

#: In a connection's ``info``: the tokens its transaction read (stamp id -> token).
_READ = "lms_catalog_stamp_read"
#: In a connection's ``info``: its transaction has sent something other than a SELECT.
_WROTE = "lms_catalog_stamp_wrote"
#: Values kept per set of tokens (a report per filter asked for, say).
KEPT = 256
#: Stamps whose trigger runs at commit (on PostgreSQL): a writer reads around them.
_AT_COMMIT = frozenset({STANDING})
#: What anyone's certification standing depends on: the catalog (how tracks are earned,
#: hence who must hold them) and the standing stamp (cycles, required roles, tracks,
#: people's listed details).
STANDING_STAMPS = (CATALOG, STANDING)


@dataclass
class _Entry:
    tokens: tuple[int, ...]
    values: dict[Hashable, Any] = field(default_factory=dict)


_entries: WeakKeyDictionary[Engine, dict[tuple[int, ...], _Entry]] = WeakKeyDictionary()
_lock = threading.Lock()


def _forget_token(conn, *_args) -> None:
    conn.info.pop(_READ, None)


def _forget_transaction(conn, *_args) -> None:
    conn.info.pop(_READ, None)
    conn.info.pop(_WROTE, None)


_WRITES = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def writes(statement: str) -> bool:
    """Whether ``statement`` may change rows (and so fire a trigger): not a plain SELECT,
    nor a WITH whose parts are all SELECTs (``FOR UPDATE`` only locks)."""
    head = statement[:6].upper()
    if head == "SELECT":
        return False
    if head[:4] == "WITH":
        return _WRITES.search(statement.replace("FOR UPDATE", "")) is not None
    return True


def _forget_token_on_write(conn, cursor, statement, parameters, context, executemany) -> None:
    if writes(statement):  # it may have fired a trigger
        conn.info.pop(_READ, None)
        conn.info[_WROTE] = True


# Every engine, from its first statement: a value kept under the standing stamp must
# know whether the transaction under way has written, even in a process's first one.
event.listen(Engine, "before_cursor_execute", _forget_token_on_write)
for _name in ("commit", "rollback"):
    event.listen(Engine, _name, _forget_transaction)
event.listen(Engine, "rollback_savepoint", _forget_token)


def forget() -> None:
    """Give up everything this process keeps (benchmarks time the work itself with it)."""
    with _lock:
        _entries.clear()


@cache
def _token_statement() -> Select:
    return select(CatalogStamp.id, CatalogStamp.token)


def remember(
    session: Session,
    key: Hashable,
    build: Callable[[], T],
    stamps: tuple[int, ...] = (CATALOG,),
) -> T:
    """``key``'s value as of the current tokens of ``stamps``: built by ``build()``
    (reading through ``session``) the first time this process needs it under them.

    ``build`` must return an immutable value read only from rows the stamps' triggers
    watch (``SOURCES`` of migrations 0017 and 0020).
    """
    if session.new or session.dirty or session.deleted:
        return build()
    connection = session.connection()
    engine = connection.engine
    if connection.info.get(_WROTE) and _AT_COMMIT.intersection(stamps):
        return build()  # this transaction's writes have not made a token yet
    read = connection.info.get(_READ)
    if read is None:
        read = connection.info[_READ] = dict(connection.execute(_token_statement()).all())
    tokens = tuple(read.get(stamp) for stamp in stamps)
    if None in tokens:  # a database whose stamp row was deleted: nothing is kept
        return build()
    kept = _entries.get(engine)
    if kept is None:
        kept = _entries[engine] = {}
    entry = kept.get(stamps)
    if entry is None or entry.tokens != tokens:
        entry = kept[stamps] = _Entry(tokens)
    try:
        return entry.values[key]
    except KeyError:
        pass
    value = build()
    with _lock:  # a worker's threads share what it keeps
        if len(entry.values) >= KEPT:
            del entry.values[next(iter(entry.values))]
        entry.values[key] = value
    return value
