"""A demo officer signs in with a real browser and sees their own dashboard."""

import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_PASSWORD, load_demo
from lms.models import Person

pytestmark = pytest.mark.browser


def test_demo_officer_signs_in_and_sees_their_dashboard(page, make, tmp_path):
    load_demo()
    officer = make.db.query(Person).filter_by(email="officer.rivera@demo.lms.test").one()

    page.goto("/training/sign-in")
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/training/")

    expect(page.get_by_role("heading", name="Welcome, Ofc. Sofia Rivera")).to_be_visible()
    coming = page.get_by_role("region", name="Your coming sessions")
    row = coming.get_by_role("row").filter(has_text="ALERRT Active-Shooter Response Refresher")
    expect(row).to_be_visible()
    assert "MPD Training Center" in row.inner_text()
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/training/account")
    page.wait_for_url("**/sign-in**")  # one's account is closed again


def test_wrong_password_shows_the_generic_message(page, make):
    officer = make.person(email="someone@example.test")
    make.set_password(officer)
    page.goto("/training/sign-in")
    expect(page.get_by_label("Email")).to_be_focused()  # autofocus: type straight away
    page.get_by_label("Email").fill("someone@example.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_focused()
    assert page.get_by_role("alert").get_by_role("paragraph").inner_text() == (
        "That email and password do not match an active account."
    )
