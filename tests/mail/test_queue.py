"""Queuing: a message is kept with the change that causes it, rendered once, sent once.

Every test here delivers over a real SMTP server (aiosmtpd) and reads what it
received with Python's ``email`` package.
"""

from __future__ import annotations

from email.header import decode_header, make_header

import icalendar
import pytest
from sqlalchemy import func, select

from lms.app import db
from lms.mail import delivery, preferences
from lms.mail.bulk import BulkMail, Recipient, render_group
from lms.mail.operations import Attachment, MailCategory, MailError, queue_mail
from lms.mail.worker import jobs_for
from lms.models import MailState, OutboxMessage, Role


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def pending_jobs(app) -> int:
    return jobs_for(app).huey.pending_count()


def test_a_message_queued_in_a_committed_request_arrives_once_with_its_message_id(
    app, admin, sign_in, smtp_server
):
    client = sign_in(admin)
    response = client.submit(
        "/training/outbox/", {"address": "sofia.rivera@mpd.test"}, action="/training/outbox/test"
    )
    assert response.status_code == 302
    (message,) = db.session.scalars(select(OutboxMessage))
    assert message.state is MailState.QUEUED
    assert pending_jobs(app) == 1  # the commit woke a worker; the request sent nothing
    assert smtp_server.inbox.received == []

    assert delivery.deliver_due().sent == 1
    assert delivery.deliver_due().tried == 0  # nothing is due twice

    (received,) = smtp_server.inbox.received
    assert received.recipients == ["sofia.rivera@mpd.test"]
    assert received.sender == "training@mpd.test"
    email = received.message
    assert email["Message-ID"] == message.message_id
    assert message.message_id.endswith("@mpd.test>")
    assert email["Subject"] == "Test message from Missoula Police Department"
    assert email["From"] == "Missoula Police Department Training <training@mpd.test>"
    assert email.get_body(("plain",)).get_content().startswith("Hello,")
    assert "Chris Admin sent it" in email.get_body(("html",)).get_content()
    db.session.expire_all()
    assert message.state is MailState.SENT and message.answer.startswith("250 2.0.0 Ok")
    assert received.raw == message.raw  # exactly the bytes the Outbox page shows


def header_lines(raw: bytes) -> dict[str, list[str]]:
    """Each header's lines as sent (its first line, then the folded ones), by name."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "\n" not in head.replace("\r\n", "") and "\r" not in head.replace("\r\n", "")
    fields: dict[str, list[str]] = {}
    name = ""
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t"):
            fields[name].append(line)
        else:
            name = line.split(":", 1)[0]
            fields[name] = [line]
    return fields


def unfolded(lines: list[str]) -> str:
    """A header's value as RFC 5322 unfolds it (only the line breaks go)."""
    return "".join(lines).split(":", 1)[1].lstrip(" ")


LONG_NAMES = [
    "Missoula County Sheriff's Office and Missoula Police Department Joint Training Unit",
    "Département de police de Missoula — Unité de formation « Réagir, Fuir, Se défendre », "
    "宮崎 駿 et Ана Петрова",
]


@pytest.mark.parametrize("name", LONG_NAMES, ids=["ascii", "non-ascii"])
def test_mail_names_the_department_as_renamed_and_a_long_subject_reads_back_exactly(
    app, admin, department, smtp_server, name
):
    # Renamed in the browser after the config named it; the sender names no one.
    department.name = name
    db.session.commit()
    app.config["LMS_MAIL_SENDER"] = "training@mpd.test"
    context = {"sent_by": admin}
    queue_mail(admin, "test_message", context, category=MailCategory.TRANSACTIONAL)
    bulk = BulkMail.start(MailCategory.TRANSACTIONAL)  # the reminders' message builder
    bulk.add(
        Recipient(admin.id, admin.full_name, admin.email),
        render_group("test_message", context, MailCategory.TRANSACTIONAL),
        "k",
    )
    assert bulk.flush() == 1
    db.session.commit()
    assert delivery.deliver_due().sent == 2

    for received in smtp_server.inbox.received:
        fields = header_lines(received.raw)
        for field in ("From", "To", "Subject"):
            assert all(len(line) <= 78 for line in fields[field]), fields[field]
        assert fields["Subject"][0] != "Subject:"  # never folded before the first word
        email = received.message
        assert email["Subject"] == f"Test message from {name}"
        # RFC 2047 §6.2: a reader ignores the space between two encoded words (the
        # email package's legacy decoder does; its address parser keeps it).
        assert str(make_header(decode_header(unfolded(fields["From"])))) == (
            f"{name} <training@mpd.test>"
        )
        assert f"({name})." in email.get_body(("plain",)).get_content()


def test_a_rollback_queues_nothing_wakes_no_one_and_sends_nothing(app, admin, smtp_server):
    queue_mail(admin, "test_message", {"sent_by": admin}, category=MailCategory.TRANSACTIONAL)
    assert outbox_count() == 1  # in this transaction
    db.session.rollback()

    assert outbox_count() == 0
    assert pending_jobs(app) == 0
    assert delivery.deliver_due().tried == 0
    assert smtp_server.inbox.received == []

    # The same session commits later: only what it queued then wakes a worker.
    db.session.commit()
    assert pending_jobs(app) == 0


def test_a_dedupe_key_queues_a_message_once(app, admin, smtp_server):
    first = queue_mail(
        admin,
        "test_message",
        {"sent_by": admin},
        category=MailCategory.REMINDER,
        dedupe_key="reminder:7:30",
    )
    assert first is not None
    again = queue_mail(
        admin,
        "test_message",
        {"sent_by": admin},
        category=MailCategory.REMINDER,
        dedupe_key="reminder:7:30",
    )
    assert again is None
    db.session.commit()
    delivery.deliver_due()
    # Sent, and still once only.
    assert (
        queue_mail(
            admin,
            "test_message",
            {"sent_by": admin},
            category=MailCategory.REMINDER,
            dedupe_key="reminder:7:30",
        )
        is None
    )
    db.session.commit()
    delivery.deliver_due()
    assert len(smtp_server.inbox.received) == 1


def test_people_without_an_address_get_nothing_and_bad_input_is_refused(app, make, admin):
    member = make.person(Role.PARTICIPANT, email=None)
    assert (
        queue_mail(member, "test_message", {"sent_by": admin}, category=MailCategory.SECURITY)
        is None
    )
    with pytest.raises(MailError, match="not an email address"):
        queue_mail(
            "Bob <bob@x.test>\r\nBcc: eve@x.test",
            "test_message",
            {},
            category=MailCategory.SECURITY,
        )
    with pytest.raises(MailError, match="not a mail template name"):
        queue_mail(admin, "../base", {}, category=MailCategory.SECURITY)
    assert outbox_count() == 0


def test_optional_mail_asks_the_preferences_hook_and_mandatory_mail_does_not(
    app, admin, monkeypatch
):
    asked = []

    def wants(person, category):
        asked.append((person, category))
        return False

    monkeypatch.setattr(preferences, "wants", wants)
    context = {"sent_by": admin}
    assert queue_mail(admin, "test_message", context, category=MailCategory.DIGEST) is None
    assert queue_mail(admin, "test_message", context, category=MailCategory.REMINDER) is None
    for category in (MailCategory.SECURITY, MailCategory.TRANSACTIONAL):
        assert queue_mail(admin, "test_message", context, category=category) is not None
    assert asked == [(admin, MailCategory.DIGEST), (admin, MailCategory.REMINDER)]


ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//lms//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:session-12@mpd.test\r\nSEQUENCE:0\r\n"
    "DTSTAMP:20261201T120000Z\r\nDTSTART:20261214T150000Z\r\nDTEND:20261214T230000Z\r\n"
    "SUMMARY:ALERRT Refresher – Café room\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
).encode()


def test_a_calendar_invitation_is_an_alternative_part_and_an_attachment(app, admin, smtp_server):
    queue_mail(
        admin,
        "test_message",
        {"sent_by": admin},
        category=MailCategory.TRANSACTIONAL,
        attachments=[
            Attachment(
                "invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", ICS, alternative=True
            ),
            Attachment("invite.ics", "application/ics", ICS),
        ],
    )
    db.session.commit()
    delivery.deliver_due()
    (received,) = smtp_server.inbox.received
    email = received.message
    # What Outlook reads (iMIP in the first part of multipart/mixed) and what others do.
    assert email.get_content_type() == "multipart/mixed"
    alternative, attached = email.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    calendar_part = alternative.get_payload()[2]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_disposition() is None
    assert attached.get_content_type() == "application/ics"
    assert attached.get_filename() == "invite.ics"
    for data in (calendar_part.get_payload(decode=True), attached.get_payload(decode=True)):
        calendar = icalendar.Calendar.from_ical(data)
        assert calendar["METHOD"] == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert str(event["UID"]) == "session-12@mpd.test"
        assert str(event["SUMMARY"]) == "ALERRT Refresher – Café room"
    assert all(byte < 128 for byte in received.raw)  # 7-bit: any server takes it


def test_a_bulk_pass_skips_a_key_another_pass_queued_meanwhile_and_keeps_the_rest(app, admin):
    """Two workers running the same hourly job: the second one's copy of a message is
    dropped (on PostgreSQL its COPY is undone and redone skipping the key), once only."""
    context = {"sent_by": admin}
    category = MailCategory.TRANSACTIONAL
    queue_mail(admin, "test_message", context, category=category, dedupe_key="bulk:1")
    db.session.commit()
    bulk = BulkMail.start(category)
    rendered = render_group("test_message", context, category)
    for key in ("bulk:1", "bulk:2", "bulk:3"):
        bulk.add(Recipient(admin.id, admin.full_name, admin.email), rendered, key)
    assert bulk.flush() == 2
    bulk.add(Recipient(admin.id, admin.full_name, admin.email), rendered, "bulk:4")
    assert bulk.flush() == 1  # a second flush in the same transaction
    db.session.commit()
    keys = db.session.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
    assert list(keys) == ["bulk:1", "bulk:2", "bulk:3", "bulk:4"]
