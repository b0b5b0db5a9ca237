"""Helpers for a host app that mounts the LMS beside its own models and migrations.

The LMS migrates its own tables (``lms_*``, history in ``lms_alembic_version``) with
``flask lms db upgrade``. A host whose own Alembic or Flask-Migrate history manages the
same database must not see them, or autogenerate proposes dropping them::

    from flask_migrate import Migrate
    from lms.hosting import exclude_lms_tables

    Migrate(app, db, **exclude_lms_tables())
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .migrate import TABLE_PREFIX, VERSION_TABLE

IncludeName = Callable[[str | None, str, dict[str, Any]], bool]
IncludeObject = Callable[[Any, str | None, str, bool, Any], bool]


def is_lms_table(name: str | None) -> bool:
    """Whether a table of this name belongs to the LMS (its history table included)."""
    return bool(name) and (name.startswith(TABLE_PREFIX) or name == VERSION_TABLE)


def exclude_lms_tables(
    include_name: IncludeName | None = None, include_object: IncludeObject | None = None
) -> dict[str, Callable[..., bool]]:
    """Alembic ``include_name`` / ``include_object`` filters that hide the LMS's tables.

    Pass the result to ``Migrate(app, db, **exclude_lms_tables())`` or to
    ``context.configure(...)`` in an Alembic ``env.py``. A host that already filters
    passes its own callables; they are asked about everything that is not the LMS's.
    """

    def host_include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        if type_ == "table" and is_lms_table(name):
            return False
        if parent_names.get("table_name") and is_lms_table(parent_names["table_name"]):
            return False
        return include_name(name, type_, parent_names) if include_name else True

    def host_include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        if is_lms_table(table):
            return False
        if include_object:
            return include_object(obj, name, type_, reflected, compare_to)
        return True

    return {"include_name": host_include_name, "include_object": host_include_object}
