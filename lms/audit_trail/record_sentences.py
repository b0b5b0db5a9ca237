"""Audit sentences of rosters, completions, certifications, certificates and reports."""

from __future__ import annotations

from .registry import Registry, said, session_of
from .words import (
    Change,
    Description,
    actor,
    attendance_words,
    count,
    evaluation_changes,
    plain,
    possessive,
    reason_of,
    status_words,
    subject,
)

SENTENCES = Registry()

# --- rosters, completions, certifications ------------------------------------------------


@SENTENCES.describes("roster.attendance_recorded", "Attendance recorded")
def _attendance(e, n):
    d = e.details or {}
    present, absent = len(d.get("present") or []), len(d.get("absent") or [])
    return said(
        e, n, "recorded attendance for", session_of(e, n), f"({present} present, {absent} absent)"
    )


@SENTENCES.describes("roster.evaluations_recorded", "Results recorded")
def _evaluations(e, n):
    changes = count(len((e.details or {}).get("changes") or []), "result")
    return said(e, n, "recorded", changes, "for", session_of(e, n))


@SENTENCES.describes("roster.finalized", "Roster finalized")
def _finalized(e, n):
    d = e.details or {}
    done = count(len(d.get("completed") or []), "person", "people")
    return said(
        e,
        n,
        "finalized the roster of",
        session_of(e, n),
        f"({done} completed, {len(d.get('not_completed') or {})} did not)",
    )


@SENTENCES.describes("roster.corrected", "Result corrected")
def _corrected(e, n):
    d = e.details or {}
    before, after = d.get("before") or {}, d.get("after") or {}
    changes = []
    if before.get("attendance") != after.get("attendance"):
        changes.append(
            Change(
                "",
                attendance_words(before.get("attendance")),
                attendance_words(after.get("attendance")),
            )
        )
    changes += evaluation_changes(before.get("evaluations"), after.get("evaluations"))
    if d.get("status_before") != d.get("status_after"):
        changes.append(
            Change(
                "status", status_words(d.get("status_before")), status_words(d.get("status_after"))
            )
        )
    sentence = f"{actor(e, n)} corrected {possessive(subject(e, n))} result on {session_of(e, n)}"
    return Description(sentence, tuple(changes), reason_of(e))


@SENTENCES.describes("completion.recorded", "Completion recorded")
def _completion(e, n):
    d = e.details or {}
    return Description(
        f"{subject(e, n)} completed {plain(d.get('course'))} ({session_of(e, n)}) on "
        f"{plain(d.get('completed_on'))}, {plain(d.get('credit_hours'))} hours"
    )


@SENTENCES.describes("completion.revoked", "Completion revoked")
def _completion_revoked(e, n):
    return said(e, n, "revoked", possessive(subject(e, n)), "completion", f"(record {e.object_id})")


@SENTENCES.describes("completion.reinstated", "Completion reinstated")
def _completion_reinstated(e, n):
    return said(
        e, n, "reinstated", possessive(subject(e, n)), "completion", f"(record {e.object_id})"
    )


@SENTENCES.describes("certification.granted", "Certification granted")
def _granted(e, n):
    d = e.details or {}
    return Description(
        f"{subject(e, n)} was certified on {plain(d.get('track'))} "
        f"(cycle {plain(d.get('cycle'))}, earned by {plain(d.get('source'))}): "
        f"valid {plain(d.get('valid_from'))} to {plain(d.get('expires_on'))}"
    )


@SENTENCES.describes("certification.revoked", "Certification revoked")
def _cycle_revoked(e, n):
    d = e.details or {}
    what = f"{plain(d.get('track'))} certification (cycle {plain(d.get('cycle'))})"
    return said(e, n, "revoked", possessive(subject(e, n)), what)


@SENTENCES.describes("certificate.issued", "Certificate issued")
def _issued(e, n):
    d = e.details or {}
    base = said(e, n, "issued certificate", plain(d.get("serial")), "to", plain(d.get("holder")))
    if d.get("supersedes"):
        return Description(
            base.sentence,
            (Change("replaces", plain(d["supersedes"]), plain(d.get("serial"))),),
            base.reason,
        )
    return base


@SENTENCES.describes("certificate.revoked", "Certificate revoked")
def _certificate_revoked(e, n):
    return said(
        e, n, "revoked certificate", plain((e.details or {}).get("serial")), "of", subject(e, n)
    )


@SENTENCES.describes("certificate.superseded", "Certificate replaced")
def _superseded(e, n):
    d = e.details or {}
    base = said(e, n, "replaced", possessive(subject(e, n)), "certificate")
    change = Change("certificate", plain(d.get("serial")), plain(d.get("replaced_by")))
    return Description(base.sentence, (change,), base.reason)


# --- reports and the system -------------------------------------------------------------


@SENTENCES.describes("compliance.exported", "Report exported")
def _exported(e, n):
    rows = count((e.details or {}).get("rows") or 0, "row")
    return said(e, n, "exported the", str(e.object_id or "compliance"), f"report ({rows})")


@SENTENCES.describes("audit.exported", "Audit log exported")
def _audit_exported(e, n):
    query = (e.details or {}).get("query") or "every event"
    return said(e, n, "exported the audit log", f"({query})")


@SENTENCES.describes("demo.loaded", "Demo data loaded")
def _demo(e, n):
    return said(e, n, "loaded the demo data", f"(as of {plain((e.details or {}).get('today'))})")
