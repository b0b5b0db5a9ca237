"""Access to the running extension's state, and helpers every feature shares."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context, has_request_context, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, Select, event, func, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction

from . import site_cache
from .models import AuditEvent, Organization, OrganizationKind, Person
from .plugins import Registries

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy


@dataclass
class LMSState:
    """What ``app.extensions["lms"]`` holds for one app."""

    db: SQLAlchemy
    url_prefix: str
    registries: Registries
    loaded_plugins: list[str] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)


def state() -> LMSState:
    """The LMS state of the current app."""
    try:
        return current_app.extensions["lms"]
    except KeyError:
        raise RuntimeError("the LMS extension is not registered on this app") from None


def db_session() -> OrmSession:
    """The host's Flask-SQLAlchemy session, which also serves the LMS tables."""
    return state().db.session


def read(statement, params: dict | None = None):
    """Rows of a Core statement of columns, on the session's connection.

    The busiest pages read columns, not objects; sent past the ORM's execution
    step, each statement costs about a quarter of a million instructions less
    (``benchmarks/page_instructions.py``). Pending changes are flushed first,
    as the session's own ``execute`` would (autoflush), so a read sees the
    request's writes; a flush with nothing pending returns at once.
    """
    session = db_session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params or {})


def commit_keeping_values() -> None:
    """Commit, and keep what the request loaded as it was written instead of expiring it.

    For an answer page built from the rows the transaction has just decided (a
    registration's session, course and meetings): a plain commit expires them all,
    and the page would read them again, a statement each, after the decision.
    """
    session = db_session()()  # the request's own session behind the scoped registry
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


#: ``lms.locks`` logs, at DEBUG, how long each row lock of :func:`lock_row` was waited
#: for and held (until its transaction ended), and the CPU time the holding thread spent
#: meanwhile (the part a busy machine does not inflate): the seat decision's cost.
lock_log = logging.getLogger("lms.locks")


def lock_row(model: type, ident: int, options: Sequence = ()):
    """Load one row holding a write lock until the transaction ends.

    Writers that must not interleave (seat counting, issuing) lock the same row
    first. PostgreSQL: the row's ``SELECT ... FOR UPDATE OF`` its table. SQLite locks the whole
    database for writing; a no-op UPDATE takes that lock (waiting up to the
    busy timeout) before anything is read. Everything between this call and the
    commit is done with the lock held: do the work that does not need it first;
    ``options`` (loader options for the row's reload) leave out of it what the
    locked work does not read.
    """
    session = db_session()
    if session.get_bind().dialect.name == "sqlite":
        _lock_sqlite(model, ident)
        # The row as it is now that nobody else may write.
        return session.get(model, ident, populate_existing=True, options=options)
    asked = time.perf_counter()
    # One round trip: the lock and the row as it is now that nobody else may change it;
    # only this table's row is locked, not those of a joined eager load.
    row = session.get(
        model, ident, populate_existing=True, options=options, with_for_update={"of": model}
    )
    _log_taken(model, ident, asked)
    return row


def _lock_sqlite(model: type, ident: int) -> None:
    asked = time.perf_counter()
    db_session().execute(update(model).where(model.id == ident).values(id=model.id))
    _log_taken(model, ident, asked)


def _log_taken(model: type, ident: int, asked: float) -> None:
    if lock_log.isEnabledFor(logging.DEBUG):
        held = db_session().info.setdefault("lms_row_locks", [])
        held.append((model.__tablename__, ident, asked, time.perf_counter(), time.thread_time()))


def lock_before_writing(model: type, ident: int) -> None:
    """On SQLite, take :func:`lock_row`'s lock now, before this transaction's first write.

    An operation that writes (a new person, say) before the decision that needs the
    lock calls this first. SQLite cannot turn a reading transaction into a writing
    one while another writes: it fails at once instead of waiting. PostgreSQL locks
    one row, so there the lock is taken where the decision is, as late as possible.
    """
    if db_session().get_bind().dialect.name == "sqlite":
        _lock_sqlite(model, ident)  # the row is read again where the decision is


@event.listens_for(OrmSession, "after_transaction_end")
def _log_released_locks(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is not None or "lms_row_locks" not in session.info:
        return  # a savepoint or a nested transaction ended: the locks are still held
    released, cpu = time.perf_counter(), time.thread_time()
    for table, ident, asked, taken, cpu_taken in session.info.pop("lms_row_locks"):
        lock_log.debug(
            "row lock %s %s: waited %.2f ms, held %.2f ms (%.2f ms of this thread's CPU)",
            table,
            ident,
            (taken - asked) * 1000,
            (released - taken) * 1000,
            (cpu - cpu_taken) * 1000,
        )


class NoPublicAddress(RuntimeError):
    """An absolute link is needed outside a request and no public address is configured."""


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute address of an LMS page, for a link read outside this site (a message).

    Under ``LMS_PUBLIC_URL`` when set, whatever Host header the request claimed
    (a reset link built from a forged one would send its token to another site);
    else this request's host.
    """
    public = current_app.config.get("LMS_PUBLIC_URL")
    if public:
        parts = urlsplit(str(public).rstrip("/"))
        adapter = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
        )
        return adapter.build(endpoint, values, force_external=True)
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        raise NoPublicAddress(
            "set LMS_PUBLIC_URL (e.g. https://training.example.gov) to make links "
            "outside a web request"
        )
    return url_for(endpoint, _external=True, **values)


def registries() -> Registries:
    return state().registries


def department_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["LMS_TIMEZONE"])


@cache
def _first_department() -> Select:
    """Built once per process: every page asks it."""
    return (
        select(Organization)
        .where(Organization.kind == OrganizationKind.DEPARTMENT)
        .order_by(Organization.id)
        .limit(1)
    )


def find_department() -> Organization | None:
    """The department that runs the program: the first organization of kind department.

    Its row, for what links to it; its name alone is :func:`department_name`. Looked
    up once per app context: the row is kept in ``g``, which also keeps it in the
    session's identity map (a weak one: a row nobody holds is read again).
    """
    if has_app_context():
        known = g.get("lms_department")
        if known is not None and known in db_session():
            return known
    department = db_session().scalar(_first_department())
    if department is not None and has_app_context():
        g.lms_department = department
    return department


@cache
def _first_department_name() -> Select:
    return _first_department().with_only_columns(Organization.name)


def department_name() -> str:
    """The issuing department's name: as its organization page sets it, once it exists.

    ``LMS_DEPARTMENT_NAME`` names it until then, and is the name the department
    is created with (``flask lms create-admin``). Kept per process (it heads every
    page): :mod:`lms.site_cache`.
    """
    session = db_session()
    name = site_cache.remember(
        session, "department name", lambda: session.scalar(_first_department_name())
    )
    return name if name is not None else current_app.config["LMS_DEPARTMENT_NAME"]


def by_name(column: ColumnElement[str]) -> ColumnElement[str]:
    """SQL to order by ``column`` blind to case, character by character, whatever the
    database's collation: as Python orders ``str.casefold()`` keys, for names in any script
    on PostgreSQL (whose collation, en_US say, would skip spaces and punctuation: "C"
    compares code points) and for ASCII letters on SQLite (whose ``lower`` folds only those).
    """
    lowered = func.lower(column)
    if db_session().get_bind().dialect.name == "postgresql":
        return lowered.collate("C")
    return lowered


def contains_text(column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """SQL: ``column`` contains ``text`` blind to case (on SQLite, to ASCII case); the
    ``%`` and ``_`` of ``text`` are taken literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def to_local(moment: datetime | None, zone: str | ZoneInfo | None = None) -> datetime | None:
    """A stored UTC instant as wall-clock time in ``zone`` (default: the department's)."""
    if moment is None:
        return None
    if zone is None:
        tz = department_zone()
    elif isinstance(zone, str):
        tz = ZoneInfo(zone)
    else:
        tz = zone
    return moment.astimezone(tz)


def local_today(zone: str | None = None) -> date:
    """Today's date where the department is."""
    tz = ZoneInfo(zone) if zone else department_zone()
    return datetime.now(tz).date()


def acting_person() -> Person | None:
    """The signed-in person of this request, if any.

    Standalone, Flask-Login's user is the LMS person itself. In a host with its own
    login, the host's user is mapped through the ``person_for_user`` adapter given to
    ``init_app``, once per request; an inactive person counts as no one.
    """
    if not (has_request_context() and current_user and current_user.is_authenticated):
        return None
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    person_for_user = state().extras.get("person_for_user")
    if person_for_user is None:
        return user
    mapped = g.get("lms_acting_person")
    if mapped is None or mapped[0] is not user:
        person = person_for_user(user)
        if person is not None and not isinstance(person, Person):
            raise TypeError(f"person_for_user must return an LMS Person or None, got {person!r}")
        mapped = g.lms_acting_person = (user, person if person and person.active else None)
    return mapped[1]


def _subject_person_id(obj: Any, details: dict[str, Any]) -> int | None:
    """The person an event is about: the object if a person, its holder, or details' person."""
    if isinstance(obj, Person):
        return obj.id
    for candidate in (getattr(obj, "person_id", None), details.get("person_id")):
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            return candidate
    return None


def audit(
    action: str,
    obj: Any = None,
    *,
    actor: Person | None = None,
    details: dict[str, Any] | None = None,
    organization_id: int | None = None,
    object_type: str | None = None,
    object_id: Any = None,
) -> AuditEvent:
    """Append an audit event to the current transaction (the caller commits)."""
    actor = actor or acting_person()
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        if organization_id is None:
            organization_id = getattr(obj, "organization_id", None)
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type or "system",
        object_id=str(object_id) if object_id is not None else None,
        organization_id=organization_id,
        source_address=request.remote_addr if has_request_context() else None,
        details=details or {},
        subject_person_id=_subject_person_id(obj, details or {}),
    )
    db_session().add(event)
    return event
