"""Every write of the certificates feature: issue, revoke, correct (supersede).

Each function changes rows, flushes, audits and sends its signal inside the
caller's transaction; the caller commits. Certificates are never updated in
place beyond their status, and never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..auth.policy import can_revoke_certificate
from ..core import audit, db_session, local_today, lock_row
from ..mail import certificates as certificate_mail
from ..models import Certificate, Completion, CourseSession, Person, utcnow
from ..models.certificates import CertificateStatus
from ..signals import certificate_issued, certificate_revoked, certificate_superseded
from . import queries, signing
from .fonts import unprintable_characters

MAX_REASON = 2000


class CertificateError(ValueError):
    """A refused certificate action; the message is shown to the person as is.

    ``existing`` is the certificate already issued, when that is the reason.
    """

    def __init__(self, message: str, existing: Certificate | None = None):
        super().__init__(message)
        self.existing = existing


@dataclass
class IssueReport:
    """What one issue action did; ``refused`` says, per person, why no certificate was issued."""

    issued: list[Certificate] = field(default_factory=list)
    already: list[Certificate] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _printed_values(completion: Completion, actor: Person, holder_name: str | None) -> dict:
    """What a new certificate for ``completion`` would print, by what the reader calls it."""
    session = completion.session
    return {
        "name": holder_name or completion.person.full_name,
        "course title": completion.course.title,
        "course code": completion.course.code,
        "organization's name": session.organization.name,
        "instructor's name": _instructor_names(session),
        "signer's name": actor.full_name,
    }


def unprintable_refusal(
    completion: Completion, actor: Person, holder_name: str | None = None
) -> str | None:
    """Why no certificate can print for ``completion`` (a character no font has), or None.

    A certificate with boxes for letters is worse than none: the person's
    certificate waits until the name (or course) is corrected.
    """
    for what, value in _printed_values(completion, actor, holder_name).items():
        missing = unprintable_characters(signing.clean_text(value or ""))
        if missing:
            holder = signing.clean_text(holder_name or completion.person.full_name)
            return (
                f"No certificate for {holder}: the {what} has characters no certificate "
                f"font can print ({', '.join(missing)}). Correct it, then issue again."
            )
    return None


def _lock_completions(*criteria) -> list[Completion]:
    """The matching completions, locked until commit (as :func:`lms.core.lock_row`).

    Whoever issues locks the completions first, so two clicks at once queue
    and the second finds the first one's certificate.
    """
    session = db_session()
    query = select(Completion).where(*criteria).order_by(Completion.id)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Completion).where(*criteria).values(id=Completion.id))
    else:
        query = query.with_for_update(of=Completion)
    return list(session.scalars(query.execution_options(populate_existing=True)).unique())


def _instructor_names(session: CourseSession) -> str:
    names = [p.full_name for p in session.lead_instructors] or [
        p.full_name for p in session.assistant_instructors
    ]
    return ", ".join(names)


def _new_certificate(
    completion: Completion,
    actor: Person,
    *,
    holder_name: str | None = None,
    supersedes: Certificate | None = None,
    reason: str | None = None,
) -> Certificate:
    """A signed certificate for ``completion`` from today's catalog and people."""
    session = completion.session
    course = completion.course
    certificate = Certificate(
        serial=signing.new_serial(),
        completion_id=completion.id,
        person_id=completion.person_id,
        course_id=course.id,
        organization_id=session.organization_id,
        holder_name=signing.clean_text(holder_name or completion.person.full_name),
        issued_on=local_today(),
        expires_on=queries.expiry_for(completion),
        signer_id=actor.id,
        layout_key=course.certificate_layout,
        status=CertificateStatus.ISSUED,
        course_code=course.code,
        course_title=signing.clean_text(course.title),
        organization_name=signing.clean_text(session.organization.name),
        completed_on=completion.completed_on,
        credit_hours=completion.credit_hours,
        instructor_name=signing.clean_text(_instructor_names(session)),
        signer_name=signing.clean_text(actor.full_name),
        supersedes_id=supersedes.id if supersedes else None,
        correction_reason=reason,
    )
    key = queries.key_store().active_key()
    certificate.key_id = key.key_id
    certificate.signature = key.sign(signing.message(signing.signed_fields(certificate)))
    return certificate


def _announce_issue(certificate: Certificate, actor: Person, **details) -> None:
    audit(
        "certificate.issued",
        certificate,
        actor=actor,
        details={
            "serial": certificate.serial,
            "completion_id": certificate.completion_id,
            "holder": certificate.holder_name,
            "key_id": certificate.key_id,
            **details,
        },
    )
    certificate_issued.send(current_app._get_current_object(), certificate=certificate, actor=actor)
    certificate_mail.certificate_issued(certificate)


def issue_certificates(
    actor: Person, session_id: int, completion_ids: Iterable[int] | None = None
) -> IssueReport:
    """Issue certificates for completions of one session (all of them when None).

    Idempotent: a completion that already has a live certificate keeps it and
    is reported under ``already``. Refuses completions that do not exist or
    are not of this session, and people who may not issue for it.
    """
    course_session = db_session().get(CourseSession, session_id)
    if course_session is None:
        raise CertificateError("There is no such session.")
    refusal = queries.issue_refusal(actor, course_session)
    if refusal:
        raise CertificateError(refusal)
    criteria = [Completion.session_id == session_id]
    wanted = None
    if completion_ids is not None:
        wanted = set(completion_ids)
        criteria.append(Completion.id.in_(wanted or {-1}))
    completions = _lock_completions(*criteria)
    if wanted is not None and {c.id for c in completions} != wanted:
        raise CertificateError("That completion does not exist or is not of this session.")

    report = IssueReport()
    existing = {
        c.completion_id: c
        for c in db_session().scalars(
            select(Certificate).where(
                Certificate.completion_id.in_([c.id for c in completions] or [-1]),
                Certificate.status != CertificateStatus.SUPERSEDED,
            )
        )
    }
    for completion in completions:
        if completion.id in existing:
            report.already.append(existing[completion.id])
            continue
        refusal = unprintable_refusal(completion, actor)
        if refusal:
            report.refused.append(refusal)
            continue
        report.issued.append(_new_certificate(completion, actor))
    if report.issued:
        try:
            with db_session().begin_nested():
                db_session().add_all(report.issued)
        except IntegrityError:
            # Only a writer that skipped the completion lock can get here.
            raise CertificateError(
                "Certificates were being issued for this session at the same moment; "
                "reload the page to see them."
            ) from None
        for certificate in report.issued:
            _announce_issue(certificate, actor, session_id=session_id)
    return report


def issue_certificate(actor: Person, completion_id: int) -> Certificate:
    """Issue one completion's certificate; CertificateError if it cannot or already has one."""
    completion = lock_row(Completion, completion_id) if completion_id else None
    if completion is None:
        raise CertificateError("There is no such completion.")
    report = issue_certificates(actor, completion.session_id, [completion_id])
    if report.refused:
        raise CertificateError(report.refused[0])
    if report.already:
        raise CertificateError(
            "This completion already has a certificate.", existing=report.already[0]
        )
    return report.issued[0]


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise CertificateError("Give a reason.")
    if len(text) > MAX_REASON:
        raise CertificateError(f"Keep the reason under {MAX_REASON} characters.")
    return text


def revoke_certificate(actor: Person, certificate_id: int, reason: str) -> Certificate:
    """Revoke a certificate, keeping it and the reason; only admins and its issuer may."""
    reason = _clean_reason(reason)
    certificate = lock_row(Certificate, certificate_id)
    if certificate is None:
        raise CertificateError("There is no such certificate.")
    if not can_revoke_certificate(actor, certificate):
        raise CertificateError("Only an administrator or the issuing instructor may revoke it.")
    if certificate.status is CertificateStatus.REVOKED:
        raise CertificateError("This certificate is already revoked.")
    if certificate.status is CertificateStatus.SUPERSEDED:
        raise CertificateError(
            "This certificate was replaced by a correction; revoke the replacement instead."
        )
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = reason
    db_session().flush()
    audit(
        "certificate.revoked",
        certificate,
        actor=actor,
        details={"serial": certificate.serial, "reason": reason},
    )
    certificate_revoked.send(
        current_app._get_current_object(), certificate=certificate, actor=actor, reason=reason
    )
    return certificate


def correct_certificate(
    actor: Person, certificate_id: int, reason: str, holder_name: str | None = None
) -> Certificate:
    """Replace a certificate by a new one (today's data, or a corrected holder name).

    The old certificate is kept, marked superseded, and its page links to the
    new one. Revoked certificates cannot be corrected.
    """
    reason = _clean_reason(reason)
    holder_name = signing.clean_text(holder_name or "") or None
    if holder_name is not None and len(holder_name) > 200:
        raise CertificateError("Keep the name under 200 characters.")
    old = lock_row(Certificate, certificate_id)
    if old is None:
        raise CertificateError("There is no such certificate.")
    if not queries.can_correct(actor, old):
        raise CertificateError("You may not correct this certificate.")
    if old.status is not CertificateStatus.ISSUED:
        raise CertificateError(f"A {old.status.value} certificate cannot be corrected.")
    completion = lock_row(Completion, old.completion_id)
    refusal = unprintable_refusal(completion, actor, holder_name)
    if refusal:
        raise CertificateError(refusal)
    old.status = CertificateStatus.SUPERSEDED
    db_session().flush()  # the live-certificate index must see the old one leave first
    new = _new_certificate(
        completion, actor, holder_name=holder_name, supersedes=old, reason=reason
    )
    db_session().add(new)
    db_session().flush()
    audit(
        "certificate.superseded",
        old,
        actor=actor,
        details={"serial": old.serial, "replaced_by": new.serial, "reason": reason},
    )
    _announce_issue(new, actor, supersedes=old.serial, reason=reason)
    certificate_superseded.send(current_app._get_current_object(), old=old, new=new, actor=actor)
    return new
