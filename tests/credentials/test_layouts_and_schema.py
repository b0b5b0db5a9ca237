"""Layouts come from data and plugins; the schema the models declare is the migrated one."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from lms import migrate
from lms.app import db
from lms.core import registries
from lms.credentials import operations, printing
from lms.models import Certificate
from lms.models.certificates import CertificateRewriteError, CertificateStatus
from lms.plugins import CertificateLayout
from lms.resources import layouts_dir

from .support import pdf_text


def test_models_and_migrations_agree(app):
    assert migrate.differences(db.engine) == []


def test_the_three_shipped_layouts_are_registered(app):
    names = set(registries().certificate_layouts.names())
    assert {"officer-certification", "instructor-certification", "civilian-attendance"} <= names


def test_a_plugin_layout_is_used_by_the_course_that_picks_it(app, make, trained_class, tmp_path):
    folder = tmp_path / "school-staff"
    folder.mkdir()
    spec = json.loads((layouts_dir() / "civilian-attendance" / "layout.json").read_text())
    spec.update(name="school-staff", label="School staff", title="Certificate of Completion")
    shutil.copy(layouts_dir() / "shared" / "art" / "department-seal.png", folder / "crest.png")
    spec["logo"]["default"] = "crest.png"
    (folder / "layout.json").write_text(json.dumps(spec))
    registries().certificate_layouts.register(CertificateLayout.from_file(folder / "layout.json"))

    cls = trained_class(("Ms. Lee Teacher",), layout="school-staff", grants=False)
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    cert = make.db.scalars(select(Certificate)).one()
    assert cert.layout_key == "school-staff"
    with app.test_request_context():
        text = pdf_text(printing.render_pdf(cert))
    assert "Certificate of Completion" in text and "Ms. Lee Teacher" in text


def test_the_organization_logo_comes_only_from_the_branding_folder(app, make, trained_class):
    cls = trained_class(("Ofc. A",))
    cls.department.logo_path = "../../../../etc/passwd"
    make.db.commit()
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    cert = make.db.scalars(select(Certificate)).one()
    assert printing.organization_logo(cert) is None  # outside LMS_BRANDING_DIR: ignored
    with app.test_request_context():
        assert b"%PDF" in printing.render_pdf(cert)[:8]


def test_an_organization_logo_brands_its_certificates(app, make, trained_class):
    branding = Path(app.config["LMS_BRANDING_DIR"])
    branding.mkdir()
    Image.new("RGB", (48, 24), (200, 30, 30)).save(branding / "mpd.png")
    cls = trained_class(("Ofc. A",))
    cls.department.logo_path = "mpd.png"
    make.db.commit()
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    cert = make.db.scalars(select(Certificate)).one()
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(printing.render_pdf(cert)))
    images = reader.pages[0]["/Resources"]["/XObject"].values()
    assert (48, 24) in {(int(i["/Width"]), int(i["/Height"])) for i in images}


def test_an_issued_certificate_cannot_be_rewritten_or_deleted(make, trained_class):
    cls = trained_class(("Ofc. A",))
    operations.issue_certificates(cls.instructor, cls.session.id)
    make.db.commit()
    cert = make.db.scalars(select(Certificate)).one()
    cert.holder_name = "Ofc. B"
    with pytest.raises(CertificateRewriteError, match="cannot be changed"):
        make.db.commit()
    make.db.rollback()
    make.db.delete(make.db.get(Certificate, cert.id))
    with pytest.raises(CertificateRewriteError, match="never deleted"):
        make.db.commit()
    make.db.rollback()
    operations.revoke_certificate(cls.instructor, cert.id, "wrong roster")
    make.db.commit()
    revoked = make.db.get(Certificate, cert.id)
    revoked.status = CertificateStatus.ISSUED
    with pytest.raises(CertificateRewriteError, match="revoked certificate is final"):
        make.db.commit()
    make.db.rollback()
