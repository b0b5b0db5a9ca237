"""The import pages as a user sees them, at phone and desktop widths (screenshots kept)."""

import pytest

from lms.models import Role
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.slow


def test_people_import_in_the_browser(page, browser_sign_in, make, tmp_path):
    department = make.organization("Missoula Police Department", slug="mpd")
    admin = make.person(Role.ADMIN, organization=department, name="Chief Ada Stone")
    browser_sign_in(admin)
    path = tmp_path / "hr.csv"
    path.write_bytes(
        csv_bytes("Employee #,Name,E-mail,Schicht", "1,Dana Rivera,dana@example.org,Nacht")
    )
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/training/imports/")
        page.set_input_files("#file", str(path))
        page.select_option("#organization", label="Missoula Police Department")
        page.get_by_role("button", name="Preview").first.click()
        page.wait_for_selector("text=this column is not recognized")
        page.screenshot(path=f"/tmp/import-shots/mapping-{width}.png", full_page=True)
        page.select_option("#map-3", "ignore")
        page.get_by_role("button", name="Preview again").click()
        page.wait_for_selector("text=1 to create")
        page.screenshot(path=f"/tmp/import-shots/preview-{width}.png", full_page=True)
    page.get_by_role("button", name="Apply this import").click()
    page.wait_for_selector("text=Imported hr.csv: 1 created")
