"""The audit log as CSV: rows of plain values, streamed in chunks of bytes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC

from ..compliance.renderers import safe_cell
from ..core import to_local
from ..models import AuditEvent
from .actions import describe
from .words import Names

AUDIT_HEADER = (
    "Event ID",
    "When (department time)",
    "When (UTC)",
    "Action",
    "Actor",
    "Actor ID",
    "Subject",
    "Subject ID",
    "Object type",
    "Object ID",
    "Description",
    "Source address",
    "Details (JSON)",
)


def audit_rows(events: Iterable[AuditEvent], names: Names) -> list[list[object]]:
    """One row per event, its description in words beside the raw record."""
    return [
        [
            e.id,
            to_local(e.occurred_at).isoformat(timespec="seconds"),
            e.occurred_at.astimezone(UTC).isoformat(timespec="seconds"),
            e.action,
            names.person(e.actor_id, "") if e.actor_id else "",
            e.actor_id,
            names.person(e.subject_person_id, "") if e.subject_person_id else "",
            e.subject_person_id,
            e.object_type,
            e.object_id,
            describe(e, names).text,
            e.source_address,
            json.dumps(e.details or {}, sort_keys=True, ensure_ascii=False),
        ]
        for e in events
    ]


def csv_chunks(header: Sequence[str], batches: Iterable[list[list[object]]]) -> Iterator[bytes]:
    """UTF-8 CSV, a chunk per batch of rows, every cell neutralized (no formulas)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for rows in batches:
        for row in rows:
            writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # no rows at all: the header alone
        yield buffer.getvalue().encode("utf-8")
