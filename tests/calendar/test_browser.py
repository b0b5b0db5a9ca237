"""In a real browser: download a session's file, get a private link, subscribe to it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.models import Role

from .conftest import by_uid, read_calendar

pytestmark = pytest.mark.browser


def test_officer_downloads_a_session_and_gets_a_private_feed(page, make, browser_sign_in):
    officer = make.person(Role.OFFICER, name="Ofc. Sofia Rivera")
    course = make.course("ALERRT-REFRESH", title="ALERRT Active-Shooter Response Refresher")
    session = make.session(course, location="MPD Training Center", days=2)
    make.enrollment(session, officer)
    browser_sign_in(officer)

    page.goto(f"/training/sessions/{session.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    assert download.value.suggested_filename.startswith("alerrt-refresh-")
    raw = Path(download.value.path()).read_bytes()
    assert set(by_uid(read_calendar(raw, feed=False))) == {m.uid for m in session.meetings}

    page.goto("/training/account")
    page.get_by_role("button", name="Get my private link").click()
    expect(page.get_by_text("shown only this once")).to_be_visible()
    https_link = page.get_by_label("Your private feed: https link").input_value()
    subscribe = page.get_by_role("link", name="Subscribe to your private feed (webcal)")
    webcal = subscribe.get_attribute("href")
    assert webcal == "webcal://" + https_link.split("://", 1)[1]

    feed = page.request.get(https_link)
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    found = by_uid(read_calendar(feed.body()))
    assert set(found) == {m.uid for m in session.meetings}
    assert all(str(e["LOCATION"]) == "MPD Training Center" for e in found.values())
