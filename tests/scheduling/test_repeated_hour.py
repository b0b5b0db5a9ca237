"""A meeting typed in the hour the clocks repeat: the form asks which of the two it is."""

import re
from datetime import UTC, datetime

from lms.models import CourseSession, Meeting
from tests.enrollment.helpers import flash_text
from tests.scheduling.test_sessions import NEW, edit_form, session_form

BOTH = "1:30 AM MDT (UTC−6) or 1:30 AM MST (UTC−7)"


def choice(response, name: str) -> tuple[list[str], str | None]:
    """The options a select of the page offers (their text) and the one selected, if any."""
    body = response.get_data(as_text=True)
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', body, re.S)
    assert found, f"no choice {name} on the page"
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", found.group(1))
    selected = [re.search(r'value="([^"]*)"', attrs).group(1) for attrs, _ in options
                if "selected" in attrs]  # fmt: skip
    return [text for _, text in options], (selected[0] if selected else None)


def test_a_time_that_happens_twice_is_refused_naming_both_until_one_is_chosen(
    client, make, sign_in, coordinator, crase
):
    sign_in(coordinator)
    typed = session_form(crase, [("2027-11-07", "01:30", "03:00")])
    response = client.submit(NEW, typed)
    assert response.status_code == 400
    text = flash_text(response)
    assert "1:30 AM on Sun 07 Nov 2027 happens twice in America/Denver" in text
    assert f"Choose which one: {BOTH}." in text
    options, selected = choice(response, "meetings-0-starts_occurrence")
    assert options == ["Choose which one", "1:30 AM MDT (UTC−6)", "1:30 AM MST (UTC−7)"]
    assert selected is None
    assert 'name="meetings-0-ends_occurrence"' not in response.get_data(as_text=True)  # 3 AM
    assert make.db.query(CourseSession).count() == 0

    # Chosen, but another field is wrong: the page comes back with the choice kept.
    chosen = {**typed, "meetings-0-starts_occurrence": "second", "capacity": ""}
    response = client.submit(NEW, chosen)
    assert response.status_code == 400
    assert "Choose which one:" not in flash_text(response)
    assert choice(response, "meetings-0-starts_occurrence")[1] == "second"

    response = client.submit(NEW, {**chosen, "capacity": "20"}, follow_redirects=True)
    assert "Sun 07 Nov 2027, 1:30 AM MST – 3:00 AM MST" in flash_text(response)
    meeting = make.db.query(Meeting).one()
    assert meeting.starts_at == datetime(2027, 11, 7, 8, 30, tzinfo=UTC)


def test_the_first_occurrence_is_kept_when_chosen(client, make, sign_in, coordinator, crase):
    sign_in(coordinator)
    typed = session_form(
        crase, [("2027-11-07", "00:30", "01:45")], **{"meetings-0-ends_occurrence": "first"}
    )
    response = client.submit(NEW, typed, follow_redirects=True)
    assert "Sun 07 Nov 2027, 12:30 AM MDT – 1:45 AM MDT" in flash_text(response)
    meeting = make.db.query(Meeting).one()
    assert meeting.ends_at == datetime(2027, 11, 7, 7, 45, tzinfo=UTC)


def test_editing_a_meeting_in_the_repeated_hour_shows_and_keeps_its_occurrence(
    client, make, sign_in, coordinator, crase
):
    session = make.session(crase, hours=(0, 1))
    meeting = session.meetings[0]
    meeting.starts_at = datetime(2027, 11, 7, 8, 30, tzinfo=UTC)  # 1:30 AM MST, the second
    meeting.ends_at = datetime(2027, 11, 7, 10, 0, tzinfo=UTC)  # 3:00 AM MST
    make.db.commit()
    sign_in(coordinator)
    url = f"/training/schedule/sessions/{session.id}/edit"
    page = client.get(url)
    assert choice(page, "meetings-0-starts_occurrence") == (
        ["Choose which one", "1:30 AM MDT (UTC−6)", "1:30 AM MST (UTC−7)"],
        "second",
    )
    # Saved as the page shows it (the browser sends the selected occurrence back).
    form = edit_form(session, capacity="15", **{"meetings-0-starts_occurrence": "second"})
    assert client.submit(url, form).status_code == 302
    make.db.expire_all()
    assert meeting.starts_at == datetime(2027, 11, 7, 8, 30, tzinfo=UTC)
    assert session.capacity == 15


def test_registration_closing_in_the_repeated_hour_asks_too(
    client, make, sign_in, coordinator, crase
):
    sign_in(coordinator)
    typed = session_form(
        crase, [("2027-11-08", "08:00", "12:00")], registration_closes="2027-11-07T01:30"
    )
    response = client.submit(NEW, typed)
    assert response.status_code == 400
    assert f"Choose which one: {BOTH}." in flash_text(response)
    chosen = {**typed, "registration_closes_occurrence": "second"}
    assert client.submit(NEW, chosen).status_code == 302
    session = make.db.query(CourseSession).one()
    assert session.registration_closes_at == datetime(2027, 11, 7, 8, 30, tzinfo=UTC)
