"""Every audit action in words: the registry of describers, one per action.

A describer takes the event and the page's :class:`~.words.Names` and returns
a :class:`~.words.Description`: the sentence, the values before and after,
and the reason when the details carry them. Every action written in ``lms/``
has one (``tests/audit_trail`` reads the sources to hold that); any other (a
plugin's, a host's) reads through :func:`~.words.fallback`.
"""

from __future__ import annotations

from ..models import AuditEvent
from . import mail_sentences, people_sentences, program_sentences, record_sentences
from .registry import Registry
from .words import Description, Names, fallback

ACTIONS = Registry.merged(
    [
        people_sentences.SENTENCES,
        record_sentences.SENTENCES,
        program_sentences.SENTENCES,
        mail_sentences.SENTENCES,
    ]
).actions


def action_choices() -> list[tuple[str, str]]:
    """(action, label) of every known action, in the order of their labels."""
    return sorted(((a.name, a.label) for a in ACTIONS.values()), key=lambda c: c[1])


def describe(event: AuditEvent, names: Names) -> Description:
    """The event in words (a known action's sentence, or the fallback)."""
    action = ACTIONS.get(event.action)
    return action.describe(event, names) if action else fallback(event, names)
