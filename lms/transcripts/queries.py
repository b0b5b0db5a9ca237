"""Reads of the transcripts feature: a person's record, issued transcripts, verification."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..compliance.periods import Period, configured_start, period_containing
from ..core import db_session
from ..credentials import signing
from ..credentials.queries import key_store
from ..models import (
    Certificate,
    CertificateStatus,
    Certification,
    CertificationSource,
    Completion,
    CourseSession,
    EvaluationKind,
    EvaluationResult,
    IssuedTranscript,
    Organization,
    Person,
    PriorTraining,
)
from ..status.queries import cycles_of
from . import record as records

# --- one person's record ------------------------------------------------------------


@dataclass(frozen=True)
class CompletionLine:
    """A course completed here."""

    id: int
    completed_on: date
    course_code: str
    course_title: str
    hours: Decimal
    result: str
    instructor: str
    certificate_serial: str | None
    revoked: bool = False
    revoke_reason: str | None = None


@dataclass(frozen=True)
class CycleLine:
    """A certification cycle and how it was earned."""

    id: int
    track: str
    cycle: int
    granted_on: date
    valid_from: date
    expires_on: date
    earned: CertificationSource
    how: str
    revoked: bool = False
    revoke_reason: str | None = None


@dataclass(frozen=True)
class ImportedLine:
    """Training brought in from an earlier records system."""

    id: int
    completed_on: date
    title: str
    hours: Decimal
    instructor: str
    source_system: str
    prior_certificate_number: str
    revoked: bool = False
    revoke_reason: str | None = None


@dataclass(frozen=True)
class PeriodHours:
    """Credit hours of one reporting period: trained here, and imported."""

    period: Period
    here: Decimal
    imported: Decimal

    @property
    def total(self) -> Decimal:
        return self.here + self.imported


@dataclass(frozen=True)
class Transcript:
    """A person's training record as of a day; revoked lines are kept, flagged."""

    person: Person
    as_of: date
    completions: list[CompletionLine]
    cycles: list[CycleLine]
    imported: list[ImportedLine]
    hours: list[PeriodHours]


_EVALUATION_WORDS = {
    EvaluationKind.PRACTICAL: "practical",
    EvaluationKind.WRITTEN: "written",
    EvaluationKind.TEACH_BACK: "teach-back",
}


def _result(evaluations: list[EvaluationResult]) -> str:
    """The result in words: "Completed", with the evaluations that decided it if any."""
    parts = []
    for row in sorted(evaluations, key=lambda e: e.kind.value):
        word = _EVALUATION_WORDS[row.kind]
        if row.score is not None:
            parts.append(f"{word} {signing.format_hours(row.score)}")
        elif row.passed is not None:
            parts.append(f"{word} {'passed' if row.passed else 'not passed'}")
    return f"Completed ({', '.join(parts)})" if parts else "Completed"


def _instructors(session: CourseSession) -> str:
    people = session.lead_instructors or session.assistant_instructors
    return ", ".join(p.printed_name for p in people)


def _completion_lines(person_id: int, as_of: date) -> list[CompletionLine]:
    completions = list(
        db_session().scalars(
            select(Completion)
            .where(Completion.person_id == person_id, Completion.completed_on <= as_of)
            .options(
                selectinload(Completion.course),
                selectinload(Completion.session).selectinload(CourseSession.instructors),
            )
            .order_by(Completion.completed_on.desc(), Completion.id.desc())
        )
    )
    enrollment_ids = [c.enrollment_id for c in completions] or [-1]
    evaluations: dict[int, list[EvaluationResult]] = defaultdict(list)
    for row in db_session().scalars(
        select(EvaluationResult).where(EvaluationResult.enrollment_id.in_(enrollment_ids))
    ):
        evaluations[row.enrollment_id].append(row)
    serials = {
        completion_id: serial
        for completion_id, serial in db_session().execute(
            select(Certificate.completion_id, Certificate.serial).where(
                Certificate.person_id == person_id,
                Certificate.status == CertificateStatus.ISSUED,
            )
        )
    }
    return [
        CompletionLine(
            id=c.id,
            completed_on=c.completed_on,
            course_code=c.course.code,
            course_title=c.course.title,
            hours=c.credit_hours,
            result=_result(evaluations[c.enrollment_id]),
            instructor=_instructors(c.session),
            certificate_serial=signing.display_serial(serials[c.id]) if c.id in serials else None,
            revoked=c.is_revoked,
            revoke_reason=c.revoke_reason,
        )
        for c in completions
    ]


def _prior_training(person_id: int, as_of: date) -> list[PriorTraining]:
    return list(
        db_session().scalars(
            select(PriorTraining)
            .where(PriorTraining.person_id == person_id, PriorTraining.completed_on <= as_of)
            .options(selectinload(PriorTraining.course), selectinload(PriorTraining.track))
            .order_by(PriorTraining.completed_on.desc(), PriorTraining.id.desc())
        )
    )


def _imported_title(row: PriorTraining) -> str:
    if row.course is not None:
        return row.course.title_with_code
    return row.title or (row.track.name if row.track else "")


def _how(cycle: Certification, imported_by_cycle: dict[int, PriorTraining]) -> str:
    day = records.short_date
    if cycle.source is CertificationSource.TEACHING and cycle.taught_session is not None:
        session = cycle.taught_session
        return f"Taught {session.course.code}, {day(session.first_day)}"
    if cycle.source is CertificationSource.IMPORTED:
        prior = imported_by_cycle.get(cycle.id)
        if prior is None:
            return "Imported"
        number = (
            f", certificate {prior.prior_certificate_number}"
            if prior.prior_certificate_number
            else ""
        )
        return f"Imported from {prior.source_system}{number}"
    if cycle.completion is not None:
        return f"Completed {cycle.completion.course.code}, {day(cycle.completion.completed_on)}"
    return cycle.source.value.capitalize()


def _hours(completions: list[CompletionLine], imported: list[ImportedLine]) -> list[PeriodHours]:
    start = configured_start()
    here: dict[Period, Decimal] = defaultdict(Decimal)
    brought: dict[Period, Decimal] = defaultdict(Decimal)
    for line in completions:
        if not line.revoked:
            here[period_containing(line.completed_on, start)] += line.hours
    for line in imported:
        if not line.revoked:
            brought[period_containing(line.completed_on, start)] += line.hours
    periods = sorted(here.keys() | brought.keys(), key=lambda p: p.start, reverse=True)
    return [PeriodHours(p, here[p], brought[p]) for p in periods]


def transcript_of(person: Person, as_of: date) -> Transcript:
    """Everything ``person`` trained and earned up to ``as_of``, newest first (six queries)."""
    completions = _completion_lines(person.id, as_of)
    prior = _prior_training(person.id, as_of)
    imported_by_cycle = {p.certification_id: p for p in prior if p.certification_id}
    cycles = [
        CycleLine(
            id=c.id,
            track=c.track.name,
            cycle=c.cycle,
            granted_on=c.granted_on,
            valid_from=c.valid_from,
            expires_on=c.expires_on,
            earned=c.source,
            how=_how(c, imported_by_cycle),
            revoked=c.is_revoked,
            revoke_reason=c.revoke_reason,
        )
        for c in cycles_of(person.id)
        if c.granted_on <= as_of
    ]
    imported = [
        ImportedLine(
            id=p.id,
            completed_on=p.completed_on,
            title=_imported_title(p),
            hours=p.credit_hours,
            instructor=p.instructor_name or "",
            source_system=p.source_system,
            prior_certificate_number=p.prior_certificate_number or "",
            revoked=p.is_revoked,
            revoke_reason=p.revoke_reason,
        )
        for p in prior
    ]
    return Transcript(person, as_of, completions, cycles, imported, _hours(completions, imported))


# --- issued transcripts ----------------------------------------------------------------


def transcript_by_serial(text: str) -> IssuedTranscript | None:
    """The issued transcript of a typed or scanned serial, or None."""
    serial = signing.normalize_serial(text)
    if serial is None:
        return None
    return db_session().scalar(select(IssuedTranscript).where(IssuedTranscript.serial == serial))


def issued_to(person_id: int, limit: int = 20) -> list[IssuedTranscript]:
    """The transcripts issued to a person, newest first."""
    return list(
        db_session().scalars(
            select(IssuedTranscript)
            .where(IssuedTranscript.person_id == person_id)
            .order_by(IssuedTranscript.issued_at.desc(), IssuedTranscript.id.desc())
            .limit(limit)
        )
    )


def members_of(organization: Organization) -> list[Person]:
    """The active people of an organization, by name."""
    return list(
        db_session().scalars(
            select(Person)
            .where(Person.organization_id == organization.id, Person.active.is_(True))
            .order_by(Person.full_name, Person.id)
        )
    )


# --- verification -------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public page may say about a transcript whose signature checks out."""

    transcript: IssuedTranscript
    facts: dict
    checked_token: bool
    revoked_since: list[str]  # the lines on it revoked after it was issued, as printed


def _revoked_since(facts: dict) -> list[str]:
    """Lines of a signed record whose completion, cycle or imported record is now revoked."""
    wanted = {
        Completion: {
            line["id"]: records.describe_completion(line) for line in facts["completions"]
        },
        Certification: {
            line["id"]: records.describe_cycle(line) for line in facts["certifications"]
        },
        PriorTraining: {line["id"]: records.describe_imported(line) for line in facts["imported"]},
    }
    found = []
    for model, lines in wanted.items():
        if not lines:
            continue
        revoked = db_session().scalars(
            select(model.id).where(model.id.in_(lines), model.revoked_at.is_not(None))
        )
        found += [lines[ident] for ident in sorted(revoked)]
    return found


def verify(serial_text: str, token_text: str | None = None) -> Verification | None:
    """A :class:`Verification`, or None for "not valid" whatever the reason (as certificates)."""
    transcript = transcript_by_serial(serial_text)
    if transcript is None:
        return None
    message = transcript.record.encode("utf-8")
    if records.sha256(message) != transcript.record_sha256:
        return None
    stored = signing.parse_token(f"{transcript.key_id}.{transcript.signature}")
    public_keys = key_store().public_keys()
    if stored is not None and stored.key_id not in public_keys:
        public_keys = key_store().public_keys(refresh=True)
    if not records.verify(message, stored, public_keys):
        return None
    checked = False
    if token_text is not None:
        if not records.verify(message, signing.parse_token(token_text), public_keys):
            return None
        checked = True
    facts = transcript.facts
    return Verification(transcript, facts, checked, _revoked_since(facts))
