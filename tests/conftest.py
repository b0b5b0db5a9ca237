"""Shared fixtures: the app on every database backend, clients, factories.

Every test that takes ``app`` runs once on SQLite and, when
``LMS_TEST_POSTGRES_URL`` is set, once more on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import flask
import pytest
from sqlalchemy import create_engine, delete, insert, make_url, text
from werkzeug.serving import make_server

from lms import migrate
from lms.app import create_app, db
from lms.models import CatalogStamp
from lms.models.stamps import CATALOG, STANDING

from .mail.smtp import SmtpServer
from .routing import CompiledOnceRule
from .support import Factory, FormClient

POSTGRES_URL = os.environ.get("LMS_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")
BACKENDS = ["sqlite", "postgres"]

# Every app of the tests compiles each URL builder once per process (tests/routing.py).
flask.Flask.url_rule_class = CompiledOnceRule

# Cheap hashing in tests; the production defaults are checked in tests/auth.
FAST_HASHING = {
    "LMS_ARGON2_TIME_COST": 1,
    "LMS_ARGON2_MEMORY_KIB": 64,
    "LMS_ARGON2_PARALLELISM": 1,
}


#: The longest tests (20-40 s each), started first: parallel workers then fill in with the
#: short ones and finish together, instead of one worker running these alone at the end.
LONGEST_FIRST = (
    "tests/browser/test_reflow.py",
    "tests/security/test_fuzz.py",
    "tests/browser/test_first_day.py",
    "tests/security/test_authorization_matrix.py",
    "tests/mail/test_reminders.py",
    "tests/mail/test_worker.py",
)


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))  # stable: else as found


def pytest_report_header(config):
    where = POSTGRES_URL or "not set: PostgreSQL variants are skipped"
    return f"LMS_TEST_POSTGRES_URL: {where}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "lms.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine():
    """A PostgreSQL database of this run's own, migrated to head once, dropped at the end.

    ``LMS_TEST_POSTGRES_URL`` names the server (and a database to connect to); each
    run creates ``lms_test_<random>`` beside it, so two runs on one machine (two
    ``make test``, or CI beside a developer) never touch each other's rows.
    """
    if not POSTGRES_URL:
        pytest.skip("LMS_TEST_POSTGRES_URL is not set; PostgreSQL variant skipped")
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"lms_test_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name)
    engine = create_engine(url)
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def empty_postgres(engine) -> None:
    """Remove every row of the LMS tables.

    DELETE with triggers off (replica role) skips the foreign-key checks and the
    audit log's append-only guard, and is ten times faster here than TRUNCATE.
    The stamps' rows (``lms.site_cache``) are put back with new tokens: the triggers
    that make them were off, and a test may have deleted them.
    """
    tables = [t.name for t in reversed(migrate.Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            if table != CatalogStamp.__tablename__:
                conn.execute(text(f"DELETE FROM {table}"))
        conn.execute(delete(CatalogStamp))
        conn.execute(
            insert(CatalogStamp),
            [{"id": stamp, "token": secrets.randbits(62)} for stamp in (CATALOG, STANDING)],
        )


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A migrated, empty database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "lms.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    engine = request.getfixturevalue("postgres_engine")
    empty_postgres(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def app_config(database_url, tmp_path):
    """The test configuration; override this fixture to change it."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_KEY_DIR": str(tmp_path / "keys"),
        # The worker's job queue and the .eml folder of this test's own.
        "LMS_QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
        "LMS_MAIL_DIR": str(tmp_path / "mail"),
        **FAST_HASHING,
    }


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        yield app
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; ``smtp_server.inbox`` is what it accepted.

    Point the app at it with ``tests.mail.smtp.smtp_config`` in an ``app_config`` override.
    """
    with SmtpServer() as server:
        yield server


@pytest.fixture
def client(app):
    app.test_client_class = FormClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app):
    """Builders of domain objects: ``make.person(...)``, ``make.session(...)``..."""
    return Factory(db.session)


@pytest.fixture
def sign_in(client, make):
    """Sign ``person`` in through the real form (they get a password if they have none)."""

    def sign_in(person, password: str = Factory.PASSWORD):
        if person.password_hash is None:
            make.set_password(person, password)
        response = client.submit("/training/sign-in", {"email": person.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


# --- a real server and a real browser --------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def serving(app):
    """``app`` served over HTTP on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port; yields its base URL."""
    with serving(app) as base:
        yield base


class AppProcesses:
    """The standalone app under gunicorn: its base URL and which worker served what."""

    WORKERS = 3

    def __init__(self, base: str, access_log: Path):
        self.base, self.access_log = base, access_log

    def workers_that_served(self, method: str = "POST") -> set[int]:
        """Process ids of the workers that answered ``method`` requests so far."""
        pids = set()
        for line in self.access_log.read_text().splitlines():
            pid, request_line = line.split(" ", 1)
            if request_line.startswith(method + " "):
                pids.add(int(pid.strip("<>")))
        return pids


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_processes(app, tmp_path):
    """The app as deployed: gunicorn, several worker processes, the test's database.

    Each worker loads ``lms.wsgi:app``, built from the environment as in
    production: same database, secret key and (when given) Redis as the test's app.
    """
    port = _free_port()
    access_log = tmp_path / "gunicorn-access.log"
    error_log = tmp_path / "gunicorn-error.log"
    config = app.config
    env = {
        **os.environ,
        "LMS_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "LMS_SECRET_KEY": config["SECRET_KEY"],
        "LMS_KEY_DIR": config["LMS_KEY_DIR"],
        **{key: str(value) for key, value in FAST_HASHING.items()},
    }
    if REDIS_URL:  # shared rate limits, in a namespace of this test's own
        env["LMS_REDIS_URL"] = REDIS_URL
        env["LMS_REDIS_PREFIX"] = f"lms-test-{uuid.uuid4().hex}"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--workers={AppProcesses.WORKERS}",
        # Two connections a worker at most, so simultaneous requests must spread
        # over the processes (gthread would otherwise let one worker take them all).
        "--threads=2",
        "--worker-connections=2",
        f"--bind=127.0.0.1:{port}",
        f"--access-logfile={access_log}",
        "--access-logformat=%(p)s %(r)s",
        f"--error-logfile={error_log}",
        "lms.wsgi:app",  # the entry point the README deploys
    ]
    # Its own process group, so that the master and every worker can be ended together.
    server = subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/training/", server, deadline_seconds=60)
        yield AppProcesses(f"http://127.0.0.1:{port}", access_log)
    except ServerDidNotStart as exc:
        pytest.fail(f"gunicorn did not start ({exc}):\n{_tail(error_log)}")
    finally:
        stop_process_group(server)


class ServerDidNotStart(RuntimeError):
    """A server process exited, or did not answer before its deadline."""


def wait_until_serving(url: str, process: subprocess.Popen, deadline_seconds: float) -> None:
    """Poll ``url`` until the server answers at all (any HTTP status counts).

    Every failure short of an answer (refused, reset, read time-out on a busy
    machine) is retried until the deadline; a process that exits ends the wait.
    """
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # it answered
        except (OSError, http.client.HTTPException) as exc:
            if process.poll() is not None:
                raise ServerDidNotStart(f"exited with {process.returncode}") from exc
            if time.monotonic() > deadline:
                raise ServerDidNotStart(f"no answer in {deadline_seconds:.0f} s: {exc}") from exc
            time.sleep(0.2)


def stop_process_group(process: subprocess.Popen) -> None:
    """End a process started with ``start_new_session`` and all its children."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    # Workers that outlived their master, or a master that would not stop.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (``item.report_call``), for fixtures."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser tab (own cookies) whose relative URLs go to the live server.

    When the test fails, the tab's address and the text it showed are printed (in the
    report's captured output), so a failure seen once in CI can be read afterwards.
    """
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        with contextlib.suppress(Exception):
            print(f"The page at failure: {tab.url}\n{tab.locator('body').inner_text(timeout=2000)}")
    context.close()


@pytest.fixture
def browser_sign_in(page, make):
    """Sign ``person`` in through the sign-in form in the browser."""

    def sign_in(person, password: str = Factory.PASSWORD):
        if person.password_hash is None:
            make.set_password(person, password)
        page.goto("/training/sign-in")
        page.get_by_label("Email").fill(person.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/training/")
        return page

    return sign_in
