"""`flask lms prune` shrinks the feed change log; no ETag served before can match again.

A private feed's ETag is made of the count and highest id of its owner's rows
in ``lms_feed_change``. Deleting rows could bring back an old pair and with it
a 304 for a feed whose events changed; pruning must never let that happen.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from lms.app import db
from lms.calendar.operations import compact_feed_changes, regenerate_feed_token
from lms.core import local_today
from lms.mail.worker import jobs_for
from lms.models import EnrollmentStatus, FeedChange, LoginSession, Person, Role, utcnow

from .conftest import by_uid, read_calendar


def prune(runner):
    result = runner.invoke(args=["lms", "prune"])
    assert result.exit_code == 0, result.output
    return result.output


def rows_of(person) -> list[int]:
    query = select(FeedChange.id).where(FeedChange.person_id == person.id).order_by(FeedChange.id)
    return list(db.session.scalars(query))


@pytest.fixture
def officer_feed(make, client):
    """An officer with a private link, enrolled in two sessions; (officer, url, enrollments)."""
    officer = make.person(Role.OFFICER, name="Dana Reyes")
    enrollments = [
        make.enrollment(make.session(start=local_today() + timedelta(days=d)), officer)
        for d in (10, 20)
    ]
    token = regenerate_feed_token(officer)
    make.db.commit()
    return officer, f"/training/calendar/private/{token}.ics", enrollments


def cancel(make, enrollment) -> None:
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.cancelled_at = enrollment.status_changed_at = utcnow()
    make.db.commit()


def test_pruned_feeds_answer_once_more_in_full_and_no_old_etag_matches_again(
    client, make, runner, officer_feed
):
    officer, url, enrollments = officer_feed
    served = []  # every ETag a calendar client was ever given

    def fetch(if_none_match=None):
        headers = {"If-None-Match": if_none_match} if if_none_match else {}
        response = client.get(url, headers=headers)
        served.append(response.headers["ETag"])
        return response

    first = fetch()
    cancel(make, enrollments[0])
    before_prune = fetch()
    assert before_prune.status_code == 200 and len(rows_of(officer)) > 2
    count_before = len(rows_of(officer))
    per_person = select(func.count(FeedChange.id)).group_by(FeedChange.person_id)
    long_logs = [n for n in db.session.scalars(per_person) if n > 1]

    output = prune(runner)
    assert (
        f"Feed change log: {sum(long_logs)} rows removed, "
        f"{len(long_logs)} people keep one new row each.\n"
    ) in output
    assert set(db.session.scalars(per_person)) == {1}

    after = fetch(before_prune.headers["ETag"])
    assert after.status_code == 200  # the client holding the old ETag gets the feed again
    assert after.headers["ETag"] not in served[:-1]
    assert (
        by_uid(read_calendar(after.data)).keys() == by_uid(read_calendar(before_prune.data)).keys()
    )
    assert fetch(after.headers["ETag"]).status_code == 304

    # As many changes as were pruned: the count is back where it was, the ETag is not.
    while len(rows_of(officer)) < count_before:
        make.enrollment(make.session(), officer)
        make.db.commit()
    assert len(rows_of(officer)) == count_before
    for stale in (first.headers["ETag"], before_prune.headers["ETag"], after.headers["ETag"]):
        assert fetch(stale).status_code == 200
    assert served[-1] not in served[:-3]


def test_prune_removes_the_rows_of_people_who_no_longer_exist(make, runner):
    db.session.add(FeedChange(person_id=999_999))
    make.db.commit()
    assert "1 rows removed" in prune(runner)
    assert db.session.scalar(select(func.count()).where(FeedChange.person_id == 999_999)) == 0


def test_on_postgresql_prune_waits_for_a_writer_holding_a_lower_id(app, make, officer_feed):
    """A change whose row id was taken before the prune, committed after it, is never lost."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: nothing can commit during a prune")
    officer, _, _ = officer_feed
    writer = create_engine(db.engine.url)
    late = writer.connect()
    late.begin()
    late_id = late.execute(
        text("INSERT INTO lms_feed_change (person_id) VALUES (:p) RETURNING id"), {"p": officer.id}
    ).scalar_one()

    done = threading.Event()

    def pruning():
        with app.app_context():
            compact_feed_changes([officer.id])
            db.session.commit()
            done.set()

    thread = threading.Thread(target=pruning)
    thread.start()
    time.sleep(1.0)
    assert not done.is_set()  # held back until the writer commits
    late.commit()
    thread.join(timeout=30)
    late.close()
    writer.dispose()
    assert done.is_set()
    db.session.expire_all()
    [marker] = rows_of(officer)
    assert marker > late_id and db.session.get(Person, officer.id) is not None


def test_the_worker_prunes_every_night(app, make, officer_feed):
    """The same prune runs as the worker's nightly job, in an app context of its own."""
    officer, _, enrollments = officer_feed
    cancel(make, enrollments[0])
    db.session.add(LoginSession(person_id=officer.id, token_hash="0" * 64, revoked_at=utcnow()))
    make.db.commit()
    assert len(rows_of(officer)) > 1
    huey = jobs_for(app).huey

    def due(moment):
        return [task for task in huey.read_periodic(moment) if task.name == "prune"]

    assert not due(datetime(2026, 3, 8, 10, 42)) and not due(datetime(2026, 3, 8, 11, 43))
    [job] = due(datetime(2026, 3, 8, 10, 43))  # UTC: 03:43 in Denver
    per_person = select(func.count(FeedChange.id)).group_by(FeedChange.person_id)
    long_logs = [n for n in db.session.scalars(per_person) if n > 1]
    assert huey.execute(job) == {"sign_ins": 1, "feed_changes": sum(long_logs)}
    db.session.expire_all()
    assert len(rows_of(officer)) == 1
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
