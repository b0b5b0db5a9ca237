"""No path overbooks: 40 simultaneous real requests against a 5-seat session.

The app runs in a real HTTP server, twice: one process with many threads
(``live_server``), and gunicorn with several worker processes (``app_processes``),
as it is deployed; each request carries the session cookie and CSRF token of a
signed-in person, exactly as a browser would send them. Runs on SQLite and,
when configured, PostgreSQL.
"""

from __future__ import annotations

import html
import http.client
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import flask
import pytest
from flask_wtf.csrf import generate_csrf

from lms.auth.operations import start_login_session
from lms.core import db_session
from lms.models import AuditEvent, Enrollment, EnrollmentStatus, OutboxMessage, Person, Role

ATTEMPTS = 40
SEATS = 5
PUBLIC = 5  # of the attempts, in the race of officers and the public
FLASH_RE = re.compile(r'<div class="flash flash-\w+" role="status">([^<]+)</div>')


@dataclass
class Browser:
    """What one signed-in browser holds: its cookie and a CSRF token."""

    cookie: str
    csrf: str


@dataclass
class Outcome:
    status: int
    message: str


@pytest.fixture
def app_config(app_config):
    """40 requests at once through one threaded server share its pool of 10 connections:
    on a machine busy with other suites the last may wait longer than the 10 s a
    request waits in production before failing. What is tested is the seats, not that."""
    return {**app_config, "LMS_DB_POOL_TIMEOUT": 60}


@pytest.fixture(params=["threads", pytest.param("processes", marks=pytest.mark.slow)])
def server(request):
    """The app's base URL: a threaded server, or gunicorn's worker processes.

    With processes, the test must also show that more than one of them took its
    POSTs, or the race it sets up never crossed a process boundary.
    """
    if request.param == "threads":
        yield request.getfixturevalue("live_server")
        return
    processes = request.getfixturevalue("app_processes")
    yield processes.base
    assert len(processes.workers_that_served("POST")) > 1


def signed_in_browser(app, person) -> Browser:
    """A browser that signed in: its session cookie (with the sign-in) and a CSRF token.

    The sign-in is recorded as the sign-in form records it, without paying for a
    password hash per person; every request then authenticates through the cookie.
    """
    with app.test_request_context("/training/"):
        flask.g.pop("csrf_token", None)  # the test's app context is reused: no cached token
        start_login_session(person)
        db_session().commit()  # as the sign-in view does
        csrf = generate_csrf()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(flask.session))
    return Browser(cookie, csrf)


def http_request(base, method, path, cookie, body=None):
    """One HTTP request over a fresh connection; returns status, new cookie, body."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=90)
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=urlencode(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read().decode()
    new_cookie = cookie
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            new_cookie = value.split(";", 1)[0].split("=", 1)[1]
    conn.close()
    return response.status, new_cookie, data


def page_text(page: str) -> str:
    """The words of a page's main content, as a reader sees them (not its head)."""
    main = page.split("<main", 1)[-1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())[:600]


def fire(base, jobs):
    """Send every (browser, path, form) at once; follow each redirect as a browser would."""
    start = threading.Barrier(len(jobs))

    def one(job) -> Outcome:
        browser, path, form = job
        start.wait()
        status, cookie, body = http_request(
            base, "POST", path, browser.cookie, {"csrf_token": browser.csrf, **form}
        )
        if status == 200:  # a page answered directly (the public registration's): its words
            return Outcome(status, page_text(body))
        if status != 302:
            return Outcome(status, body[:300])
        follow_status, _, page = http_request(base, "GET", _location(body, path), cookie)
        messages = [html.unescape(m) for m in FLASH_RE.findall(page)]
        return Outcome(status if follow_status == 200 else follow_status, " | ".join(messages))

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(one, jobs))


def _location(body, fallback):
    match = re.search(r'href="([^"]+)"', body)  # Werkzeug's redirect page names the target
    return html.unescape(match.group(1)) if match else fallback


def positions_from(outcomes):
    found = []
    for outcome in outcomes:
        match = re.search(r"#(\d+) on the waitlist", outcome.message)
        if match:
            found.append(int(match.group(1)))
    return found


def report(label, outcomes, enrolled, waitlisted):
    errors = sum(1 for o in outcomes if o.status >= 500)
    print(
        f"\n[{label}] attempts={len(outcomes)} enrolled={enrolled} "
        f"waitlisted={waitlisted} server_errors={errors} "
        f"other_statuses={sorted({o.status for o in outcomes} - {302})}"
    )


def test_forty_officers_at_once_get_five_seats_and_an_ordered_waitlist(
    app, client, server, make, refresher
):
    session = make.session(refresher, capacity=SEATS)
    page = f"/training/sessions/{session.id}"
    officers = [make.person(Role.OFFICER) for _ in range(ATTEMPTS)]
    browsers = [signed_in_browser(app, officer) for officer in officers]

    outcomes = fire(server, [(b, f"{page}/enroll", {}) for b in browsers])

    make.db.expire_all()
    rows = make.db.query(Enrollment).filter_by(session_id=session.id).all()
    enrolled = [e for e in rows if e.status is EnrollmentStatus.ENROLLED]
    waiting = sorted(
        (e for e in rows if e.status is EnrollmentStatus.WAITLISTED),
        key=lambda e: (e.waitlisted_at, e.id),
    )
    report(
        make.db.get_bind().dialect.name + " self-enrollment", outcomes, len(enrolled), len(waiting)
    )

    assert [o.status for o in outcomes] == [302] * ATTEMPTS, outcomes
    assert len(rows) == ATTEMPTS  # everyone got exactly one place
    assert len(enrolled) == SEATS
    assert len(waiting) == ATTEMPTS - SEATS
    # What each officer was told matches the database.
    assert sum("You are enrolled" in o.message for o in outcomes) == SEATS
    assert sorted(positions_from(outcomes)) == list(range(1, ATTEMPTS - SEATS + 1))
    # The line is consistent: by time, by id, and everyone behind every seat-holder.
    assert [e.id for e in waiting] == sorted(e.id for e in waiting)
    assert max(e.id for e in enrolled) < min(e.id for e in waiting)
    assert make.db.query(AuditEvent).filter_by(action="enrollment.created").count() == ATTEMPTS
    # And the page says so.
    status, _, body = http_request(server, "GET", page, browsers[0].cookie)
    assert status == 200 and f"Full · {ATTEMPTS - SEATS} waiting" in body

    # Freeing two seats promotes exactly the first two in line.
    first_two = [e.id for e in waiting[:2]]
    for enrollment in enrolled[:2]:
        owner = officers[[o.id for o in officers].index(enrollment.person_id)]
        browser = signed_in_browser(app, owner)
        status, _, _ = http_request(
            server,
            "POST",
            f"/training/enrollments/{enrollment.id}/cancel",
            browser.cookie,
            {"csrf_token": browser.csrf},
        )
        assert status == 302
    make.db.expire_all()
    now_enrolled = {
        e.id for e in make.db.query(Enrollment).filter_by(status=EnrollmentStatus.ENROLLED)
    }
    assert set(first_two) <= now_enrolled and len(now_enrolled) == SEATS


def test_two_groups_racing_get_exactly_their_cap_each_and_the_rest_wait(
    app, client, server, make, crase
):
    capacity, cap, per_group = 12, SEATS, ATTEMPTS // 2
    session = make.session(crase, capacity=capacity, group_seat_cap=cap)
    groups = [make.group("Big Sky High School"), make.group("Grace Church")]
    jobs = []
    for group in groups:
        coordinator = make.person(Role.GROUP_COORDINATOR, organization=group)
        page = f"/training/groups/{group.id}/sessions/{session.id}"
        browser = signed_in_browser(app, coordinator)
        jobs += [
            (
                browser,
                f"{page}/people",
                {"full_name": f"{group.name} {i}", "email": f"g{group.id}-{i}@example.test"},
            )
            for i in range(per_group)
        ]

    outcomes = fire(server, jobs)

    make.db.expire_all()
    rows = make.db.query(Enrollment).filter_by(session_id=session.id).all()
    enrolled = [e for e in rows if e.status is EnrollmentStatus.ENROLLED]
    waiting = [e for e in rows if e.status is EnrollmentStatus.WAITLISTED]
    by_group = {g.name: sum(e.organization_id == g.id for e in enrolled) for g in groups}
    report(make.db.get_bind().dialect.name + " group cap", outcomes, len(enrolled), len(waiting))

    assert [o.status for o in outcomes] == [302] * ATTEMPTS, outcomes
    assert len(rows) == ATTEMPTS
    assert by_group == {"Big Sky High School": cap, "Grace Church": cap}
    assert len(waiting) == ATTEMPTS - 2 * cap  # two seats stay free: no group may take them
    assert sum(" is enrolled in " in o.message for o in outcomes) == 2 * cap
    assert sorted(positions_from(outcomes)) == list(range(1, ATTEMPTS - 2 * cap + 1))
    waiting.sort(key=lambda e: (e.waitlisted_at, e.id))
    assert [e.id for e in waiting] == sorted(e.id for e in waiting)
    assert make.db.query(Person).filter(Person.email.like("g%@example.test")).count() == ATTEMPTS
    page = f"/training/sessions/{session.id}"
    status, _, body = http_request(server, "GET", page, jobs[0][0].cookie)
    assert status == 200 and "2 of 12 seats left" in body


def test_a_registration_submitted_five_times_at_once_leaves_one_place(
    app, client, server, make, crase
):
    session = make.session(crase, capacity=10, is_public=True)
    page = f"/training/sessions/{session.id}/register"
    visitor = app.test_client()
    browser = Browser(None, visitor.csrf_token(page))
    browser.cookie = visitor.get_cookie("session").value
    form = {"full_name": "Robin Parent", "email": "robin@example.test", "organization": "PTA"}
    barrier = threading.Barrier(5)

    def submit(_):
        barrier.wait()
        return http_request(
            server, "POST", page, browser.cookie, {"csrf_token": browser.csrf, **form}
        )

    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(submit, range(5)))
    assert [status for status, _, _ in results] == [200] * 5
    bodies = [body for _, _, body in results]
    assert len(set(bodies)) == 1  # a repeat reads like the first (nothing to learn)
    assert "You have a seat in" in bodies[0]
    make.db.expire_all()
    assert make.db.query(Person).filter_by(email="robin@example.test").count() == 1
    assert make.db.query(Enrollment).filter_by(session_id=session.id).count() == 1


def visitor_browser(app, page) -> Browser:
    """A browser that opened a public page: its session cookie and the form's CSRF token."""
    visitor = app.test_client()
    browser = Browser(None, visitor.csrf_token(page))
    browser.cookie = visitor.get_cookie("session").value
    return browser


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_officers_and_the_public_racing_share_five_seats_in_arrival_order(
    app, client, server, make, department
):
    """Officers enrolling and strangers registering at once queue on the same lock.

    Five of the forty are the public: the registration form takes five a minute
    from one address (here, every request's).
    """
    course = make.course(
        "ALERRT-OPEN", title="ALERRT open day", organization=department, is_public=True
    )
    session = make.session(course, capacity=SEATS, is_public=True)
    page = f"/training/sessions/{session.id}"
    jobs, public = [], set(range(3, ATTEMPTS, ATTEMPTS // PUBLIC))  # 3, 11, 19, 27, 35
    for n in range(ATTEMPTS):
        if n in public:
            form = {
                "full_name": f"Parent {n}",
                "email": f"parent{n}@example.test",
                "organization": "Big Sky High School PTA",
            }
            jobs.append((visitor_browser(app, f"{page}/register"), f"{page}/register", form))
        else:
            officer = make.person(Role.OFFICER, organization=department)
            jobs.append((signed_in_browser(app, officer), f"{page}/enroll", {}))

    outcomes = fire(server, jobs)

    make.db.expire_all()
    rows = make.db.query(Enrollment).filter_by(session_id=session.id).all()
    by_arrival = sorted(rows, key=lambda e: (e.created_at, e.id))
    waiting = [e for e in by_arrival if e.status is EnrollmentStatus.WAITLISTED]
    report("postgresql officers and public", outcomes, ATTEMPTS - len(waiting), len(waiting))

    assert [o.status for o in outcomes] == [200 if n in public else 302 for n in range(ATTEMPTS)], (
        outcomes
    )
    assert len(rows) == ATTEMPTS
    # The first five to take the lock hold the seats; everyone after waits, in that order.
    assert [e.status for e in by_arrival] == (
        [EnrollmentStatus.ENROLLED] * SEATS + [EnrollmentStatus.WAITLISTED] * (ATTEMPTS - SEATS)
    )
    assert [e.id for e in waiting] == sorted(e.id for e in waiting)
    assert [e.waitlisted_at for e in waiting] == sorted(e.waitlisted_at for e in waiting)
    public_seated = [e for e in by_arrival[:SEATS] if e.person.email.startswith("parent")]
    # Each was told what the database holds: officers their place or position,
    # the public "a seat" or "the waitlist", in the page and in the mail.
    officer_outcomes = [o for n, o in enumerate(outcomes) if n not in public]
    public_outcomes = [o for n, o in enumerate(outcomes) if n in public]
    assert sum("You are enrolled" in o.message for o in officer_outcomes) == SEATS - len(
        public_seated
    )
    assert sum("You have a seat in" in o.message for o in public_outcomes) == len(public_seated)
    assert sum("you are on the waitlist" in o.message for o in public_outcomes) == len(
        public_outcomes
    ) - len(public_seated)
    subjects = {
        m.recipient_address: m.subject
        for m in make.db.query(OutboxMessage).filter_by(template="public_registration")
    }
    assert len(subjects) == PUBLIC
    for enrollment in rows:
        if enrollment.person.email.startswith("parent"):
            expected = "Waitlist" if enrollment.is_waitlisted else "Registered"
            assert subjects[enrollment.person.email].startswith(expected)
    status, _, body = http_request(server, "GET", page, jobs[0][0].cookie)
    assert status == 200 and f"Full · {ATTEMPTS - SEATS} waiting" in body
