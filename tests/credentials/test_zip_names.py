"""Certificates in a ZIP are named after their holders in any script, transliterated whole."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lms.credentials import operations
from lms.credentials.batch import certificate_filename, zip_of
from lms.models import Certificate


@pytest.mark.parametrize(
    ("holder", "expected"),
    [
        ("Алексей Смирнов", "certificate-Aleksey-Smirnov-7KQ2-M9XA.pdf"),
        ("محمد عبد الله", "certificate-mhmd-bd-llh-7KQ2-M9XA.pdf"),
        ("王伟", "certificate-WangWei-7KQ2-M9XA.pdf"),
        ("佐藤 花子", "certificate-ZuoTeng-HuaZi-7KQ2-M9XA.pdf"),
        ("김민준", "certificate-GimMinJun-7KQ2-M9XA.pdf"),
        ("Αλέξανδρος Παπαδόπουλος", "certificate-Alexandros-Papadopoylos-7KQ2-M9XA.pdf"),
        ("Ofc. Zoë Ångström-Núñez", "certificate-Ofc-Zoe-Angstrom-Nunez-7KQ2-M9XA.pdf"),
        (
            "Maximilian Alexander Konstantin von Hohenberg-Wittelsbach the Third",
            "certificate-Maximilian-Alexander-Konstantin-von-Hohenberg-Wittelsbach-7KQ2-M9XA.pdf",
        ),
        ("../../etc/passwd", "certificate-etc-passwd-7KQ2-M9XA.pdf"),
    ],
)
def test_a_file_is_named_after_its_holder_in_ascii(holder, expected):
    assert certificate_filename(holder, "7KQ2-M9XA-3FJD-00AB") == expected


def test_two_files_of_the_same_name_both_stay_in_the_zip():
    data = zip_of([("certificate-A-1.pdf", b"one"), ("certificate-A-1.pdf", b"two")])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["certificate-A-1.pdf", "certificate-A-1-2.pdf"]
        assert archive.read("certificate-A-1-2.pdf") == b"two"


NAMES = ("Алексей Смирнов", "محمد عبد الله", "王伟", "佐藤 花子", "김민준")


def test_the_session_zip_names_each_certificate_after_its_holder(
    client, make, sign_in, trained_class
):
    cls = trained_class(NAMES)
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    certificates = make.db.scalars(select(Certificate)).all()
    assert sorted(c.holder_name for c in certificates) == sorted(NAMES)
    sign_in(cls.instructor)
    response = client.get(f"/training/sessions/{cls.session.id}/certificates.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        entries = archive.infolist()
        files = {entry.filename: archive.read(entry) for entry in entries}
    expected = {
        certificate_filename(c.holder_name, c.display_serial): c.holder_name for c in certificates
    }
    assert set(files) == set(expected)
    assert {name.split("-")[1] for name in files} == {
        "Aleksey",
        "mhmd",
        "WangWei",
        "ZuoTeng",
        "GimMinJun",
    }
    for entry in entries:
        assert entry.filename.isascii() and not entry.flag_bits & 0x800  # plain ASCII names
        title = PdfReader(io.BytesIO(files[entry.filename])).metadata.title
        assert title.endswith(f": {expected[entry.filename]}")  # the file is that holder's
