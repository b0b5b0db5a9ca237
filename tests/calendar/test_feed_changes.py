"""A private feed's ETag moves with every change its owner could see, and only then.

The ETag is read from the owner's rows in the feed change log, which database
triggers write. Each test changes one kind of row (through the ORM as the LMS
does, through an operation, or with plain SQL past the ORM as a host might)
and revalidates as a calendar client does: 200 with the change, or 304.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, inspect, text

from lms import migrate
from lms.calendar import views
from lms.calendar.operations import bump_revision, regenerate_feed_token
from lms.core import department_zone, local_today
from lms.enrollment.operations import cancel_enrollment
from lms.models import (
    EnrollmentStatus,
    InstructorRole,
    Meeting,
    Role,
    SessionInstructor,
    SessionStatus,
    utcnow,
)

from .conftest import by_uid, read_calendar


class Subscription:
    """A calendar client holding one feed: it sends back the last ETag it was given."""

    def __init__(self, client, url: str):
        self.client, self.url, self.etag = client, url, None
        self.body = b""

    def refresh(self) -> bool:
        """Fetch again; True if the server sent a new copy (200), False on 304."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        response = self.client.get(self.url, headers=headers)
        if response.status_code == 304:
            assert response.data == b"" and response.headers["ETag"] == self.etag
            return False
        assert response.status_code == 200, response.status_code
        assert response.headers["ETag"] != self.etag
        self.etag, self.body = response.headers["ETag"], response.data
        return True

    def events(self) -> dict:
        return by_uid(read_calendar(self.body))


@pytest.fixture
def world(make):
    """An officer enrolled in one session, teaching another, certified on a track."""
    officer = make.person(Role.OFFICER, name="Dana Reyes")
    instructor_course = make.course(title="ALERRT Instructor Course")
    enrolled = make.session()
    taught = make.session(instructor_course, start=local_today() + timedelta(days=30))
    taught.instructors.append(SessionInstructor(person=officer, role=InstructorRole.ASSISTANT))
    enrollment = make.enrollment(enrolled, officer)
    track = make.track(name="ALERRT refresher")
    certification = make.certification(officer, track, local_today() - timedelta(days=200))
    make.db.commit()
    return {
        "officer": officer,
        "enrolled": enrolled,
        "taught": taught,
        "enrollment": enrollment,
        "track": track,
        "certification": certification,
    }


@pytest.fixture
def feed(client, make, world):
    token = regenerate_feed_token(world["officer"])
    make.db.commit()
    subscription = Subscription(client, f"/training/calendar/private/{token}.ics")
    assert subscription.refresh()
    assert not subscription.refresh()  # nothing changed: 304
    return subscription


def _enrolled_elsewhere(make, world):
    make.enrollment(make.session(location="Range 2"), world["officer"])


def _seat_from_the_waitlist(make, world):
    session = make.session(capacity=1)
    holder = make.enrollment(session, make.person(Role.OFFICER))
    make.enrollment(session, world["officer"], status=EnrollmentStatus.WAITLISTED)
    cancel_enrollment(holder.id, make.person(Role.ADMIN), "Sick", enforce_cutoff=False)
    make.db.commit()


def _own_place_cancelled(make, world):
    enrollment = world["enrollment"]
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.cancelled_at = enrollment.status_changed_at = utcnow()
    make.db.commit()


def _session_moved(make, world):
    session = world["enrolled"]
    for meeting in session.meetings:
        meeting.starts_at += timedelta(days=1)
        meeting.ends_at += timedelta(days=1)
    bump_revision(session)
    make.db.commit()


def _session_cancelled(make, world):
    session = world["enrolled"]
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = utcnow()
    session.cancel_reason = "Range closed"
    bump_revision(session)
    make.db.commit()


def _meeting_added(make, world):
    session = world["enrolled"]
    last = session.meetings[-1]
    session.meetings.append(
        Meeting(
            starts_at=last.starts_at + timedelta(days=1), ends_at=last.ends_at + timedelta(days=1)
        )
    )
    make.db.commit()


def _meeting_moved_with_plain_sql(make, world):
    # A host application or a console, past the LMS's operations and the ORM.
    meeting_id = world["enrolled"].meetings[0].id
    make.db.execute(
        text("UPDATE lms_meeting SET location = 'Gymnasium' WHERE id = :id"), {"id": meeting_id}
    )
    make.db.commit()


def _course_renamed(make, world):
    world["enrolled"].course.title = "ALERRT Refresher (new syllabus)"
    make.db.commit()


def _teaching_assigned(make, world):
    session = make.session(start=local_today() + timedelta(days=40))
    session.instructors.append(SessionInstructor(person=world["officer"], role=InstructorRole.LEAD))
    make.db.commit()


def _teaching_removed(make, world):
    world["taught"].instructors.clear()
    make.db.commit()


def _certification_granted(make, world):
    make.certification(world["officer"], make.track(name="CRASE instructor"), local_today())


def _certification_revoked(make, world):
    world["certification"].revoked_at = utcnow()
    world["certification"].revoke_reason = "Recorded in error"
    make.db.commit()


def _track_renamed(make, world):
    world["track"].name = "ALERRT active-shooter refresher"
    make.db.commit()


CHANGES_THE_OFFICER_SEES = [
    _enrolled_elsewhere,
    _seat_from_the_waitlist,
    _own_place_cancelled,
    _session_moved,
    _session_cancelled,
    _meeting_added,
    _meeting_moved_with_plain_sql,
    _course_renamed,
    _teaching_assigned,
    _teaching_removed,
    _certification_granted,
    _certification_revoked,
    _track_renamed,
]


@pytest.mark.parametrize("change", CHANGES_THE_OFFICER_SEES, ids=lambda f: f.__name__[1:])
def test_every_change_the_owner_can_see_sends_a_new_copy(feed, make, world, change):
    before = feed.body
    change(make, world)
    assert feed.refresh(), "the client was told its old copy is still good"
    assert feed.body != before
    assert not feed.refresh()  # and the new copy is stable again


def test_the_new_copy_holds_the_change(feed, make, world):
    _meeting_moved_with_plain_sql(make, world)
    assert feed.refresh()
    first_meeting = world["enrolled"].meetings[0].uid
    assert str(feed.events()[first_meeting]["LOCATION"]) == "Gymnasium"


@pytest.mark.parametrize("by_plain_sql", [False, True], ids=["orm", "plain-sql"])
def test_a_first_teaching_assignment_reaches_a_feed_that_never_held_teaching(
    client, make, by_plain_sql
):
    """The feed of someone who teaches nothing skips the teaching reads; the day they
    are first made an instructor, however it is written, their next copy has it."""
    officer = make.person(Role.OFFICER, name="Sam Ortiz")
    make.enrollment(make.session(location="Range 1"), officer)
    token = regenerate_feed_token(officer)
    make.db.commit()
    feed = Subscription(client, f"/training/calendar/private/{token}.ics")
    assert feed.refresh()
    assert [str(e["LOCATION"]) for e in feed.events().values()] == ["Range 1"]
    assert not feed.refresh()

    taught = make.session(location="Range 9", start=local_today() + timedelta(days=20))
    if by_plain_sql:
        make.db.execute(
            text(
                "INSERT INTO lms_session_instructor (session_id, person_id, role) "
                "VALUES (:session, :person, 'lead')"
            ),
            {"session": taught.id, "person": officer.id},
        )
    else:
        taught.instructors.append(SessionInstructor(person=officer, role=InstructorRole.LEAD))
    make.db.commit()

    assert feed.refresh(), "the client was told its copy without the teaching is still good"
    locations = sorted(str(e["LOCATION"]) for e in feed.events().values())
    assert locations == ["Range 1", "Range 9"]


def _someone_else_enrolls(make, world):
    make.enrollment(world["enrolled"], make.person(Role.OFFICER))


def _someone_else_is_certified(make, world):
    make.certification(make.person(Role.OFFICER), world["track"], local_today())


def _another_course_renamed(make, world):
    make.session(make.course(title="CRASE")).course.title = "CRASE for school staff"
    make.db.commit()


def _session_notes_edited(make, world):
    world["enrolled"].notes = "Bring eye and ear protection."
    make.db.commit()


@pytest.mark.parametrize(
    "change",
    [
        _someone_else_enrolls,
        _someone_else_is_certified,
        _another_course_renamed,
        _session_notes_edited,
    ],
    ids=lambda f: f.__name__[1:],
)
def test_changes_the_owner_cannot_see_keep_the_cached_copy(feed, make, world, change):
    change(make, world)
    assert not feed.refresh()


def test_a_new_day_sends_a_new_copy(feed, monkeypatch):
    # The window of shown meetings and the certification states move on with the date.
    tomorrow = local_today() + timedelta(days=1)
    monkeypatch.setattr(views, "local_today", lambda: tomorrow)
    assert feed.refresh()
    assert not feed.refresh()


def test_meetings_leave_the_feed_at_the_departments_midnight(feed, make, world, monkeypatch, app):
    history = app.config["LMS_CALENDAR_HISTORY_DAYS"]
    session = world["enrolled"]
    last_day = max(m.starts_at for m in session.meetings).astimezone(department_zone())
    uid = session.meetings[-1].uid

    def on(day: date) -> dict:
        monkeypatch.setattr(views, "local_today", lambda: day)
        feed.refresh()
        return feed.events()

    assert uid in on(last_day.date() + timedelta(days=history))
    assert uid not in on(last_day.date() + timedelta(days=history + 1))


def test_a_revalidation_reads_one_row_however_big_the_feed(feed, make, world, count_queries):
    count_queries.statements.clear()
    assert not feed.refresh()
    small = count_queries.count
    for _ in range(20):
        make.enrollment(make.session(days=3), world["officer"])
    assert feed.refresh()
    assert len(feed.events()) > 60
    count_queries.statements.clear()
    assert not feed.refresh()
    assert count_queries.count == small == 1
    assert "lms_feed_change" in count_queries.statements[0]


def test_the_triggers_are_in_the_schema_and_leave_with_a_downgrade(database_url):
    engine = create_engine(database_url)
    try:
        if engine.dialect.name == "postgresql":
            query = "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%feed_change%'"
        else:
            query = (
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE '%feed_change%'"
            )
        with engine.connect() as conn:
            names = set(conn.execute(text(query)).scalars())
        tables = {name.split("_feed_change")[0] for name in names if "_removed" not in name}
        assert tables == {
            "lms_enrollment",
            "lms_session_instructor",
            "lms_certification",
            "lms_meeting",
            "lms_session",
            "lms_course",
            "lms_certification_track",
        }
        # 0007: the people taken off a session's instructors follow it too.
        reaching_removed = {name.split("_feed_change")[0] for name in names if "_removed" in name}
        assert reaching_removed == {
            "lms_instructor_removal",
            "lms_meeting",
            "lms_session",
            "lms_course",
        }
        migrate.downgrade(engine, "0005")
        with engine.connect() as conn:
            assert set(conn.execute(text(query)).scalars()) == set()
        assert "lms_feed_change" not in inspect(engine).get_table_names()
    finally:
        migrate.upgrade(engine)
        engine.dispose()
