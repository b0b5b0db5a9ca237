"""What a registration rush asks of the database: few statements, fewer under the lock.

In a rush (a public class announced in a school newsletter, an open ALERRT
day) every request queues on the session's row lock, held from the seat
decision to the commit, and every statement costs the app and the database
CPU that the whole rush shares (``benchmarks/rush_bench.py``). These tests
count the statements of the rush's two requests, an officer enrolling and a
visitor registering, once the session is full (most of a rush), and those
sent while the lock is held (PostgreSQL: from the ``FOR UPDATE`` to the
commit). A new read slipped into either path fails them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from lms.models import Enrollment, EnrollmentStatus, Role

from .helpers import flash_text


@pytest.fixture
def statements(app):
    """Every SQL statement the app's engine sends from now on, in order."""
    from lms.app import db

    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))

    def committed(conn):
        sent.append(COMMIT)

    event.listen(db.engine, "before_cursor_execute", record)
    event.listen(db.engine, "commit", committed)
    yield sent
    event.remove(db.engine, "before_cursor_execute", record)
    event.remove(db.engine, "commit", committed)


#: Where ``statements`` saw a commit (not a statement: not counted).
COMMIT = "-- commit"


def sent_of(statements: list[str]) -> list[str]:
    return [s for s in statements if s != COMMIT]


def under_lock(app, statements: list[str]) -> list[str]:
    """The statements from the session's row lock to the commit, on PostgreSQL (SQLite
    locks the whole database, for a public registration before the person is written)."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return []
    locks = [i for i, s in enumerate(statements) if "FOR UPDATE OF lms_session" in s]
    assert len(locks) == 1, statements
    held = statements[locks[0] :]
    return held[: held.index(COMMIT)]


def sqlite_locks(app, n: int) -> int:
    """SQLite's extra statements: each of its ``n`` locks is a write of its own."""
    return 0 if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else n


def full_session(make, course, **kw):
    session = make.session(course, capacity=1, **kw)
    make.enrollment(session, make.person(Role.OFFICER))
    return session


def test_an_officer_joining_a_full_session_sends_16_statements_8_under_the_lock(
    app, make, client_for, refresher, statements
):
    session = full_session(make, refresher)
    page = f"/training/sessions/{session.id}"
    warm_up = client_for(make.person(Role.OFFICER, name="Warm Up"))
    warm_up.submit(page, {}, action=f"{page}/enroll")  # what each process reads once
    client = client_for(make.person(Role.OFFICER, name="Rush Officer"))
    token = client.csrf_token(page)

    statements.clear()
    response = client.post(f"{page}/enroll", data={"csrf_token": token})
    sent, held = sent_of(statements), under_lock(app, statements)

    assert response.status_code == 302
    followed = client.get(response.headers["Location"])
    assert "The session is full: You are #2 on the waitlist" in flash_text(followed)
    # The sign-in, the session (its course's prerequisites, its meetings), the seats
    # it predicts and the mail's department name; under the lock: the session and its
    # meetings, no place already, the seats, the place, its audit record, the message;
    # after the commit, the place in line for the answer.
    assert len(sent) <= 16 + sqlite_locks(app, 1), "\n".join(sent)
    assert len(held) <= 8, "\n".join(held)


def test_a_visitor_registering_for_a_full_session_sends_21_statements_8_under_the_lock(
    app, make, client, crase, statements
):
    session = full_session(make, crase, is_public=True)
    url = f"/training/sessions/{session.id}/register"
    visitor = {"full_name": "Warm Up", "email": "warm@example.test", "organization": ""}
    client.submit(url, visitor)  # what each process reads once, the public registrants
    token = client.csrf_token(url)

    statements.clear()
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "full_name": "Robin Parent",
            "email": "robin@example.test",
            "organization": "Lincoln Elementary PTA",
        },
    )
    sent, held = sent_of(statements), under_lock(app, statements)

    assert response.status_code == 200
    assert "The session is full: you are on the waitlist" in flash_text(response)
    place = make.db.query(Enrollment).filter_by(affiliation="Lincoln Elementary PTA").one()
    assert place.status is EnrollmentStatus.WAITLISTED
    # The session and its meetings, the public registrants, nobody with the address,
    # the new person (a savepoint: person, role, audit record), the seats it predicts
    # and the mail's department name; under the lock: the session and its meetings, the
    # seats, the place, its audit record, its manage link, the message; after the
    # commit, the department's name for the page (the rest is kept, not read again).
    assert len(sent) <= 21 + sqlite_locks(app, 2), "\n".join(sent)
    assert len(held) <= 8, "\n".join(held)
