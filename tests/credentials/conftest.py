"""Fixtures of the certificate tests."""

from __future__ import annotations

import functools

import pytest

from lms.credentials import operations

from .support import train


@pytest.fixture
def app_config(app_config, tmp_path):
    """Organization logos are read from a branding folder of the test's own."""
    return {**app_config, "LMS_BRANDING_DIR": str(tmp_path / "branding")}


@pytest.fixture
def trained_class(make):
    """Officers who completed an ALERRT refresher taught by a current instructor."""
    return functools.partial(train, make)


@pytest.fixture
def issued(make, trained_class):
    """A committed certificate for the first officer of a trained class."""

    def build(*names, **kw):
        cls = trained_class(names, **kw) if names else trained_class(**kw)
        report = operations.issue_certificates(cls.instructor, cls.session.id)
        make.db.commit()
        return cls, report.issued[0]

    return build
