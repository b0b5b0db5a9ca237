"""A ten-year training history to print, and readers of transcript PDFs."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pypdf import PdfReader

from lms.models import (
    Certification,
    CertificationSource,
    Completion,
    EvaluationKind,
    EvaluationResult,
    Organization,
    Person,
    PriorTraining,
    Role,
)


@dataclass
class History:
    department: Organization
    officer: Person
    instructor: Person
    completions: list[Completion] = field(default_factory=list)
    cycles: list[Certification] = field(default_factory=list)
    prior: list[PriorTraining] = field(default_factory=list)


def build_history(
    make, *, name="Ofc. Sofia Rivera", years=1, per_year=1, department=None, today=None
) -> History:
    """An officer with ``years`` of refreshers, an instructor cycle, and two imported records."""
    today = today or date.today()
    department = department or make.organization("Missoula Police Department")
    alerrt = make.track(name="ALERRT active-shooter response", validity_months=12)
    teaching = make.track(name="ALERRT instructor", validity_months=36, qualifies_instructors=True)
    instructor = make.person(Role.INSTRUCTOR, organization=department, name="Sgt. Erin Hayes")
    officer = make.person(
        Role.OFFICER,
        organization=department,
        name=name,
        badge_number="412",
        employee_number="E-10234",
        job_title="Officer",
        unit="School Resource Unit",
    )
    course = make.course(
        organization=department,
        code=f"ALERRT-REFRESH-{make._n()}",
        title="ALERRT Active-Shooter Response Refresher",
        grants_track=alerrt,
    )
    history = History(department, officer, instructor)
    for year in range(years):
        for n in range(per_year):
            held = today - timedelta(days=30 + 365 * year + 40 * n)
            session = make.session(course, start=held, lead=instructor)
            enrollment = make.enrollment(session, officer)
            completion = make.completion(enrollment)
            history.completions.append(completion)
            make.db.add(
                EvaluationResult(
                    enrollment_id=enrollment.id, kind=EvaluationKind.WRITTEN, score=Decimal("92")
                )
            )
            if n == 0:
                history.cycles.append(
                    make.certification(
                        officer,
                        alerrt,
                        granted_on=completion.completed_on,
                        source=CertificationSource.COMPLETION,
                        completion_id=completion.id,
                    )
                )
    first = today - timedelta(days=365 * years + 200)
    imported_cycle = make.certification(officer, teaching, granted_on=first)
    history.cycles.append(imported_cycle)
    history.prior += [
        PriorTraining(
            person_id=officer.id,
            track_id=teaching.id,
            title="ALERRT Instructor Certification",
            completed_on=first,
            credit_hours=Decimal("24"),
            instructor_name="ALERRT Center, Texas State University",
            prior_certificate_number="AL-2016-77812",
            source_system="Records Management System (RMS)",
            certification_id=imported_cycle.id,
            fingerprint=f"fp-{make._n()}",
        ),
        PriorTraining(
            person_id=officer.id,
            course_id=course.id,
            title="Active shooter refresher",
            completed_on=first - timedelta(days=100),
            credit_hours=Decimal("8"),
            instructor_name="Lt. Ray Okafor",
            prior_certificate_number="PD-0042",
            source_system="TrainingSheet 2015.xlsx",
            fingerprint=f"fp-{make._n()}",
        ),
    ]
    make.db.add_all(history.prior)
    make.db.commit()
    return history


def revoke(make, row, reason="Entered for the wrong person") -> None:
    """Revoke a completion, cycle or imported record the way corrections do (row kept)."""
    row.revoked_at = datetime.now(UTC)
    row.revoke_reason = reason
    make.db.commit()


def pages(data: bytes) -> list[str]:
    """Each page's extracted text."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def attachment(data: bytes) -> bytes:
    """The embedded signed record."""
    [content] = PdfReader(io.BytesIO(data)).attachments["transcript.json"]
    return content
