"""Locust users of the load test (``load_test.py`` runs them; not meant to run alone).

Officers, group coordinators, instructors, the public and staff of the large
demo (``flask lms demo --size large``), each signing in through the real form
and then reading the pages they would. Bounded: only 127.0.0.1, and the run
stops after ``--max-requests``.
"""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.demo import DEMO_PASSWORD  # noqa: E402
from lms.demo.large import FIRST_INSTRUCTOR, Shape, feed_token, officer_email  # noqa: E402
from lms.demo.world import mail  # noqa: E402

SHAPE = Shape().scaled(float(os.environ.get("LOAD_SCALE", "1")))
SERIALS = os.environ.get("LOAD_SERIALS", "").split()
PUBLIC_SESSIONS = os.environ.get("LOAD_PUBLIC_SESSIONS", "").split()
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_DOWNLOAD = re.compile(r"/training/certificates/([0-9A-Z]{28})/download")
_ROSTER = re.compile(r'/training/rosters/(\d+)"')
_sent = 0


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


class SignedIn(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)  # think time

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


class Officer(SignedIn):
    weight = 6

    def email(self):
        self.n = random.randint(1, SHAPE.officers)
        self.person_id = FIRST_INSTRUCTOR + SHAPE.instructors + self.n - 1
        self.serials: list[str] = []
        return officer_email(self.n)

    @task(4)
    def dashboard(self):
        self.client.get("/training/", name="officer dashboard")

    @task(3)
    def status(self):
        page = self.client.get("/training/status/", name="status").text
        self.serials = _DOWNLOAD.findall(page) or self.serials

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

    @task
    def group(self):
        self.client.get(f"/training/groups/{SHAPE.agencies + self.k}/", name="group page")


class Instructor(SignedIn):
    weight = 1

    def email(self):
        self.rosters: list[str] = []
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


class Public(HttpUser):
    weight = 2
    wait_time = between(0.5, 1.5)

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
