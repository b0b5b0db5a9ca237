"""In a browser, with the mail really sent: forgot the password, the message arrives at the
SMTP server, its link opens the form, a new password signs the person in."""

import re

import pytest
from playwright.sync_api import expect

from lms.mail.delivery import deliver_due
from lms.models import Role
from tests.mail.smtp import smtp_config

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Avoid-Deny-Defend-2031"
RESET_URL = re.compile(r"https?://\S+/training/reset-password/[A-Za-z0-9_-]{43}")


@pytest.fixture
def app_config(app_config, smtp_server):
    return smtp_config(app_config, smtp_server)


def test_forgot_password_by_mail_to_signed_in(page, live_server, make, smtp_server, tmp_path):
    make.person(
        Role.OFFICER, name="Ofc. Sofia Rivera", email="s.rivera@mpd.test", password=make.PASSWORD
    )
    make.db.commit()

    page.goto("/training/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("s.rivera@mpd.test")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    # The worker's round: the message goes over SMTP to the person's address.
    assert deliver_due().sent == 1
    [received] = smtp_server.inbox.received
    assert received.recipients == ["s.rivera@mpd.test"]
    mail = received.message
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    [url] = RESET_URL.findall(text)
    assert url.startswith(live_server) and url in html  # the address the browser used

    page.goto(url)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    page.wait_for_url("**/training/")
    expect(page.get_by_text("Your new password is set and you are signed in")).to_be_visible()
    expect(page.get_by_text("Welcome, Ofc. Sofia Rivera")).to_be_visible()
    page.screenshot(path=str(tmp_path / "signed_in_from_mail.png"), full_page=True)

    # The link in the mail worked once.
    assert page.goto(url).status == 410
