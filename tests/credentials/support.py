"""Helpers of the certificate tests: a trained class to certify, and PDF readers."""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from lms.models import Audience, Completion, CourseSession, Organization, Person, Role


@dataclass
class TrainedClass:
    department: Organization
    instructor: Person
    session: CourseSession
    officers: list[Person]
    completions: list[Completion] = field(default_factory=list)


def train(
    make,
    names=("Ofc. Sofia Rivera", "Ofc. Marcus Bell", "Ofc. Dana Whitehorse"),
    *,
    layout="officer-certification",
    instructor_current=True,
    audience=Audience.OFFICERS,
    grants=True,
    department=None,
    held_days_ago=10,
) -> TrainedClass:
    """Officers who completed an ALERRT refresher taught by a current instructor."""
    department = department or make.organization("Missoula Police Department")
    alerrt = make.track(name="ALERRT active-shooter response", validity_months=12)
    instructors = make.track(
        name="ALERRT instructor", validity_months=36, qualifies_instructors=True
    )
    instructor = make.person(Role.INSTRUCTOR, organization=department, name="Sgt. Erin Hayes")
    granted = date.today() - timedelta(days=400 if not instructor_current else 30)
    make.certification(
        instructor,
        instructors,
        granted_on=granted,
        expires_on=granted + timedelta(days=365 if not instructor_current else 1000),
    )
    course = make.course(
        organization=department,
        title="ALERRT Active-Shooter Response Refresher",
        audience=audience,
        certificate_layout=layout,
        grants_track=alerrt if grants else None,
        instructor_track=instructors,
    )
    session = make.session(
        course, start=date.today() - timedelta(days=held_days_ago), days=2, lead=instructor
    )
    officers = [make.person(Role.OFFICER, organization=department, name=name) for name in names]
    completions = [make.completion(make.enrollment(session, o)) for o in officers]
    return TrainedClass(department, instructor, session, officers, completions)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def qpdf_check(data: bytes, tmp_path) -> subprocess.CompletedProcess:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)


def read_qr(pdf: bytes, tmp_path: Path, dpi: int = 150) -> list[str]:
    """The QR codes on page 1, read by zxing-cpp (QR codes only: its other formats can
    find a false symbol in the text) from the page rendered by poppler."""
    source = tmp_path / "qr-page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", str(source), tmp_path / "p"],
        check=True,
    )
    [image] = tmp_path.glob("p*.png")
    found = [
        b.text
        for b in zxingcpp.read_barcodes(Image.open(image), formats=zxingcpp.BarcodeFormat.QRCode)
    ]
    image.unlink()
    return found
