"""How long composing a message takes: the ``email`` package's stock policy against ours.

Every confirmation, waitlist word and reminder is composed in the request that
causes it (the outbox keeps the finished bytes), so in a registration rush
composing is part of every request. ``lms.mail.compose`` keeps the class the
``email`` package makes for each kind of header (``_HeaderClasses``); the stock
policy makes a new class for every header of every message. This times both on
a confirmation without attachments (a waitlist word) and with a calendar
invitation (an enrollment), alternating, and checks that both give the same
bytes (MIME boundaries and Date aside; ``tests/mail/test_compose.py`` checks the
same on many more messages).

Usage::

    .venv/bin/python benchmarks/compose_bench.py [--repeat 300]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms.mail import compose as composing  # noqa: E402
from lms.mail.compose import Attachment, Envelope, compose  # noqa: E402

STOCK = composing.policy.SMTP.clone(cte_type="7bit")
OURS = composing.WIRE
ENVELOPE = Envelope(
    sender="Missoula Police Department Training <training@lms.example>",
    to="Robin Parent <robin@example.test>",
    reply_to="training@lms.example",
)
TEXT = "Hello Robin Parent,\n\n" + (
    "You are on the waitlist for CRASE: Avoid, Deny, Defend on Tuesday 15 December 2026, "
    "08:00-16:00, Training Center, Room 1.\n" * 12
)
HTML = "<p>" + "You are on the waitlist for <b>CRASE: Avoid, Deny, Defend</b>.</p>\n<p>" * 12
ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
    + b"DESCRIPTION:" + b"x" * 60 + b"\r\n" * 30
    + b"END:VCALENDAR\r\n"
)  # fmt: skip
INVITATION = (
    Attachment("invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", ICS, True),
    Attachment("invite.ics", "application/ics; name=invite.ics", ICS),
)
MESSAGES = {
    "waitlist word (text + HTML)": (),
    "enrollment (text + HTML + invitation)": INVITATION,
}


def one(attachments) -> bytes:
    return compose(
        ENVELOPE, "You are on the waitlist: CRASE", TEXT, HTML, message_id="<b@lms>",
        attachments=attachments,
    )  # fmt: skip


def timed(policy, attachments, repeat: int) -> float:
    """Milliseconds of CPU a message, composed ``repeat`` times under ``policy``."""
    composing.WIRE = policy
    began = time.process_time()
    for _ in range(repeat):
        one(attachments)
    return (time.process_time() - began) * 1000 / repeat


def normal(raw: bytes) -> bytes:
    return re.sub(rb"Date: [^\r]*\r\n", b"", re.sub(rb"={15}\d+==", b"B", raw))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args(argv)
    failed = False
    for name, attachments in MESSAGES.items():
        composing.WIRE = STOCK
        stock_bytes = one(attachments)
        composing.WIRE = OURS
        if normal(one(attachments)) != normal(stock_bytes):
            print(f"{name}: NOT the stock policy's bytes")
            failed = True
        stock, ours = [], []
        for _ in range(5):  # alternated, so that a machine's drift falls on both
            stock.append(timed(STOCK, attachments, args.repeat // 5))
            ours.append(timed(OURS, attachments, args.repeat // 5))
        print(
            f"{name}: stock policy {statistics.median(stock):.2f} ms, "
            f"ours {statistics.median(ours):.2f} ms of CPU a message"
        )
    composing.WIRE = OURS
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
