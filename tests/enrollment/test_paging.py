"""Lists of coming classes come a page at a time: the soonest first, then "Next page"."""

import re
from datetime import date, timedelta

import pytest

from lms.catalog.queries import SESSIONS_A_PAGE
from lms.models import Role
from tests.rosters.helpers import visible

FIRST_DAY = date.today() + timedelta(days=10)


@pytest.fixture
def thirty_classes(make, crase):
    """30 public CRASE classes, one a day, each in its own room (Room 1 is the soonest)."""
    return [
        make.session(
            crase, start=FIRST_DAY + timedelta(days=i), is_public=True, location=f"Room {i + 1}"
        )
        for i in range(30)
    ]


def rooms(page: str) -> list[int]:
    """The classes a page lists, by room, in the order shown."""
    return [int(n) for n in re.findall(r"Room (\d+)", page)]


def test_the_public_list_shows_the_soonest_classes_first_and_pages_on(client, thirty_classes):
    first = client.get("/training/sessions/")
    page = visible(first)
    assert SESSIONS_A_PAGE == 25
    assert rooms(page) == list(range(1, 26))
    assert "Showing 1–25 of 30, page 1 of 2. Next page" in page
    assert 'rel="next" href="/training/sessions/?page=2"' in first.get_data(as_text=True)
    assert "Previous page" not in page

    second = visible(client.get("/training/sessions/?page=2"))
    assert rooms(second) == list(range(26, 31))
    assert "Showing 26–30 of 30, page 2 of 2. Previous page" in second
    assert "Next page" not in second
    # A page past the last shows the last.
    assert rooms(visible(client.get("/training/sessions/?page=9"))) == list(range(26, 31))


@pytest.mark.parametrize("raw", ["0", "-1", "two", "1.5", "١", "9999999", "9" * 10_000])
def test_a_page_number_that_is_not_one_is_refused_with_the_reason(client, thirty_classes, raw):
    answer = client.get("/training/sessions/", query_string={"page": raw})
    assert answer.status_code == 400
    assert "The page number must be a whole number from 1." in visible(answer)


def test_a_short_list_has_no_page_links(client, make, crase):
    make.session(crase, start=FIRST_DAY, is_public=True, location="Room 1")
    page = visible(client.get("/training/sessions/"))
    assert rooms(page) == [1]
    assert "page 1 of" not in page and "Next page" not in page


def test_a_group_coordinator_pages_through_the_community_classes(
    client, sign_in, school, school_coordinator, thirty_classes
):
    sign_in(school_coordinator)
    home = f"/training/groups/{school.id}/"
    first = client.get(home)
    assert rooms(visible(first)) == list(range(1, 26))
    assert f'href="{home}?page=2"' in first.get_data(as_text=True)
    second = visible(client.get(f"{home}?page=2"))
    assert rooms(second) == list(range(26, 31))
    assert "Showing 26–30 of 30, page 2 of 2." in second


def test_the_schedule_pages_its_coming_sessions_for_staff(client, make, sign_in, thirty_classes):
    sign_in(make.person(Role.ADMIN))
    first = visible(client.get("/training/schedule/"))
    assert rooms(first) == list(range(1, 26))
    assert "Showing 1–25 of 30, page 1 of 2." in first
    assert rooms(visible(client.get("/training/schedule/?page=2"))) == list(range(26, 31))
