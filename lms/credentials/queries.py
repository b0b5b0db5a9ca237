"""Reads of the certificates feature: who may see what, lookups, verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import defaultload, defer, joinedload

from ..auth.policy import can_revoke_certificate, coordinates_session, teaches
from ..core import db_session, local_today, state
from ..dates import add_months
from ..models import (
    Certificate,
    Certification,
    Completion,
    Course,
    CourseSession,
    Person,
)
from ..models.certificates import CertificateState, CertificateStatus
from ..status.queries import is_current
from . import signing
from .keys import KeyStore

# --- application state: the signing keys -----------------------------------------------


def key_store() -> KeyStore:
    """This app's signing keys (``LMS_KEY_DIR``, default ``<instance>/keys``)."""
    extras = state().extras
    store = extras.get("credential_keys")
    if store is None:
        folder = current_app.config.get("LMS_KEY_DIR") or Path(current_app.instance_path) / "keys"
        store = extras["credential_keys"] = KeyStore(Path(folder))
    return store


# --- who may do what --------------------------------------------------------------


def issue_refusal(person: Person, session: CourseSession, day: date | None = None) -> str | None:
    """Why ``person`` may not issue certificates for ``session`` (None: they may).

    Staff of the session's organization may; so may a lead or assistant
    instructor of the session who is current on the course's instructor track
    (when the course has one).
    """
    if coordinates_session(person, session):
        return None
    if not teaches(person, session):
        return "You may issue certificates only for sessions you teach."
    track = session.course.instructor_track
    if track is not None and not is_current(person.id, track, day):
        return f"Your {track.name} certification is not current, so you cannot sign certificates."
    return None


def can_correct(viewer: Person, certificate: Certificate) -> bool:
    """Whoever may issue for the session (a correction is a new issue) or revoke it."""
    return can_revoke_certificate(viewer, certificate) or (
        issue_refusal(viewer, certificate.completion.session) is None
    )


# --- lookups ------------------------------------------------------------------------


@cache
def _certifying_session_statement() -> Select:
    """A session (``session_id`` bound per call) with its meetings, instructors and the
    track its lead instructors must hold joined (one statement, not four), without its
    seat counts' three subqueries nor its course's prerequisites: its certificate pages
    show neither."""
    return (
        select(CourseSession)
        .where(CourseSession.id == bindparam("session_id"))
        .options(
            defer(CourseSession.seats_taken),
            defer(CourseSession.waitlist_length),
            defer(CourseSession.seats_reserved_open),
            defaultload(CourseSession.course).lazyload(Course.prerequisites),
            defaultload(CourseSession.course).joinedload(Course.instructor_track),
            joinedload(CourseSession.meetings),
            joinedload(CourseSession.instructors),
        )
    )


def certifying_session(session_id: int) -> CourseSession | None:
    """The session whose certificates a page lists or hands out (with its course,
    meetings and instructors: its name, and who may issue)."""
    found = db_session().scalars(_certifying_session_statement(), {"session_id": session_id})
    return found.unique().one_or_none()


def certificate_by_serial(text: str) -> Certificate | None:
    serial = signing.normalize_serial(text)
    if serial is None:
        return None
    return db_session().scalar(select(Certificate).where(Certificate.serial == serial))


def expiry_for(completion: Completion) -> date | None:
    """The expiry of the live certification cycle this completion granted, when there is one."""
    track = completion.course.grants_track
    if track is None:
        return None
    cycle_expiry = db_session().scalar(
        select(Certification.expires_on).where(
            Certification.completion_id == completion.id, Certification.revoked_at.is_(None)
        )
    )
    if cycle_expiry is not None:
        return cycle_expiry
    return add_months(completion.completed_on, track.validity_months)


@dataclass(frozen=True)
class RosterRow:
    """One completion of a session as its certificates page lists it."""

    completion_id: int
    holder: str
    completed_on: date
    certificate: Certificate | None


@cache
def _roster_statement() -> Select:
    """A session's completions (``session_id`` bound per call): the holder's name, the
    day, and the live certificate if any (at most one: a unique index); built once.

    Columns for the completion and its holder, whom the page only names: the whole
    completion, person and organization for each of a class's rows cost more than
    the rest of the page.
    """
    live = and_(
        Certificate.completion_id == Completion.id,
        Certificate.status != CertificateStatus.SUPERSEDED,
    )
    return (
        select(Completion.id, Person.full_name, Completion.completed_on, Certificate)
        .join(Person, Person.id == Completion.person_id)
        .outerjoin(Certificate, live)
        .where(Completion.session_id == bindparam("session_id"))
    )


def session_roster(session: CourseSession) -> list[RosterRow]:
    """The session's completions with their live certificates, by holder name."""
    rows = [
        RosterRow(*row)
        for row in db_session().execute(_roster_statement(), {"session_id": session.id})
    ]
    rows.sort(key=lambda r: r.holder.casefold())
    return rows


def session_certificates(session_id: int) -> list[Certificate]:
    """The live certificates of a session (revoked ones are not handed out)."""
    return list(
        db_session().scalars(
            select(Certificate)
            .join(Completion, Completion.id == Certificate.completion_id)
            .where(
                Completion.session_id == session_id,
                Certificate.status == CertificateStatus.ISSUED,
            )
            .order_by(Certificate.holder_name, Certificate.id)
        )
    )


@cache
def _person_certificates_statement() -> Select:
    """Built once: the dashboard asks it for everyone who signs in."""
    return (
        select(Certificate)
        .where(Certificate.person_id == bindparam("person_id"))
        .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
    )


def person_certificates(person_id: int) -> list[Certificate]:
    """Everything issued to a person, newest first (history included)."""
    return list(db_session().scalars(_person_certificates_statement(), {"person_id": person_id}))


def group_certificates(organization_id: int) -> list[Certificate]:
    """Live certificates of a community group's people."""
    return list(
        db_session().scalars(
            select(Certificate)
            .join(Person, Person.id == Certificate.person_id)
            .where(
                Person.organization_id == organization_id,
                Certificate.status == CertificateStatus.ISSUED,
            )
            .order_by(Certificate.holder_name, Certificate.issued_on.desc())
        )
    )


# --- verification -------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public page may say about a certificate that checked out."""

    certificate: Certificate
    state: CertificateState
    checked_token: bool  # a QR signature came with the request and matched
    replacement: Certificate | None

    @property
    def key_id(self) -> str | None:
        return self.certificate.key_id


def verify(serial_text: str, token_text: str | None = None, day: date | None = None):
    """A :class:`Verification`, or None for "not valid" whatever the reason.

    Unknown and malformed serials, a stored record whose signature no longer
    matches its fields, and a QR signature that does not match all answer None,
    so the page cannot be used to learn what a forger got wrong.
    """
    certificate = certificate_by_serial(serial_text)
    if certificate is None:
        return None
    fields = signing.signed_fields(certificate)
    stored = signing.parse_token(
        f"{certificate.key_id}.{certificate.signature}" if certificate.signature else None
    )
    public_keys = key_store().public_keys()
    if stored is not None and stored.key_id not in public_keys:
        public_keys = key_store().public_keys(refresh=True)  # rotated by another process
    if not signing.verify(fields, stored, public_keys):
        return None
    checked = False
    if token_text is not None:
        if not signing.verify(fields, signing.parse_token(token_text), public_keys):
            return None
        checked = True
    return Verification(
        certificate=certificate,
        state=certificate.state_on(day or local_today()),
        checked_token=checked,
        replacement=certificate.superseded_by,
    )
