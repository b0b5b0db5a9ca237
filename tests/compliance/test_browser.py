"""A coordinator reads the compliance page and downloads its CSV in a real browser."""

import csv
from datetime import timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_coordinator_downloads_the_compliance_csv(page, make, program, browser_sign_in):
    fire = make.organization("Missoula Fire Department", slug="mfd")
    today = program.today
    for name, days, org in [
        ("Ofc. Sofia Rivera", 200, None),
        ("Ofc. Ben Clearwater", 30, None),
        ("Ofc. Minh Nguyen", -12, None),
        ("Ofc. Aaron Fisk", None, None),
        ("Capt. Ruth Alvarez", 150, fire),
        ("FF Daniel Kim", None, fire),
    ]:
        person = program.officer(name, organization=org)
        if days is not None:
            program.certify(person, program.alerrt, expires_on=today + timedelta(days=days))
    coordinator = program.coordinator(name="Lt. Marcus Bell")

    browser_sign_in(coordinator)
    page.get_by_role("link", name="Compliance by agency").click()
    expect(page.get_by_role("heading", name="Certification compliance")).to_be_visible()
    # The page draws the chart twice (wide and narrow) and its stylesheet hides the
    # one that does not fit; until that stylesheet has loaded, both are showing.
    page.wait_for_load_state("load")
    chart = page.get_by_role("img", name="ALERRT active-threat response: who is current, by agency")
    expect(chart).to_be_visible()
    page.screenshot(path="/tmp/h4_compliance.png", full_page=True)

    page.get_by_label("Status").select_option(label="Expired")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 row.")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"compliance-{today.isoformat()}.csv"
    with open(download.path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Name"], r["Agency"], r["Status"]) for r in rows] == [
        ("Ofc. Minh Nguyen", "Missoula Police Department", "Expired")
    ]
