"""Delivery: retries with backoff, refusals, claims taken over, and an administrator's retry."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.app import db
from lms.audit_trail.actions import describe
from lms.audit_trail.words import Names
from lms.mail import delivery
from lms.mail.operations import MailCategory, queue_mail
from lms.models import AuditEvent, MailState, OutboxMessage, utcnow

from .smtp import SmtpServer, free_port


def queue(admin, to=None, **kw) -> OutboxMessage:
    message = queue_mail(
        to or admin, "test_message", {"sent_by": admin}, category=MailCategory.TRANSACTIONAL, **kw
    )
    db.session.commit()
    return message


def abandoned_claim(now) -> list[int]:
    """A worker claims what is due at ``now`` and dies: nothing more is written."""
    with db.engine.connect() as connection:
        return [c.outgoing.id for c in delivery.claim_due(connection, now, batch=10).messages]


def fresh(message: OutboxMessage) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message.id)


class TestAnUnreachableServer:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "LMS_SMTP_PORT": free_port()}  # nothing listens there

    def test_the_message_waits_is_retried_with_backoff_then_fails_with_the_answer(self, app, admin):
        message = queue(admin)
        other = queue(admin, to="someone.else@mpd.test")
        start = utcnow()

        first = delivery.deliver_due(clock=lambda: start)
        assert (first.sent, first.retrying, first.failed) == (0, 2, 0)  # the batch, one try each
        message = fresh(message)
        assert message.state is MailState.QUEUED and message.attempts == 1
        assert message.answer.startswith("could not connect to 127.0.0.1:")
        assert "ConnectionRefusedError" in message.answer
        assert message.next_attempt_at == start + timedelta(seconds=60)

        # Not due yet: nothing is tried.
        assert delivery.deliver_due(clock=lambda: start + timedelta(seconds=59)).tried == 0
        # The second try after 60 s, the third 120 s after that (LMS_MAIL_MAX_ATTEMPTS = 3).
        second_at = start + timedelta(seconds=60)
        assert delivery.deliver_due(clock=lambda: second_at).retrying == 2
        message = fresh(message)
        assert message.attempts == 2
        assert message.next_attempt_at == second_at + timedelta(seconds=120)
        assert delivery.deliver_due(clock=lambda: second_at + timedelta(seconds=119)).tried == 0
        last = delivery.deliver_due(clock=lambda: second_at + timedelta(seconds=120))
        assert (last.failed, last.retrying) == (2, 0)

        message = fresh(message)
        assert message.state is MailState.FAILED and message.attempts == 3
        assert "ConnectionRefusedError" in message.answer
        assert fresh(other).state is MailState.FAILED
        later = second_at + timedelta(days=1)
        assert delivery.deliver_due(clock=lambda: later).tried == 0  # never again by itself


def test_a_refused_address_fails_at_once_and_the_outbox_page_shows_why(
    app, admin, smtp_server, sign_in
):
    answer = "550 5.1.1 <gone@mpd.test>: Recipient address rejected: User unknown"
    smtp_server.inbox.refuse["gone@mpd.test"] = answer
    refused = queue(admin, to="gone@mpd.test")
    fine = queue(admin, to="here@mpd.test")

    done = delivery.deliver_due()
    assert (done.sent, done.failed, done.retrying) == (1, 1, 0)
    refused = fresh(refused)
    assert refused.state is MailState.FAILED and refused.attempts == 1
    assert refused.answer == answer
    assert [r.recipients for r in smtp_server.inbox.received] == [["here@mpd.test"]]
    assert fresh(fine).state is MailState.SENT  # the same connection went on

    client = sign_in(admin)
    page = html.unescape(client.get("/training/outbox/?state=failed").get_data(as_text=True))
    assert "gone@mpd.test" in page and answer in page
    assert "here@mpd.test" not in page
    assert "1 failed" in page


def test_a_temporary_refusal_is_tried_again_later(app, admin, smtp_server):
    smtp_server.inbox.refuse["busy@mpd.test"] = "451 4.3.0 Mailbox temporarily unavailable"
    message = queue(admin, to="busy@mpd.test")
    start = utcnow()
    assert delivery.deliver_due(clock=lambda: start).retrying == 1
    message = fresh(message)
    assert message.state is MailState.QUEUED and message.answer.startswith("451 4.3.0")

    del smtp_server.inbox.refuse["busy@mpd.test"]
    assert delivery.deliver_due(clock=lambda: start + timedelta(minutes=1)).sent == 1
    message = fresh(message)
    assert message.state is MailState.SENT and message.attempts == 2 and message.retries == 1


def test_a_claim_whose_worker_died_is_taken_over_with_the_same_message_id(app, admin, smtp_server):
    message = queue(admin)
    start = utcnow()
    # A worker claims it and dies before sending (or before recording the answer).
    assert abandoned_claim(start) == [message.id]
    assert fresh(message).state is MailState.SENDING

    # While the claim lasts, no other worker touches it.
    assert delivery.deliver_due(clock=lambda: start + timedelta(seconds=49)).tried == 0
    # Ten SMTP timeouts (5 s here) later, another worker takes it over.
    assert delivery.deliver_due(clock=lambda: start + timedelta(seconds=50)).sent == 1
    (received,) = smtp_server.inbox.received
    message = fresh(message)
    assert received.message_id == message.message_id
    assert message.state is MailState.SENT and message.attempts == 2


def test_a_message_whose_workers_keep_dying_fails_instead_of_looping(app, admin, smtp_server):
    message = queue(admin)
    moment = utcnow()
    for _ in range(3):  # LMS_MAIL_MAX_ATTEMPTS claims, each abandoned
        abandoned_claim(moment)
        moment += timedelta(seconds=50)
    assert delivery.deliver_due(clock=lambda: moment).failed == 1
    message = fresh(message)
    assert message.state is MailState.FAILED
    assert "a worker stopped while sending it" in message.answer
    assert smtp_server.inbox.received == []


def test_an_administrator_sends_a_failed_message_again_on_the_record(
    app, admin, smtp_server, sign_in
):
    smtp_server.inbox.refuse["typo@mpd.tst"] = "550 5.1.2 Bad destination mailbox address"
    message = queue(admin, to="typo@mpd.tst")
    delivery.deliver_due()
    assert fresh(message).state is MailState.FAILED

    client = sign_in(admin)
    page = f"/training/outbox/{message.id}"
    assert "Send it again" in client.get(page).get_data(as_text=True)
    del smtp_server.inbox.refuse["typo@mpd.tst"]  # the server was fixed
    response = client.submit(page, {}, action=f"{page}/retry")
    assert response.status_code == 302
    message = fresh(message)
    assert message.state is MailState.QUEUED
    assert (message.attempts, message.manual_retries) == (0, 1)

    assert delivery.deliver_due().sent == 1
    message = fresh(message)
    assert message.state is MailState.SENT and message.retries == 1
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "mail.retried"))
    text = describe(event, Names(people={admin.id: admin.full_name})).text
    assert text.startswith("Chris Admin sent again the failed message “Test message from")
    assert "to typo@mpd.tst (it had failed: 550 5.1.2 Bad destination mailbox address)" in text

    # A message that did not fail is not sent again.
    again = client.submit(page, {}, action=f"{page}/retry")
    assert again.status_code == 302
    assert "Only a failed message can be sent again" in html.unescape(
        client.get(page).get_data(as_text=True)
    )
    assert fresh(message).manual_retries == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
class TestSigningIn:
    @pytest.fixture
    def smtp_server(self):
        with SmtpServer(credentials=("lms-mailer", "s3cret-Passw0rd")) as server:
            yield server

    @pytest.fixture
    def app_config(self, app_config):
        return {
            **app_config,
            "LMS_SMTP_USERNAME": "lms-mailer",
            "LMS_SMTP_PASSWORD": "s3cret-Passw0rd",
        }

    def test_the_worker_signs_in_and_delivers(self, app, admin, smtp_server):
        queue(admin)
        assert delivery.deliver_due().sent == 1
        assert len(smtp_server.inbox.received) == 1

    def test_a_wrong_password_keeps_the_mail_queued_with_the_answer(self, app, admin, smtp_server):
        app.config["LMS_SMTP_PASSWORD"] = "wrong"
        message = queue(admin)
        assert delivery.deliver_due().retrying == 1
        message = fresh(message)
        assert message.state is MailState.QUEUED
        assert "535" in message.answer and "could not connect" in message.answer
