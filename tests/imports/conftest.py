"""Imports tests: uploads kept in the test's own folder; a department, an agency, an admin."""

import io
import re
from html import unescape

import pytest

from lms.models import OrganizationKind, Role

INDEX = "/training/imports/"


@pytest.fixture
def app_config(app_config, tmp_path):
    return {**app_config, "LMS_IMPORT_DIR": str(tmp_path / "imports")}


@pytest.fixture
def department(make):
    return make.organization("Missoula Police Department", slug="mpd")


@pytest.fixture
def fire(make):
    return make.organization(
        "Missoula Fire Department", kind=OrganizationKind.PARTNER_AGENCY, slug="mfd"
    )


@pytest.fixture
def admin(make, department):
    return make.person(Role.ADMIN, organization=department, name="Chief Ada Stone")


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, kind: str, data: bytes, filename: str = "export.csv", **fields):
    """Post a file to the preview of ``kind`` ("people" or "records")."""
    return client.submit(
        INDEX,
        {"file": (io.BytesIO(data), filename), **fields},
        action=f"/training/imports/{kind}/preview",
        content_type="multipart/form-data",
    )


def hidden(page: str) -> dict[str, str]:
    """The preview's hidden fields and selected options: what its Apply button sends."""
    found = dict(re.findall(r'name="(upload|sha256|digest)" type="hidden" value="([^"]*)"', page))
    for name, body in re.findall(r'<select id="[^"]+" name="([^"]+)">(.*?)</select>', page, re.S):
        selected = re.search(r'<option selected value="([^"]*)"|value="([^"]*)" selected', body)
        if selected:
            found[name] = selected.group(1) or selected.group(2)
    return found


def apply(client, kind: str, page: str, **fields):
    """Press the preview's Apply button."""
    return client.submit(
        INDEX, {**hidden(page), **fields}, action=f"/training/imports/{kind}/apply"
    )


def text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())
