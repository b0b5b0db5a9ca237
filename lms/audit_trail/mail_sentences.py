"""Audit sentences of the outbox."""

from __future__ import annotations

from .registry import Registry, said
from .words import Description, plain

SENTENCES = Registry()


@SENTENCES.describes("mail.retried", "Failed message sent again")
def _retried(e, n):
    d = e.details or {}
    base = said(
        e,
        n,
        "sent again the failed message",
        f"“{plain(d.get('subject'))}” to {plain(d.get('recipient'))}",
    )
    answer = d.get("previous_answer")
    return Description(base.sentence + (f" (it had failed: {answer})" if answer else ""))


@SENTENCES.describes("mail.test_queued", "Test message sent")
def _test_queued(e, n):
    return said(e, n, "sent a test message to", plain((e.details or {}).get("recipient")))


@SENTENCES.describes("mail.preferences_changed", "Mail settings changed")
def _preferences_changed(e, n):
    d = e.details or {}
    wanted = [
        f"{label} {'on' if d.get(key) else 'off'}"
        for key, label in (("reminders", "renewal reminders"), ("digests", "weekly digests"))
    ]
    whose = n.person(d.get("person_id"))
    return said(e, n, "set the mail of", whose, f"to {', '.join(wanted)} ({plain(d.get('via'))})")
