"""A running installation backed up and restored on another machine's layout.

The restored copy lives in a new place (a new SQLite file and key folder, or a
new PostgreSQL database) and must answer as the original did: certificates
verify (the public page, and ``flask lms verify`` on a downloaded PDF),
private feeds keep their ETags, the audit log keeps every row.
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import create_engine, make_url, text

from lms import migrate
from lms.app import create_app, db
from lms.backups import databases
from lms.backups.archive import MANIFEST, BackupError
from lms.backups.cli import backup_command, restore_command
from lms.calendar.operations import regenerate_feed_token
from lms.credentials import operations as credentials
from lms.credentials.cli import verify_command
from lms.models import Role

from ..conftest import POSTGRES_URL, serving
from ..credentials.support import train

AUDIT_ROWS = text("SELECT * FROM lms_audit_event ORDER BY id")


@pytest.fixture
def elsewhere(app, tmp_path):
    """An empty database and key folder in another layout, for the restore."""
    folder = tmp_path / "other-machine" / "var" / "lms"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        yield f"sqlite:///{folder / 'restored.sqlite3'}", folder / "signing-keys"
        return
    server = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"lms_restore_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL).set(database=name)
        yield url.render_as_string(hide_password=False), folder / "signing-keys"
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def restored_app(app_config, url: str, key_dir: Path):
    return create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url, "LMS_KEY_DIR": str(key_dir)})


def a_department_in_use(make):
    """Three officers certified (certificates issued), one more enrolled next month,
    each officer with a private calendar link."""
    trained = train(make)
    report = credentials.issue_certificates(trained.instructor, trained.session.id)
    upcoming = make.session(
        make.course(organization=trained.department, title="CRASE"),
        start=date.today() + timedelta(days=30),
        lead=trained.instructor,
    )
    newcomer = make.person(Role.OFFICER, organization=trained.department, name="Ofc. Li Wei")
    for officer in [*trained.officers, newcomer]:
        make.enrollment(upcoming, officer)
    tokens = [regenerate_feed_token(o) for o in [*trained.officers, newcomer, trained.instructor]]
    make.db.commit()
    return trained, report.issued, tokens


#: Both machines answer at the department's one public address.
PUBLIC_HOST = "training.example.gov"


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": PUBLIC_HOST, **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers), answer.read()


def feed_etags(base: str, tokens: list[str]) -> list[str]:
    etags = []
    for token in tokens:
        status, headers, _ = fetch(f"{base}/training/calendar/private/{token}.ics")
        assert status == 200
        etags.append(headers["ETag"])
    return etags


def test_a_serving_instance_restored_elsewhere_verifies_and_keeps_feeds_and_audit_log(
    app, app_config, make, sign_in, client, runner, elsewhere, tmp_path
):
    trained, certificates, tokens = a_department_in_use(make)
    officer = trained.officers[0]
    sign_in(officer)
    pdf = tmp_path / "downloaded.pdf"
    mine = next(c for c in certificates if c.person_id == officer.id)
    pdf.write_bytes(client.get(f"/training/certificates/{mine.display_serial}/download").data)
    serials = [c.display_serial for c in certificates]
    audit_before = db.session.execute(AUDIT_ROWS).all()
    assert len(serials) == 3 and len(audit_before) > 5

    with serving(app) as base:
        etags = feed_etags(base, tokens)
        # People keep using the site while the backup runs.
        stop, answers = threading.Event(), []

        def keep_reading():
            while not stop.is_set():
                answers.append(fetch(f"{base}/training/calendar/private/{tokens[0]}.ics")[0])

        reader = threading.Thread(target=keep_reading)
        reader.start()
        archive = tmp_path / "nightly.lms-backup.tar"
        result = runner.invoke(backup_command, [str(archive)])
        stop.set()
        reader.join()
    assert result.exit_code == 0, result.output
    assert "at LMS schema revision" in result.output
    assert answers and set(answers) == {200}

    url, key_dir = elsewhere
    restored = restored_app(app_config, url, key_dir)
    with restored.app_context():
        outcome = restored.test_cli_runner().invoke(restore_command, [str(archive)])
        assert outcome.exit_code == 0, outcome.output
        assert f"into {key_dir}" in outcome.output
        assert db.session.execute(AUDIT_ROWS).all() == audit_before

        visitor = restored.test_client()
        for serial in serials:
            page = visitor.get(f"/training/verify/{serial}")
            assert page.status_code == 200
            assert "Valid certificate" in page.get_data(as_text=True)
        checked = restored.test_cli_runner().invoke(verify_command, [str(pdf)])
        assert checked.exit_code == 0, checked.output
        assert "VALID" in checked.output and "NOT VALID" not in checked.output

        with serving(restored) as base:
            assert feed_etags(base, tokens) == etags
            for token, etag in zip(tokens, etags, strict=True):
                feed = f"{base}/training/calendar/private/{token}.ics"
                assert fetch(feed, **{"If-None-Match": etag})[0] == 304
        db.session.remove()
        db.engine.dispose()


def test_an_archive_at_an_older_schema_revision_is_refused_and_nothing_is_written(
    app, app_config, elsewhere, tmp_path
):
    old_db = tmp_path / "last-year.sqlite3"
    engine = create_engine(f"sqlite:///{old_db}")
    migrate.upgrade(engine, "0011")
    engine.dispose()
    archive = tmp_path / "old.tar"
    old_app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{old_db}"})
    with old_app.app_context():
        made = old_app.test_cli_runner().invoke(backup_command, [str(archive)])
        assert made.exit_code == 0, made.output
        assert "revision 0011" in made.output
        db.engine.dispose()

    refused, rows = restore_into(app_config, elsewhere, archive)
    assert refused.exit_code == 1
    assert "revision '0011', older than this code's" in refused.output
    assert "then install this version and run 'flask lms db upgrade'" in refused.output
    assert rows == [] and not elsewhere[1].exists()


def rewritten(archive: Path, destination: Path, change) -> Path:
    """A copy of ``archive`` whose members pass through ``change(name, data)``."""
    with tarfile.open(archive) as source, tarfile.open(destination, "w") as out:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return destination


@pytest.fixture
def small_backup(app, make, runner, tmp_path):
    """An archive of a department with one issued certificate."""
    trained = train(make, names=("Ofc. Sofia Rivera",))
    credentials.issue_certificates(trained.instructor, trained.session.id)
    make.db.commit()
    archive = tmp_path / "backup.tar"
    result = runner.invoke(backup_command, [str(archive)])
    assert result.exit_code == 0, result.output
    return archive


def restore_into(app_config, elsewhere, archive: Path, *args: str):
    url, key_dir = elsewhere
    target = restored_app(app_config, url, key_dir)
    with target.app_context():
        result = target.test_cli_runner().invoke(restore_command, [*args, str(archive)])
        rows = databases.tables_with_rows(db.engine)
        db.session.remove()
        db.engine.dispose()
    return result, rows


def test_an_archive_made_by_a_newer_lms_is_refused(app_config, elsewhere, small_backup, tmp_path):
    def newer(name, data):
        if name != MANIFEST:
            return data
        return json.dumps({**json.loads(data), "schema_revision": "0099_future"}).encode()

    archive = rewritten(small_backup, tmp_path / "newer.tar", newer)
    result, rows = restore_into(app_config, elsewhere, archive)
    assert result.exit_code == 1
    assert "revision '0099_future', which this code does not know" in result.output
    assert "made by a newer LMS" in result.output
    assert rows == [] and not elsewhere[1].exists()


def test_a_damaged_archive_is_refused_naming_the_file(
    app_config, elsewhere, small_backup, tmp_path
):
    def damaged(name, data):
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("keys/") else data

    archive = rewritten(small_backup, tmp_path / "damaged.tar", damaged)
    result, rows = restore_into(app_config, elsewhere, archive)
    assert result.exit_code == 1
    assert "does not match its checksum; the archive is damaged" in result.output
    assert "keys/" in result.output
    assert rows == [] and not any(elsewhere[1].glob("*.key"))


def test_a_database_in_use_is_not_overwritten_without_force(app_config, elsewhere, small_backup):
    first, _ = restore_into(app_config, elsewhere, small_backup)
    assert first.exit_code == 0, first.output
    again, _ = restore_into(app_config, elsewhere, small_backup)
    assert again.exit_code == 1
    assert "the target database is not empty" in again.output
    assert "pass --force" in again.output
    forced, rows = restore_into(app_config, elsewhere, small_backup, "--force")
    assert forced.exit_code == 0, forced.output
    assert "lms_certificate" in rows


def feed_uids(app, tokens: list[str]) -> list[list[str]]:
    """The event ids of each private feed, as a calendar client stores them."""
    visitor = app.test_client()
    uids = []
    for token in tokens:
        answer = visitor.get(f"/training/calendar/private/{token}.ics")
        assert answer.status_code == 200
        uids.append(sorted(str(e["UID"]) for e in Calendar.from_ical(answer.data).walk("VEVENT")))
    return uids


def test_a_new_machine_gets_the_backed_up_secret_key_and_feeds_keep_their_event_ids(
    app, app_config, make, runner, elsewhere, tmp_path, monkeypatch
):
    """A standalone install keeps its secret key in its instance folder, where no one
    thinks of it; the archive carries it, so the event ids of certification dates (and
    the unsubscribe links mailed) stay the same on the new machine."""
    _, _, tokens = a_department_in_use(make)
    with app.app_context():
        before = feed_uids(app, tokens)
    archive = tmp_path / "nightly.tar"
    made = runner.invoke(backup_command, [str(archive)])
    assert made.exit_code == 0, made.output
    assert "and the secret key" in made.output

    # The new machine: its own instance folder, its own secret made on first start.
    instance = tmp_path / "new-machine" / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    url, key_dir = elsewhere
    config = {key: value for key, value in app_config.items() if key != "SECRET_KEY"}
    config.update(SQLALCHEMY_DATABASE_URI=url, LMS_KEY_DIR=str(key_dir))
    fresh = create_app(config)
    assert fresh.config["SECRET_KEY"] != app.config["SECRET_KEY"]
    with fresh.app_context():
        restored = fresh.test_cli_runner().invoke(restore_command, [str(archive)])
        assert restored.exit_code == 0, restored.output
        assert f"now this installation's ({instance / 'secret_key'})" in restored.output
        # Served with the key it started with, the certification dates change ids.
        assert feed_uids(fresh, tokens) != before
        db.session.remove()
        db.engine.dispose()
    assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600

    started = create_app(config)  # the app started after the restore
    assert started.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    with started.app_context():
        assert feed_uids(started, tokens) == before
        db.session.remove()
        db.engine.dispose()


def test_a_given_secret_key_that_differs_is_named_with_how_to_set_it(
    app_config, elsewhere, small_backup
):
    url, key_dir = elsewhere
    target = create_app(
        {**app_config, "SQLALCHEMY_DATABASE_URI": url, "LMS_KEY_DIR": str(key_dir),
         "SECRET_KEY": "set-by-the-host"}
    )  # fmt: skip
    with target.app_context():
        result = target.test_cli_runner().invoke(restore_command, [str(small_backup)])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "not the one the backup was made with" in result.output
    assert f"tar -xOf {small_backup} secret_key" in result.output
    with tarfile.open(small_backup) as archive:
        assert archive.extractfile("secret_key").read().decode() == app_config["SECRET_KEY"]


def test_a_missing_postgresql_tool_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(databases, "PG_TOOL_FOLDERS", str(tmp_path / "none"))
    with pytest.raises(BackupError, match="pg_dump was not found on PATH"):
        databases.pg_tool("pg_dump")
