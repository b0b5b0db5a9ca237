"""An instructor issues the roster's certificates; an officer downloads theirs and checks it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.credentials.support import pdf_text, read_qr, train

pytestmark = pytest.mark.browser


def test_issue_download_and_verify_in_a_browser(page, make, browser_sign_in, tmp_path):
    cls = train(make)
    browser_sign_in(cls.instructor)
    page.goto(f"/training/sessions/{cls.session.id}")
    page.get_by_role("link", name="Manage certificates").click()
    expect(page.get_by_text("0 of 3 completions have a certificate.")).to_be_visible()
    page.get_by_role("button", name="Issue all certificates").click()
    expect(page.get_by_text("Issued 3 certificates.")).to_be_visible()
    expect(page.get_by_text("3 of 3 completions have a certificate.")).to_be_visible()
    page.screenshot(path=str(tmp_path / "issued.png"), full_page=True)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")

    browser_sign_in(cls.officers[0])
    expect(page.get_by_role("heading", name="Your certificates")).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF certificate for ALERRT").click()
    pdf_path = tmp_path / "mine.pdf"
    info.value.save_as(pdf_path)
    data = pdf_path.read_bytes()
    assert "Ofc. Sofia Rivera" in pdf_text(data)
    assert len(PdfReader(pdf_path).pages) == 1

    [url] = read_qr(data, tmp_path)
    page.get_by_role("button", name="Sign out").click()  # the verify page is public
    page.wait_for_url("**/sign-in")
    page.goto(url)
    expect(page.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(page.get_by_text("Ofc. Sofia Rivera")).to_be_visible()
    expect(
        page.get_by_text("The signature in the scanned code matches this record")
    ).to_be_visible()
    page.screenshot(path=str(tmp_path / "verify.png"), full_page=True)
