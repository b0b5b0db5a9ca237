"""In a browser: forgot the password, ask for a link, choose a new password, signed in."""

import pytest
from playwright.sync_api import expect

from lms.models import Role

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Avoid-Deny-Defend-2031"


def shoot(page, path, name):
    """Screenshots of the page as a phone (390 px) and a desktop (1280 px) show it."""
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=path / f"{name}_{width}.png", full_page=True)


def test_forgot_password_to_signed_in(page, make, issued_links, tmp_path):
    make.person(
        Role.OFFICER, name="Ofc. Sofia Rivera", email="s.rivera@mpd.test", password=make.PASSWORD
    )

    page.goto("/training/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    shoot(page, tmp_path, "forgot")
    page.get_by_label("Email").fill("s.rivera@mpd.test")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("s.rivera@mpd.test")
    shoot(page, tmp_path, "sent")

    # The message is not sent yet (mail comes later): the link as the mailer gets it.
    (link,) = issued_links
    page.goto(f"/training/reset-password/{link.token}")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Repeat the new password").fill("password1234")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.locator(".field.has-error")).to_be_visible()  # too easy to guess
    shoot(page, tmp_path, "reset_refused")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    page.wait_for_url("**/training/")
    expect(page.get_by_text("Your new password is set and you are signed in")).to_be_visible()
    expect(page.get_by_text("Welcome, Ofc. Sofia Rivera")).to_be_visible()
    shoot(page, tmp_path, "signed_in")

    # The link worked once.
    response = page.goto(f"/training/reset-password/{link.token}")
    assert response.status == 410
    expect(page.get_by_text("This one was used, replaced by a newer link")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"/training/reset-password/{link.token}")
    expect(page.get_by_role("link", name="Send me a new link")).to_be_visible()
    shoot(page, tmp_path, "link_gone")


def test_an_admin_hands_a_reset_link_to_someone_locked_out(
    page, browser, live_server, make, browser_sign_in, tmp_path
):
    police = make.organization("Missoula Police Department")
    officer = make.person(
        Role.OFFICER, organization=police, name="Ofc. Sofia Rivera", password=make.PASSWORD
    )
    admin = make.person(Role.ADMIN, organization=police, name="Alex Admin")
    browser_sign_in(admin)
    page.goto(f"/training/people/{officer.id}")
    expect(page.get_by_role("heading", name="Password-reset link")).to_be_visible()
    page.get_by_role("button", name="Make a password-reset link").click()
    message = page.get_by_role("status")
    expect(message).to_contain_text("This is a reset link, not an invitation")
    url = page.get_by_label("Password-reset link for Ofc. Sofia Rivera").input_value()
    assert "/training/reset-password/" in url
    shoot(page, tmp_path, "admin_reset_link")

    # The officer opens it in their own browser.
    context = browser.new_context(base_url=live_server)
    officer_page = context.new_page()
    officer_page.goto(url)
    officer_page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    officer_page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    officer_page.get_by_role("button", name="Set my new password").click()
    officer_page.wait_for_url("**/training/")
    expect(officer_page.get_by_text("Welcome, Ofc. Sofia Rivera")).to_be_visible()
    context.close()
