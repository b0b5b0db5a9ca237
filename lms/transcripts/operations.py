"""Every write of the transcripts feature: issuing (recording and signing) a transcript.

Functions flush, audit and signal inside the caller's transaction; the caller
commits. An issued transcript is never changed or deleted.
"""

from __future__ import annotations

from datetime import date

from flask import current_app

from ..core import audit, db_session, department_name, local_today
from ..credentials import signing
from ..credentials.queries import key_store
from ..models import IssuedTranscript, Person
from ..signals import transcript_issued
from . import queries, record
from .render import UnprintableText, unprintable_refusal


def _details(person: Person) -> dict[str, str]:
    """Who the holder is beyond their name, as printed under it."""
    return {
        "title": person.job_title or "",
        "badge": person.badge_number or "",
        "employee_number": person.employee_number or "",
        "unit": person.unit or "",
        "organization": person.organization.name if person.organization else "",
    }


def issue_transcript(actor: Person, person: Person, as_of: date | None = None) -> IssuedTranscript:
    """Sign and record ``person``'s transcript as of ``as_of`` (default today).

    Raises :class:`~lms.transcripts.render.UnprintableText` before anything is
    recorded when a value on it has characters no transcript font prints.
    """
    today = local_today()
    as_of = as_of or today
    serial = signing.new_serial()
    facts = record.record_of(
        queries.transcript_of(person, as_of),
        serial=serial,
        issued_on=today,
        issuer=department_name(),
        holder=person.printed_name,
        details=_details(person),
    )
    refusal = unprintable_refusal(facts)
    if refusal:
        raise UnprintableText(refusal)
    text = record.canonical(facts)
    message = text.encode("utf-8")
    key = key_store().active_key()
    transcript = IssuedTranscript(
        serial=serial,
        person_id=person.id,
        holder_name=facts["holder"],
        as_of=as_of,
        record=text,
        record_sha256=record.sha256(message),
        key_id=key.key_id,
        signature=key.sign(message),
        issued_by_id=actor.id,
    )
    db_session().add(transcript)
    db_session().flush()
    audit(
        "transcript.issued",
        transcript,
        actor=actor,
        organization_id=person.organization_id,
        details={
            "serial": serial,
            "person_id": person.id,
            "as_of": as_of.isoformat(),
            "record_sha256": transcript.record_sha256,
            "key_id": key.key_id,
        },
    )
    transcript_issued.send(current_app._get_current_object(), transcript=transcript, actor=actor)
    return transcript


def issue_for_people(actor: Person, people: list[Person]) -> list[IssuedTranscript]:
    """One transcript each, as of today (an agency's batch)."""
    return [issue_transcript(actor, person) for person in people]
