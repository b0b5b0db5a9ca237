"""Audit sentences of organizations, certification programs, imports and transcripts."""

from __future__ import annotations

from ..imports.people import role_count_name
from ..models import Role
from .registry import Registry, said
from .words import Description, count, field_changes, object_label, plain, subject

SENTENCES = Registry()


def _counts(details: dict, *names: str) -> str:
    """ "3 created, 2 updated" from the counts a detail carries (zeros left out)."""
    parts = [f"{details[n]} {n}" for n in names if details.get(n)]
    return ", ".join(parts) or "nothing changed"


# --- organizations --------------------------------------------------------------------


@SENTENCES.describes("organization.created", "Organization created")
def _organization_created(e, n):
    base = said(e, n, "created", object_label(e, n))
    return Description(base.sentence, field_changes((e.details or {}).get("changes")), None)


@SENTENCES.describes("organization.edited", "Organization edited")
def _organization_edited(e, n):
    base = said(e, n, "edited", object_label(e, n))
    return Description(base.sentence, field_changes((e.details or {}).get("changes")), None)


@SENTENCES.describes("organization.deactivated", "Organization deactivated")
def _organization_deactivated(e, n):
    return said(e, n, "deactivated", object_label(e, n))


@SENTENCES.describes("organization.reactivated", "Organization reactivated")
def _organization_reactivated(e, n):
    return said(e, n, "reactivated", object_label(e, n))


@SENTENCES.describes("organization.coordinator_created", "Group coordinator added")
def _coordinator_created(e, n):
    return said(e, n, "made", subject(e, n), "coordinator of", object_label(e, n))


# --- certification programs -----------------------------------------------------------


@SENTENCES.describes("track.created", "Track created")
def _track_created(e, n):
    base = said(e, n, "created the certification track", object_label(e, n))
    return Description(base.sentence, field_changes((e.details or {}).get("changes")), None)


@SENTENCES.describes("track.updated", "Track changed")
def _track_updated(e, n):
    d = e.details or {}
    moved = ""
    if d.get("cycles_revoked") or d.get("cycles_granted"):
        moved = (
            f"({count(d.get('cycles_revoked') or 0, 'cycle')} planned again, "
            f"{count(d.get('cycles_granted') or 0, 'cycle')} granted)"
        )
    base = said(e, n, "changed the certification track", object_label(e, n), moved)
    return Description(base.sentence.rstrip(), field_changes(d.get("changes")), None)


@SENTENCES.describes("course.program_changed", "Course rule or prerequisites changed")
def _course_program(e, n):
    base = said(e, n, "changed the completion rule or prerequisites of", object_label(e, n))
    return Description(base.sentence, field_changes((e.details or {}).get("changes")), None)


# --- imports and transcripts ----------------------------------------------------------


@SENTENCES.describes("import.people", "People imported")
def _import_people(e, n):
    d = e.details or {}
    role = [role_count_name(Role(d["role"]))] if d.get("role") in set(Role) else []
    done = _counts(d, "created", "updated", "unchanged", "deactivated", *role)
    return said(e, n, "imported people from", plain(d.get("file")), f"({done})")


@SENTENCES.describes("import.records", "Past training imported")
def _import_records(e, n):
    d = e.details or {}
    done = _counts(d, "records", "cycles", "already imported", "people")
    return said(e, n, "imported past training records from", plain(d.get("file")), f"({done})")


@SENTENCES.describes("transcript.issued", "Transcript issued")
def _transcript(e, n):
    d = e.details or {}
    return said(
        e,
        n,
        "issued",
        f"{subject(e, n)}'s transcript {plain(d.get('serial'))}",
        f"as of {plain(d.get('as_of'))}",
    )
