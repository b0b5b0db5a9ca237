"""The Outbox page: messages with their delivery, each shown as its recipient sees it."""

from __future__ import annotations

import html
import re
from email import message_from_bytes, policy

from lms.app import db
from lms.mail import delivery
from lms.mail.operations import Attachment, MailCategory, queue_mail
from lms.mail.queries import PAGE_SIZE
from lms.models import OutboxMessage

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_message_is_shown_as_its_recipient_sees_it(app, admin, sign_in, smtp_server):
    message = queue_mail(
        admin,
        "test_message",
        {"sent_by": admin},
        category=MailCategory.TRANSACTIONAL,
        attachments=[
            Attachment("invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", ICS, True),
            Attachment("Certificate of completion.pdf", "application/pdf", b"%PDF-1.7 fake"),
        ],
    )
    db.session.commit()
    delivery.deliver_due()
    client = sign_in(admin)

    listing = text_of(client.get("/training/outbox/"))
    assert "Test message from Missoula Police Department" in listing
    assert "chris.admin@mpd.test" in listing and "Sent" in listing
    assert "the SMTP server 127.0.0.1:" in listing

    page = client.get(f"/training/outbox/{message.id}")
    assert page.status_code == 200
    shown = text_of(page)
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        assert f"<dt>{header}</dt>" in shown
    assert "Chris Admin <chris.admin@mpd.test>" in shown
    assert message.message_id in shown
    assert "250 2.0.0 Ok: queued as TEST00001" in shown  # the server's answer
    assert "This is a test message from Active-Threat Training" in shown  # the text version
    frame = re.search(r'<iframe sandbox="" src="([^"]+)"', shown)
    assert frame and frame.group(1) == f"/training/outbox/{message.id}/body.html"

    body = client.get(frame.group(1))
    assert body.status_code == 200 and body.mimetype == "text/html"
    assert "Chris Admin sent it from the Outbox page" in body.get_data(as_text=True)
    policy_header = body.headers["Content-Security-Policy"]
    assert policy_header.startswith("sandbox;") and "default-src 'none'" in policy_header
    assert "script-src" not in policy_header and "frame-ancestors 'self'" in policy_header
    assert body.headers["X-Frame-Options"] == "SAMEORIGIN"

    # The calendar part and the attachment are listed and download as sent.
    assert "calendar" in shown and "Certificate of completion.pdf" in shown
    calendar = client.get(f"/training/outbox/{message.id}/parts/1")
    assert calendar.mimetype == "text/calendar" and calendar.data == ICS
    assert "attachment" in calendar.headers["Content-Disposition"]
    pdf = client.get(f"/training/outbox/{message.id}/parts/2")
    assert pdf.mimetype == "application/pdf" and pdf.data == b"%PDF-1.7 fake"
    assert client.get(f"/training/outbox/{message.id}/parts/3").status_code == 404

    eml = client.get(f"/training/outbox/{message.id}/message.eml")
    assert eml.mimetype == "message/rfc822" and eml.data == smtp_server.inbox.received[0].raw
    assert message_from_bytes(eml.data, policy=policy.default)["Message-ID"] == message.message_id


def test_the_list_filters_by_state_and_pages_by_message(app, admin, sign_in, smtp_server):
    for n in range(PAGE_SIZE + 5):
        queue_mail(
            f"person{n}@mpd.test",
            "test_message",
            {"sent_by": admin},
            category=MailCategory.TRANSACTIONAL,
        )
    smtp_server.inbox.refuse["person3@mpd.test"] = "550 5.1.1 unknown"
    db.session.commit()
    delivery.deliver_due()
    client = sign_in(admin)

    first = text_of(client.get("/training/outbox/"))
    rows = re.findall(r'<tr data-message="(\d+)">', first)
    assert len(rows) == PAGE_SIZE
    newest = max(m.id for m in db.session.query(OutboxMessage))
    assert int(rows[0]) == newest and rows == sorted(rows, key=int, reverse=True)
    older = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    second = text_of(client.get(html.unescape(older)))
    assert len(re.findall(r'<tr data-message="(\d+)">', second)) == 5
    assert 'rel="prev"' in second and 'rel="next"' not in second
    newer = re.search(r'href="([^"]+)" rel="prev"', second).group(1)
    assert re.findall(r'<tr data-message="(\d+)">', text_of(client.get(newer))) == rows

    failed = text_of(client.get("/training/outbox/?state=failed"))
    assert re.findall(r"<td[^>]*>(person\d+@mpd.test)</td>", failed) == ["person3@mpd.test"]
    assert "1 failed" in failed and "0 queued" in failed
    assert client.get("/training/outbox/?state=lost").status_code == 400


def test_a_test_message_needs_an_address(app, admin, sign_in):
    client = sign_in(admin)
    form = client.get("/training/outbox/")
    assert 'value="chris.admin@mpd.test"' in form.get_data(as_text=True)  # one's own, proposed
    response = client.submit(
        "/training/outbox/", {"address": "not an address"}, action="/training/outbox/test"
    )
    assert response.status_code == 400
    assert "Not a valid email" in text_of(response)
    assert db.session.query(OutboxMessage).count() == 0
