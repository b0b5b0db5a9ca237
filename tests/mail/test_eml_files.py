"""Without an SMTP server, each message becomes an .eml file in the instance folder."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from lms.app import db
from lms.mail import delivery
from lms.mail.operations import MailCategory, queue_mail
from lms.models import MailState, OutboxMessage


@pytest.fixture
def app_config(app_config):
    """No LMS_SMTP_HOST (the embedded default); the .eml folder is the test's own."""
    return {key: value for key, value in app_config.items() if not key.startswith("LMS_SMTP")}


def test_each_message_is_written_as_an_eml_file_and_marked_sent(app, admin, tmp_path):
    message = queue_mail(
        admin, "test_message", {"sent_by": admin}, category=MailCategory.TRANSACTIONAL
    )
    db.session.commit()
    assert delivery.deliver_due().sent == 1
    assert delivery.deliver_due().tried == 0

    folder = Path(app.config["LMS_MAIL_DIR"])
    (path,) = folder.glob("*.eml")
    assert path.read_bytes() == message.raw
    email = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert email["To"] == "Chris Admin <chris.admin@mpd.test>"
    assert email["Message-ID"] == message.message_id
    assert email["From"] == "Missoula Police Department Training <training@mpd.test>"
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message.id)
    assert message.state is MailState.SENT
    assert message.answer == f"written to {path} (no SMTP server is configured)"


def test_the_default_folder_is_the_instance_folders_mail(app, admin, tmp_path, monkeypatch):
    app.config["LMS_MAIL_DIR"] = None
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    queue_mail(admin, "test_message", {"sent_by": admin}, category=MailCategory.SECURITY)
    db.session.commit()
    assert "no SMTP server is configured" in delivery.destination()
    delivery.deliver_due()
    assert len(list((tmp_path / "instance" / "mail").glob("*.eml"))) == 1


def test_flask_lms_deliver_runs_one_round_and_says_what_it_did(app, admin, runner):
    queue_mail(admin, "test_message", {"sent_by": admin}, category=MailCategory.TRANSACTIONAL)
    db.session.commit()
    result = runner.invoke(args=["lms", "deliver"])
    assert result.exit_code == 0, result.output
    folder = app.config["LMS_MAIL_DIR"]
    assert result.output.strip() == (
        f"1 sent, 0 to retry, 0 failed; mail goes to .eml files in {folder} "
        "(no SMTP server is configured)"
    )


def test_a_new_demo_has_a_test_message_in_its_outbox_and_the_worker_writes_it(app, runner):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    assert "A test message to admin@demo.lms.test waits in the Outbox" in result.output
    # The demo's own operations mail too (certificates issued, links made); its
    # admin also finds a test message addressed to them.
    queued = db.session.query(OutboxMessage).all()
    (message,) = [m for m in queued if m.template == "test_message"]
    assert message.recipient_address == "admin@demo.lms.test"
    assert runner.invoke(args=["lms", "deliver"]).output.startswith(f"{len(queued)} sent")
    again = runner.invoke(args=["lms", "demo"])  # nothing loaded: nothing queued
    assert "waits in the Outbox" not in again.output
    assert db.session.query(OutboxMessage).count() == len(queued)
