"""Locust users of the load test (``load_test.py`` runs them; not meant to run alone).

Officers, group coordinators, instructors, the public and staff of the large
demo (``flask lms demo --size large``), each signing in through the real form
and then reading the pages they would, and writing: coordinators upload a
roster of five new people to a coming class, instructors mark attendance on a
roster the generator left open (held in the last two weeks), finalize it and
issue its certificates, the public registers for a coming class (every form
with its CSRF token, as a browser sends it). Bounded: only 127.0.0.1, and the
run stops after ``--max-requests``. The users are locust's ``FastHttpUser``
(geventhttpclient): about a fifth of the CPU per request of ``HttpUser``
(requests), which matters when locust shares the machine's two cores with the
server it measures.
"""

from __future__ import annotations

import os
import random
import re
import sys
import uuid
from pathlib import Path

from locust import FastHttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.demo import DEMO_PASSWORD  # noqa: E402
from lms.demo.large import FIRST_INSTRUCTOR, Shape, feed_token, officer_email  # noqa: E402
from lms.demo.world import mail  # noqa: E402

SHAPE = Shape().scaled(float(os.environ.get("LOAD_SCALE", "1")))
THINK = [float(s) for s in os.environ.get("LOAD_THINK", "0.5 1.5").split()]
SERIALS = os.environ.get("LOAD_SERIALS", "").split()
PUBLIC_SESSIONS = os.environ.get("LOAD_PUBLIC_SESSIONS", "").split()
#: (session, meeting, lead instructor's email) of rosters held and not yet finalized.
OPEN_ROSTERS = [r.split(":", 2) for r in os.environ.get("LOAD_OPEN_ROSTERS", "").split()]
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_DOWNLOAD = re.compile(r"/training/certificates/([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6})/download")
_SEATS = re.compile(r'id="group-seats">[^<]*?(\d+) more can be seated now')
_ROSTER = re.compile(r'/training/rosters/(\d+)"')
_sent = 0
#: Count only once this many users have signed in (load_test.py --reset-stats): the
#: sign-ins' deliberately slow password hashes would otherwise fill the first seconds.
_RESET_AFTER = int(os.environ.get("LOAD_RESET_AFTER", "0"))
_ready = 0


@events.init_command_line_parser.add_listener
def _arguments(parser):
    parser.add_argument("--max-requests", type=int, default=0, help="stop after this many")


@events.test_start.add_listener
def _only_loopback(environment, **_):
    if not (environment.host or "").startswith("http://127.0.0.1:"):
        raise SystemExit("the load test only runs against http://127.0.0.1")


@events.request.add_listener
def _bounded(**_):
    global _sent
    _sent += 1
    limit = _env.parsed_options.max_requests if _env and _env.parsed_options else 0
    if limit and _sent >= limit and _env.runner:
        _env.runner.quit()


_env = None


@events.init.add_listener
def _keep(environment, **_):
    global _env
    _env = environment


_ALERT = re.compile(r'class="flash flash-error[^"]*"[^>]*>(.*?)</div>', re.S)
_TAG = re.compile(r"<[^>]+>")


def ready() -> None:
    """One more user has signed in (or needs no sign-in); the last one restarts the count."""
    global _ready
    _ready += 1
    if _RESET_AFTER and _ready == _RESET_AFTER and _env is not None:
        _env.stats.reset_all()
        print(f"all {_ready} users signed in: counting from now", file=sys.stderr)


def refused(answer) -> None:
    """A 4xx answer is an error of the run, reported with the page's reason (its alert)."""
    if 400 <= answer.status_code < 500:
        found = _ALERT.search(answer.text)
        reason = " ".join(_TAG.sub(" ", found.group(1)).split()) if found else "no alert"
        answer.failure(f"{answer.status_code}: {reason[:160]}")


def csrf_of(response) -> str | None:
    """The CSRF token of the page's first form (None: the page has no form)."""
    found = _CSRF.search(response.text)
    return found.group(1) if found else None


class SignedIn(FastHttpUser):
    abstract = True
    wait_time = between(*THINK)  # think time (load_test.py --think)

    def email(self) -> str:
        raise NotImplementedError

    def on_start(self):
        page = self.client.get("/training/sign-in", name="sign-in form").text
        token = _CSRF.search(page).group(1)
        self.client.post(
            "/training/sign-in",
            data={"email": self.email(), "password": DEMO_PASSWORD, "csrf_token": token},
            name="sign in",
            allow_redirects=False,
        )
        ready()


class Officer(SignedIn):
    weight = 6

    def email(self):
        self.n = random.randint(1, SHAPE.officers)
        self.person_id = FIRST_INSTRUCTOR + SHAPE.instructors + self.n - 1
        self.serials: list[str] = []
        return officer_email(self.n)

    @task(4)
    def dashboard(self):
        page = self.client.get("/training/", name="officer dashboard").text
        self.serials = _DOWNLOAD.findall(page) or self.serials

    @task(3)
    def status(self):
        self.client.get("/training/status/", name="status")

    @task(1)
    def certificate(self):
        if self.serials:
            serial = random.choice(self.serials)
            self.client.get(
                f"/training/certificates/{serial}/download", name="certificate download"
            )

    @task(2)
    def feed(self):
        self.client.get(
            f"/training/calendar/private/{feed_token(self.person_id)}.ics", name="private feed"
        )


class Coordinator(SignedIn):
    weight = 1

    def email(self):
        self.k = random.randint(1, SHAPE.groups)
        return mail("coordinator", f"group-{self.k}")

    @task(3)
    def group(self):
        self.client.get(f"/training/groups/{SHAPE.agencies + self.k}/", name="group page")

    @task(1)
    def roster_upload(self):
        """Five new people (fewer when the group has fewer seats left) to a coming class.

        As a coordinator does: the group's page of the class says how many more can be
        seated; a class with none left is passed over for another (three tries).
        """
        for _ in range(3 if PUBLIC_SESSIONS else 0):
            sid = random.choice(PUBLIC_SESSIONS)
            page = f"/training/groups/{SHAPE.agencies + self.k}/sessions/{sid}"
            answer = self.client.get(page, name="group session page")
            token, seats = csrf_of(answer), _SEATS.search(answer.text)
            if token is None or seats is None or int(seats.group(1)) == 0:
                continue
            batch = uuid.uuid4().hex[:10]
            rows = "".join(
                f"Load Person {batch} {i},load.{batch}.{i}@load.lms.test\n"
                for i in range(min(5, int(seats.group(1))))
            )
            with self.client.post(
                f"{page}/roster",
                data={"csrf_token": token},
                files={"roster": ("roster.csv", f"name,email\n{rows}".encode(), "text/csv")},
                name="roster upload",
                allow_redirects=False,
                catch_response=True,
            ) as answer:
                refused(answer)
            return


class Instructor(SignedIn):
    """An instructor: their rosters; the lead of an open roster also marks, finalizes, issues."""

    weight = 1

    def email(self):
        self.rosters: list[str] = []
        self.open = random.choice(OPEN_ROSTERS) if OPEN_ROSTERS else None
        self.finalized = self.marked = False
        if self.open:
            return self.open[2]
        return mail(f"instructor.{random.randint(1, SHAPE.instructors)}")

    @task(1)
    def roster_list(self):
        page = self.client.get("/training/rosters/", name="roster list").text
        self.rosters = _ROSTER.findall(page) or self.rosters

    @task(2)
    def roster(self):
        if self.rosters:
            sid = random.choice(self.rosters)
            self.client.get(f"/training/rosters/{sid}", name="roster page")

    def _open_roster_token(self) -> str | None:
        return csrf_of(self.client.get(f"/training/rosters/{self.open[0]}", name="roster page"))

    @task(2)
    def attendance(self):
        if not self.open or self.finalized:
            return
        session, meeting, _ = self.open
        token = self._open_roster_token()
        with self.client.post(
            f"/training/rosters/{session}/meetings/{meeting}/attendance",
            data={"csrf_token": token, "everyone": "Mark everyone present"},
            name="attendance",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code == 400 and "finalized" in answer.text:
                self.finalized = True  # another user sharing this roster finalized it
                answer.success()
            else:
                refused(answer)
                self.marked = answer.status_code < 400

    @task(1)
    def finalize_and_issue(self):
        if not self.open or not (self.marked or self.finalized):
            return  # an instructor marks attendance before finalizing
        session = self.open[0]
        token = self._open_roster_token()
        if not self.finalized:
            with self.client.post(
                f"/training/rosters/{session}/finalize",
                data={"csrf_token": token},
                name="finalize roster",
                allow_redirects=False,
                catch_response=True,
            ) as answer:
                if answer.status_code == 400 and "finalized" in answer.text:
                    answer.success()  # another user sharing this roster was first
                else:
                    refused(answer)
            self.finalized = True
        with self.client.post(
            f"/training/sessions/{session}/certificates/issue",
            data={"csrf_token": token},
            name="issue certificates",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            refused(answer)


class Staff(SignedIn):
    weight = 1

    def email(self):
        return mail("admin")

    @task
    def compliance(self):
        self.client.get("/training/compliance/", name="compliance")

    @task
    def people_by_status(self):
        state = random.choice(["current", "due_soon", "expired", "never"])
        self.client.get(
            f"/training/people/?track=1&state={state}&role=officer", name="people by status"
        )


class Public(FastHttpUser):
    weight = 2
    wait_time = between(*THINK)

    def on_start(self):
        ready()

    @task(2)
    def class_list(self):
        self.client.get("/training/sessions/", name="public class list")

    @task(1)
    def session(self):
        if PUBLIC_SESSIONS:
            sid = random.choice(PUBLIC_SESSIONS)
            self.client.get(f"/training/sessions/{sid}", name="session page")

    @task(2)
    def verify(self):
        if SERIALS:
            self.client.get(f"/training/verify/{random.choice(SERIALS)}", name="verify page")

    @task(1)
    def register(self):
        if not PUBLIC_SESSIONS:
            return
        page = f"/training/sessions/{random.choice(PUBLIC_SESSIONS)}/register"
        token = csrf_of(self.client.get(page, name="registration form"))
        name = uuid.uuid4().hex[:10]
        with self.client.post(
            page,
            data={
                "csrf_token": token,
                "full_name": f"Visitor {name}",
                "email": f"visitor.{name}@load.lms.test",
                "organization": "Big Sky High School PTA",
                "website": "",
            },
            name="public registration",
            catch_response=True,
        ) as answer:
            refused(answer)
