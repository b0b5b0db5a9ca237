"""The calendar parts of pages: the feeds page, the session page, the account page."""

from datetime import timedelta

import pytest

from lms.app import create_app
from lms.calendar.operations import bump_revision
from lms.config import ConfigError
from lms.models import Role, utcnow

from .conftest import read_calendar


def test_the_feeds_page_offers_webcal_and_https_links_with_steps(client, make):
    make.course("CRASE", title="CRASE: Avoid, Deny, Defend", is_public=True)
    make.course("ALERRT-REFRESH", title="ALERRT Refresher")
    page = client.get("/training/calendar/").get_data(as_text=True)
    assert 'value="http://localhost/training/calendar/public.ics"' in page
    assert 'href="webcal://localhost/training/calendar/public.ics"' in page
    assert "webcal://localhost/training/calendar/courses/CRASE.ics" in page
    assert "ALERRT Refresher" not in page
    assert "public.ics?audience=civilians,school_staff" in page
    for steps in ("Google Calendar", "Subscribe from web", "New Calendar Subscription"):
        assert steps in page
    assert "Your private feed" not in page  # signed out
    for link in ("/training/calendar/public.ics", "/training/calendar/courses/CRASE.ics"):
        read_calendar(client.get(link).data)


def test_the_session_page_offers_the_file_and_the_course_feed(client, make, sign_in):
    course = make.course("CRASE", is_public=True)
    public = make.session(course, is_public=True, days=2)
    page = client.get(f"/training/sessions/{public.id}").get_data(as_text=True)
    assert (
        f'href="/training/sessions/{public.id}/calendar.ics" download>Add to calendar (.ics)'
        in page
    )
    assert "One event per day of the session." in page
    assert "webcal://localhost/training/calendar/courses/CRASE.ics" in page

    internal = make.session(make.course("ALERRT-REFRESH"))
    sign_in(make.person(Role.OFFICER))
    page = client.get(f"/training/sessions/{internal.id}").get_data(as_text=True)
    assert f"/training/sessions/{internal.id}/calendar.ics" in page
    assert "courses/ALERRT-REFRESH.ics" not in page  # no public feed for it
    assert "your private feed" in page


def test_bump_revision_moves_only_forward_and_only_the_meetings_named(make):
    session = make.session(days=3)
    later = utcnow() + timedelta(hours=1)
    bump_revision(session, now=later)
    assert session.revision == 1 and session.revised_at == later
    assert [m.sequence for m in session.meetings] == [1, 1, 1]
    bump_revision(session, [session.meetings[2]], now=later - timedelta(days=1))
    assert session.revision == 2 and session.revised_at == later  # never backwards
    assert [m.sequence for m in session.meetings] == [1, 1, 2]


@pytest.mark.parametrize("value", ["0", "soon", -5])
def test_a_bad_calendar_option_stops_the_app_at_start(app_config, value):
    with pytest.raises(ConfigError, match="LMS_CALENDAR_REFRESH_MINUTES"):
        create_app({**app_config, "LMS_CALENDAR_REFRESH_MINUTES": value})
