"""Turning reminders off: the one-click link of RFC 8058 (no sign-in) and the settings page."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.app import db
from lms.core import local_today
from lms.mail import delivery
from lms.mail.operations import MailCategory, MailError, queue_mail
from lms.mail.preferences import read_token
from lms.mail.reminders import queue_reminders
from lms.models import AuditEvent, MailPreference, OutboxMessage
from tests.status.program import Program

PUBLIC_URL = "https://training.mpd.test"


@pytest.fixture
def program(make):
    return Program(make)


def first_reminder(program, smtp_server, person, due_in=30):
    program.certify(person, program.alerrt, expires_on=local_today() + timedelta(days=due_in))
    queue_reminders()
    db.session.commit()
    delivery.deliver_due()
    return smtp_server.inbox.received[-1].message


def path_of(header) -> str:
    url = str(header).strip("<>")
    assert url.startswith(PUBLIC_URL + "/training/mail/unsubscribe/")
    return urlsplit(url).path


def test_one_click_unsubscribe_works_without_a_session_and_stops_the_next_reminder(
    app, program, smtp_server
):
    officer = program.officer("Dana Whitfield")
    email = first_reminder(program, smtp_server, officer)
    path = path_of(email["List-Unsubscribe"])

    # What a mail provider sends (RFC 8058): a POST with that body, no cookie, no token.
    anonymous = app.test_client()
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "No more renewal reminders" in response.get_data(as_text=True)
    assert db.session.get(MailPreference, officer.id).reminders is False
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "mail.preferences_changed")
    ).one()
    assert event.details["via"] == "unsubscribe link"

    # The 7-day reminder is due a little later: nothing is queued for them.
    cycle_due = local_today() + timedelta(days=7)
    other = program.officer("Still Subscribed")
    program.certify(other, program.alerrt, expires_on=cycle_due)
    program.certify(officer, program.alerrt, expires_on=cycle_due, granted_on=local_today())
    queue_reminders()
    db.session.commit()
    recipients = [m.recipient_address for m in db.session.scalars(select(OutboxMessage))]
    assert recipients == [officer.email, other.email]  # the first reminder, then only other's


def test_get_shows_a_confirm_page_and_changes_nothing(app, program, smtp_server):
    officer = program.officer()
    path = path_of(first_reminder(program, smtp_server, officer)["List-Unsubscribe"])
    response = app.test_client().get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Stop renewal reminders?" in page and '<form method="post">' in page
    assert db.session.get(MailPreference, officer.id) is None


def test_only_optional_mail_carries_an_unsubscribe_link_naming_its_person_and_kind(
    app, admin, smtp_server
):
    for category in MailCategory:
        queue_mail(admin, "test_message", {"sent_by": admin}, category=category)
    with pytest.raises(MailError, match="goes to a person"):  # who could not turn it off
        queue_mail("list@mpd.test", "test_message", {}, category=MailCategory.DIGEST)
    db.session.commit()
    assert delivery.deliver_due().sent == len(MailCategory)

    for received, category in zip(smtp_server.inbox.received, MailCategory, strict=True):
        email = received.message
        if category in (MailCategory.REMINDER, MailCategory.DIGEST):
            token = path_of(email["List-Unsubscribe"]).rpartition("/")[2]
            assert read_token(token) == (admin.id, category)
            assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        else:  # confirmations, cancellations, security messages: never
            assert email["List-Unsubscribe"] is None and email["List-Unsubscribe-Post"] is None
            assert b"/mail/unsubscribe/" not in received.raw


def test_a_link_that_is_not_ours_is_404(app, program):
    client = app.test_client()
    assert client.get("/training/mail/unsubscribe/WzEsInJlbWluZGVyIl0.forged").status_code == 404
    assert client.post("/training/mail/unsubscribe/nonsense").status_code == 404


def test_the_settings_page_turns_reminders_off_and_on(program, sign_in, smtp_server):
    officer = program.officer()
    client = sign_in(officer)
    page = client.get("/training/account").get_data(as_text=True)
    assert "/training/mail/settings" in page

    page = client.get("/training/mail/settings").get_data(as_text=True)
    assert "Renewal reminders" in page and "Weekly digest" in page
    response = client.submit("/training/mail/settings", {"digests": "y"})
    assert response.status_code == 302
    preference = db.session.get(MailPreference, officer.id)
    assert (preference.reminders, preference.digests) == (False, True)
    program.certify(officer, program.alerrt, expires_on=local_today() + timedelta(days=7))
    assert queue_reminders().queued == 0

    client.submit("/training/mail/settings", {"reminders": "y", "digests": "y"})
    db.session.expire_all()
    assert queue_reminders().queued == 1
