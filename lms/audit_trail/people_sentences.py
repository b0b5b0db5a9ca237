"""Audit sentences of accounts, people, courses, sessions and enrollments."""

from __future__ import annotations

from ..models import AuditEvent
from .registry import Registry, said, session_of
from .words import (
    Change,
    Description,
    actor,
    count,
    field_changes,
    object_label,
    plain,
    possessive,
    reason_of,
    status_words,
    subject,
)

SENTENCES = Registry()

# --- accounts and people ----------------------------------------------------------------


@SENTENCES.describes("auth.sign_in", "Signed in")
def _sign_in(e, n):
    return said(e, n, "signed in")


@SENTENCES.describes("auth.sign_out", "Signed out")
def _sign_out(e, n):
    return said(e, n, "signed out")


@SENTENCES.describes("auth.password_changed", "Password changed")
def _password_changed(e, n):
    return said(e, n, "changed their password")


@SENTENCES.describes("auth.password_reset_requested", "Password reset requested")
def _reset_requested(e, n):
    expires = plain((e.details or {}).get("expires_at"))
    return Description(
        f"Someone asked for a password-reset link for {subject(e, n)} from the sign-in page "
        f"(expires {expires})"
    )


@SENTENCES.describes("auth.reset_link_issued", "Password-reset link made")
def _reset_link_issued(e, n):
    expires = plain((e.details or {}).get("expires_at"))
    return said(e, n, "made a password-reset link for", subject(e, n), f"(expires {expires})")


@SENTENCES.describes("auth.password_reset", "Password reset")
def _password_reset(e, n):
    ended = count((e.details or {}).get("sign_ins_ended") or 0, "other sign-in")
    return Description(
        f"{subject(e, n)} chose a new password with a reset link and signed in ({ended} ended)"
    )


@SENTENCES.describes("person.created", "Person created")
def _person_created(e, n):
    d = e.details or {}
    roles = ", ".join(str(r).replace("_", " ") for r in d.get("roles") or []) or "no role"
    login = "with a sign-in" if d.get("has_login") else "without a sign-in"
    return said(e, n, "added", f"{subject(e, n)} ({roles}; {login})")


def _access_ended(e: AuditEvent) -> tuple[Change, ...]:
    d = e.details or {}
    ended = [
        count(d.get("sign_ins_ended") or 0, "sign-in") + " ended",
        "calendar feed link stopped" if d.get("feed_link_revoked") else "",
        count(d["links_revoked"], "sign-up link") + " voided" if d.get("links_revoked") else "",
    ]
    return (Change("access", "", ", ".join(p for p in ended if p)),)


@SENTENCES.describes("person.deactivated", "Account deactivated")
def _deactivated(e, n):
    base = said(e, n, "deactivated", possessive(subject(e, n)), "account")
    return Description(base.sentence, _access_ended(e), base.reason)


@SENTENCES.describes("person.reactivated", "Account reactivated")
def _reactivated(e, n):
    return said(e, n, "reactivated", possessive(subject(e, n)), "account")


@SENTENCES.describes("account.claim_link_created", "Claim link created")
def _claim_link(e, n):
    expires = plain((e.details or {}).get("expires_at"))
    return said(e, n, "made a sign-up link for", subject(e, n), f"(expires {expires})")


@SENTENCES.describes("account.claimed", "Account claimed")
def _claimed(e, n):
    return Description(f"{subject(e, n)} claimed their account with a sign-up link")


@SENTENCES.describes("calendar.feed_link_created", "Calendar feed link created")
def _feed_created(e, n):
    return said(e, n, "made their private calendar feed link")


@SENTENCES.describes("calendar.feed_link_replaced", "Calendar feed link replaced")
def _feed_replaced(e, n):
    return said(e, n, "replaced their private calendar feed link (the old one stopped)")


@SENTENCES.describes("calendar.feed_link_revoked", "Calendar feed link stopped")
def _feed_revoked(e, n):
    return said(e, n, "stopped their private calendar feed link")


# --- courses and sessions ---------------------------------------------------------------


@SENTENCES.describes("course.created", "Course created")
def _course_created(e, n):
    return said(e, n, "created the course", object_label(e, n))


@SENTENCES.describes("course.updated", "Course changed")
def _course_updated(e, n):
    changes = field_changes((e.details or {}).get("changes"))
    return Description(f"{actor(e, n)} changed the course {object_label(e, n)}", changes)


@SENTENCES.describes("course.retired", "Course retired")
def _course_retired(e, n):
    return said(e, n, "retired the course", object_label(e, n))


@SENTENCES.describes("course.restored", "Course restored")
def _course_restored(e, n):
    return said(e, n, "brought back the course", object_label(e, n))


@SENTENCES.describes("session.scheduled", "Session scheduled")
def _scheduled(e, n):
    d = e.details or {}
    meetings = count(len(d.get("meetings") or []), "meeting")
    seats = count(d.get("capacity") or 0, "seat")
    return said(e, n, "scheduled", session_of(e, n), f"({meetings}, {seats})")


@SENTENCES.describes("session.changed", "Session changed")
def _session_changed(e, n):
    changes = field_changes((e.details or {}).get("changes"))
    return Description(f"{actor(e, n)} changed {session_of(e, n)}", changes)


@SENTENCES.describes("session.cancelled", "Session cancelled")
def _session_cancelled(e, n):
    places = count((e.details or {}).get("enrollments_cancelled") or 0, "place")
    return said(e, n, "cancelled", session_of(e, n), f"and its {places}")


# --- enrollment -------------------------------------------------------------------------


@SENTENCES.describes("enrollment.created", "Enrolled")
def _enrolled(e, n):
    d = e.details or {}
    who, session = subject(e, n), session_of(e, n)
    waiting = d.get("status") == "waitlisted"
    if e.actor_id is not None and e.actor_id == e.subject_person_id:
        sentence = f"{who} {'joined the waitlist of' if waiting else 'enrolled in'} {session}"
    else:
        where = "on the waitlist of" if waiting else "in"
        sentence = f"{actor(e, n)} enrolled {who} {where} {session}"
    source = d.get("source")
    if source and source != "self":
        sentence += f" ({source} enrollment)"
    reasons = [
        f"{label}: {d[key]}"
        for key, label in (
            ("over_enrollment_reason", "over capacity"),
            ("prerequisite_override_reason", "prerequisite waived"),
        )
        if d.get(key)
    ]
    return Description(sentence, (), "; ".join(reasons) or None)


@SENTENCES.describes("enrollment.promoted", "Promoted from the waitlist")
def _promoted(e, n):
    return Description(f"{subject(e, n)} moved from the waitlist into {session_of(e, n)}")


@SENTENCES.describes("enrollment.cancelled", "Place cancelled")
def _cancelled(e, n):
    d = e.details or {}
    who, session = subject(e, n), session_of(e, n)
    if e.actor_id is not None and e.actor_id == e.subject_person_id:
        sentence = f"{who} cancelled their place in {session}"
    else:
        sentence = f"{actor(e, n)} cancelled {possessive(who)} place in {session}"
    change = Change("status", status_words(d.get("previous_status")), "cancelled")
    return Description(sentence, (change,), reason_of(e))


@SENTENCES.describes("registration.existing_account", "Public registration with a known email")
def _existing_account(e, n):
    d = e.details or {}
    why = {
        "deactivated": "the account is deactivated",
        "has_login": "the person signs in to enroll",
        "managed_by_organization": "their organization enrolls them",
    }.get(d.get("why_not_enrolled"), plain(d.get("why_not_enrolled")))
    typed = plain(d.get("typed_name"))
    return Description(
        f"Someone registered for {session_of(e, n)} as “{typed}” with the email of "
        f"{subject(e, n)}; not enrolled: {why}"
    )


@SENTENCES.describes("group.roster_imported", "Group roster imported")
def _roster_imported(e, n):
    d = e.details or {}
    people = count(d.get("people") or 0, "person", "people")
    new = d.get("new_people") or 0
    return said(
        e,
        n,
        "enrolled",
        f"{people} of {n.organization(e.organization_id)} in {session_of(e, n)}",
        f"from {plain(d.get('file'))} ({new} new)",
    )


@SENTENCES.describes("group.seats_reserved", "Group seats reserved")
def _seats_reserved(e, n):
    d = e.details or {}
    change = Change("seats", plain(d.get("previous") or 0), plain(d.get("seats_reserved")))
    sentence = f"{actor(e, n)} reserved seats in {session_of(e, n)} for "
    return Description(sentence + n.organization(d.get("group_id")), (change,))


@SENTENCES.describes("group.seat_cap_set", "Agency seat cap set")
def _seat_cap(e, n):
    d = e.details or {}
    cap = Change("seat cap", plain(d.get("previous")), plain(d.get("seat_cap")))
    organization = n.organization(d.get("organization_id"))
    return Description(
        f"{actor(e, n)} set the seat cap of {organization} in {session_of(e, n)}", (cap,)
    )


@SENTENCES.describes("person.updated", "Person edited")
def _person_updated(e, n):
    base = said(e, n, "edited", possessive(subject(e, n)), "details")
    return Description(base.sentence, field_changes((e.details or {}).get("changes")), None)


def _role_words(e: AuditEvent) -> str:
    d = e.details or {}
    role = str(d.get("role") or "a role").replace("_", " ")
    return f"{role} of {d['organization']}" if d.get("organization") else role


@SENTENCES.describes("person.role_granted", "Role granted")
def _role_granted(e, n):
    return said(e, n, "made", subject(e, n), _role_words(e))


@SENTENCES.describes("person.role_removed", "Role removed")
def _role_removed(e, n):
    return said(e, n, "removed", possessive(subject(e, n)), "role", _role_words(e))
