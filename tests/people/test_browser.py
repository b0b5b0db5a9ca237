"""A coordinator adds an officer, makes them an instructor, invites them, and finds them."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lms.core import local_today
from lms.models import Role

pytestmark = pytest.mark.browser


def test_a_coordinator_adds_invites_and_finds_a_person(page, make, browser_sign_in):
    police = make.organization("Missoula Police Department")
    track = make.track("ALERRT", name="ALERRT response")
    today = local_today()
    for n, days in enumerate((200, 30, -12)):
        officer = make.person(Role.OFFICER, organization=police, name=f"Ofc. Example {n}")
        make.certification(officer, track, today - timedelta(days=300), today + timedelta(days))
    coordinator = make.person(Role.COORDINATOR, organization=police, name="Lt. Dana Cole")

    browser_sign_in(coordinator)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Full name").fill("Sgt. Erin Hayes")
    page.get_by_label("Name on certificates").fill("Erin Hayes")
    page.get_by_label("Email").fill("e.hayes@mpd.test")
    page.get_by_label("Employee number").fill("E-40112")
    page.get_by_label("Rank or title").fill("Sergeant")
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_text("Sgt. Erin Hayes is added.")).to_be_visible()

    page.get_by_label("Role", exact=True).select_option(label="Instructor")
    page.locator("#grant-reason").fill("Certified as an ALERRT instructor")
    page.get_by_role("button", name="Grant the role").click()
    expect(page.get_by_text("Sgt. Erin Hayes is now Instructor")).to_be_visible()

    page.get_by_role("button", name="Make a sign-up link").click()
    link = page.get_by_label("Sign-up link for Sgt. Erin Hayes").input_value()
    assert re.search(r"/training/claim/[A-Za-z0-9_-]{30,}$", link)
    page.screenshot(path="/tmp/people_person_1280.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/people_person_390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    nav.get_by_role("link", name="People").click()
    page.get_by_label("Certification").select_option(label="ALERRT response")
    page.get_by_label("Status", exact=True).select_option(label="Due soon")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#count")).to_have_text("1 person.")
    expect(page.get_by_role("link", name="Ofc. Example 1")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/people_directory_390.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Status", exact=True).select_option(label="Any status")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#count")).to_have_text("5 people.")
    page.screenshot(path="/tmp/people_directory_1280.png", full_page=True)
