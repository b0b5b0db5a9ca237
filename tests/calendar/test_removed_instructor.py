"""An instructor taken off a session sees its meetings turn CANCELLED in their feed.

The event stays, cancelled and with a higher SEQUENCE, as long as a cancelled
session's would (until the meeting is over, or LMS_CALENDAR_CANCELLED_DAYS
after the change, whichever is later); put back, they see it taught again.
Everywhere else (the session page, their dashboard) only current instructors count.
"""

from datetime import timedelta

import pytest

from lms.calendar import views
from lms.calendar.operations import regenerate_feed_token
from lms.core import local_today
from lms.models import InstructorRemoval, Role
from tests.enrollment.helpers import flash_text
from tests.scheduling.test_sessions import edit_form

from .test_feed_changes import Subscription


@pytest.fixture
def taught(make):
    """A two-day session led by Erin Hayes, 14 days ahead."""
    instructor = make.person(Role.INSTRUCTOR, name="Erin Hayes")
    course = make.course(title="ALERRT Instructor Course")
    session = make.session(course, days=2, lead=instructor)
    return session, instructor


@pytest.fixture
def feed(client, make, taught):
    token = regenerate_feed_token(taught[1])
    make.db.commit()
    subscription = Subscription(client, f"/training/calendar/private/{token}.ics")
    assert subscription.refresh()
    return subscription


def edit(client, make, session, **fields):
    """The coordinator saves the session's edit form, changed by ``fields``."""
    client.submit(f"/training/schedule/sessions/{session.id}/edit", edit_form(session, **fields))
    make.db.expire_all()


def seen(feed) -> dict[str, tuple[str, str, int]]:
    return {
        uid: (str(e["STATUS"]), str(e["SUMMARY"]), int(e["SEQUENCE"]))
        for uid, e in feed.events().items()
    }


def test_taken_off_and_put_back_the_instructor_sees_cancelled_then_teaching(
    client, make, sign_in, taught, feed
):
    session, instructor = taught
    uids = [m.uid for m in session.meetings]
    title = "ALERRT Instructor Course"
    assert seen(feed) == {
        uids[0]: ("CONFIRMED", f"Teaching: {title} (day 1 of 2)", 0),
        uids[1]: ("CONFIRMED", f"Teaching: {title} (day 2 of 2)", 0),
    }
    sign_in(make.person(Role.COORDINATOR, organization=session.organization))

    edit(client, make, session, lead_ids=[])
    assert session.lead_instructors == []
    assert feed.refresh(), "the instructor's calendar was told nothing changed"
    assert seen(feed) == {
        uids[0]: ("CANCELLED", f"Cancelled: {title} (day 1 of 2)", 1),
        uids[1]: ("CANCELLED", f"Cancelled: {title} (day 2 of 2)", 1),
    }
    assert "You no longer teach this session." in str(feed.events()[uids[0]]["DESCRIPTION"])
    removal = make.db.query(InstructorRemoval).one()
    assert removal.person_id == instructor.id and removal.session_id == session.id

    # The session moves on without them: their cancelled copy follows it.
    before = feed.events()[uids[0]]["DTSTART"].dt
    edit(client, make, session, **{"meetings-0-starts": "09:00"})
    assert feed.refresh()
    assert feed.events()[uids[0]]["DTSTART"].dt == before + timedelta(hours=1)

    edit(client, make, session, lead_ids=[str(instructor.id)])
    assert feed.refresh()
    assert seen(feed)[uids[0]] == ("CONFIRMED", f"Teaching: {title} (day 1 of 2)", 3)
    edit(client, make, session, lead_ids=[])
    assert feed.refresh()
    assert seen(feed)[uids[0]] == ("CANCELLED", f"Cancelled: {title} (day 1 of 2)", 4)


def test_the_cancelled_copy_stays_as_long_as_a_cancelled_sessions_would(
    client, make, sign_in, taught, feed, monkeypatch, app
):
    session, _instructor = taught
    uid = session.meetings[-1].uid
    sign_in(make.person(Role.COORDINATOR, organization=session.organization))
    edit(client, make, session, lead_ids=[])
    grace = app.config["LMS_CALENDAR_CANCELLED_DAYS"]
    assert grace < 14 + 2 + app.config["LMS_CALENDAR_HISTORY_DAYS"]  # still in the window

    def shown_on(day) -> bool:
        monkeypatch.setattr(views, "local_today", lambda: day)
        feed.refresh()
        return uid in feed.events()

    assert shown_on(local_today() + timedelta(days=grace))  # the meeting is over by then
    assert not shown_on(local_today() + timedelta(days=grace + 1))


def test_only_current_instructors_are_named_or_counted_elsewhere(client, make, sign_in, taught):
    session, instructor = taught
    page = f"/training/sessions/{session.id}"

    def as_(person):
        client.submit("/training/", {}, action="/training/sign-out")
        return sign_in(person)

    sign_in(instructor)
    assert "Sessions you teach" in flash_text(client.get("/training/"))
    as_(make.person(Role.COORDINATOR, organization=session.organization))
    assert "Lead instructor Erin Hayes" in flash_text(client.get(page))
    edit(client, make, session, lead_ids=[])
    assert "Erin Hayes" not in flash_text(client.get(page))
    assert not session.is_taught_by(instructor.id)
    as_(instructor)
    assert "Sessions you teach" not in flash_text(client.get("/training/"))
