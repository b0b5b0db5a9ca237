"""A certificate's holder is told it was issued, with links to download and verify it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.credentials.support import train

from .invites import delivered


@pytest.fixture
def app_config(app_config, tmp_path):
    """Organization logos come from a branding folder of the test's own (see tests/credentials)."""
    return {**app_config, "LMS_BRANDING_DIR": str(tmp_path / "branding")}


def links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def test_the_holder_gets_the_download_and_verify_links(app, client, make, sign_in, smtp_server):
    cls = train(make, ("Ofc. Sofia Rivera",))
    officer = cls.officers[0]
    officer.email = "sofia@mpd.test"
    make.db.commit()
    sign_in(cls.instructor)
    page = f"/training/sessions/{cls.session.id}/certificates"
    response = client.submit(
        page,
        {"completion_id": cls.completions[0].id},
        action=f"{page}/issue",
        follow_redirects=True,
    )
    assert "Issued 1 certificate." in response.get_data(as_text=True)

    received = delivered(smtp_server)
    assert list(received) == [officer.email]  # not the instructor
    [message] = received[officer.email]
    assert message["Subject"] == (
        "Missoula Police Department: your ALERRT Active-Shooter Response Refresher certificate"
    )
    text = message.get_body(("plain",)).get_content()
    download, verify = links(text)
    assert download.endswith("/download") and "/verify/" in verify
    serial = verify.rsplit("/", 1)[1]
    assert f"Certificate number: {serial}" in text
    assert download in message.get_body(("html",)).get_content()

    # The verify page answers anyone; the download, its holder once signed in.
    path = lambda url: urlsplit(url).path  # noqa: E731 (LMS_PUBLIC_URL's host)
    anyone = app.test_client()
    checked = anyone.get(path(verify))
    assert checked.status_code == 200 and serial in checked.get_data(as_text=True)
    assert anyone.get(path(download)).status_code == 302  # to the sign-in page
    holder = app.test_client()
    make.set_password(officer)
    holder.submit("/training/sign-in", {"email": officer.email, "password": make.PASSWORD})
    pdf = holder.get(path(download))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
