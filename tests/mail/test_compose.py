"""Composing keeps the ``email`` package's own output while reusing its header classes.

:func:`lms.mail.compose.compose` builds messages under a policy whose header
registry keeps the class it makes for each kind of header instead of making a
new one for every header (``lms.mail.compose._HeaderClasses``). The bytes must
be exactly those of the stock policy: every message here is composed both ways
and compared (the MIME boundaries and the Date, which differ from one call to
the next anyway, aside).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.mail import compose as composing
from lms.mail.compose import Attachment, Envelope, compose, read

STOCK = composing.policy.SMTP.clone(cte_type="7bit")
BOUNDARY = re.compile(rb"={15}\d+==")
DATE = re.compile(rb"Date: [^\r]*\r\n")

INVITATION = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"SUMMARY:CRASE: Avoid\\, Deny\\, Defend\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
ATTACHMENTS = (
    Attachment("invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", INVITATION, True),
    Attachment("invite.ics", "application/ics; name=invite.ics", INVITATION),
    Attachment("certificate.pdf", "application/pdf", b"%PDF-1.4\n" + bytes(range(256))),
)


def both_ways(monkeypatch, *args, **kwargs) -> tuple[bytes, bytes]:
    composing.header_address.cache_clear()
    ours = compose(*args, **kwargs)
    composing.header_address.cache_clear()
    with monkeypatch.context() as patched:
        patched.setattr(composing, "WIRE", STOCK)
        patched.setattr(composing, "READING", composing.policy.default)
        stock = compose(*args, **kwargs)
    return ours, stock


def same(ours: bytes, stock: bytes) -> bool:
    def normal(raw: bytes) -> bytes:
        return DATE.sub(b"", BOUNDARY.sub(b"BOUNDARY", raw))

    return normal(ours) == normal(stock)


@pytest.mark.parametrize("attachments", [(), ATTACHMENTS[:2], ATTACHMENTS])
def test_a_message_is_byte_for_byte_what_the_stock_policy_composes(monkeypatch, attachments):
    envelope = Envelope(
        sender="Missoula Police Department Training <training@lms.example>",
        to="Nguyễn Thị Minh Khai <minh@example.test>",
        reply_to="coordinator@lms.example",
    )
    ours, stock = both_ways(
        monkeypatch,
        envelope,
        "You have a seat: CRASE: Avoid, Deny, Defend, Tuesday 15 December 2026",
        "Hello Nguyễn,\n\nYou have a seat.\n" + "A line of the message body. " * 12 + "\n",
        "<p>Hello Nguyễn,</p><p>You have a seat.</p>",
        message_id="<rush.1@lms.example>",
        attachments=attachments,
        headers={"List-Unsubscribe": "<https://lms.example/u/abc>"},
    )
    assert same(ours, stock)
    message = read(ours)
    assert message.header("To") == "Nguyễn Thị Minh Khai <minh@example.test>"
    assert message.text.startswith("Hello Nguyễn,")
    assert len(message.parts) == len(attachments)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(min_size=1, max_size=60).filter(lambda s: s.strip() and "\x00" not in s),
    subject=st.text(min_size=1, max_size=120).filter(lambda s: s.strip()),
    body=st.text(max_size=400),
)
def test_any_name_subject_and_body_compose_as_the_stock_policy_does(
    monkeypatch, name, subject, body
):
    envelope = Envelope(sender="Training <training@lms.example>", to=f"{name} <x@example.test>")
    try:
        stock_result = both_ways(
            monkeypatch, envelope, subject, body, f"<p>{body}</p>", message_id="<m@lms>"
        )
    except Exception as exc:  # what the stock policy refuses, ours must refuse the same way
        with pytest.raises(type(exc)):
            compose(envelope, subject, body, f"<p>{body}</p>", message_id="<m@lms>")
        return
    assert same(*stock_result)
