"""The registry of audit sentences: one describer per action, registered by name."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..models import AuditEvent
from .words import Description, Names, actor, reason_of

Describer = Callable[[AuditEvent, Names], Description]


@dataclass(frozen=True)
class Action:
    """A known action: its name, its label in the page's filter, and its describer."""

    name: str
    label: str
    describe: Describer


class Registry:
    """Describers by action name; a second describer for a name is an error."""

    def __init__(self) -> None:
        self.actions: dict[str, Action] = {}

    def describes(self, name: str, label: str) -> Callable[[Describer], Describer]:
        """Decorator: register the describer of action ``name``."""

        def register(describer: Describer) -> Describer:
            self.add(Action(name, label, describer))
            return describer

        return register

    def add(self, action: Action) -> None:
        if action.name in self.actions:
            raise ValueError(f"the audit action {action.name!r} already has a describer")
        self.actions[action.name] = action

    @classmethod
    def merged(cls, registries: Iterable[Registry]) -> Registry:
        """One registry of all of ``registries``' actions (each named once)."""
        merged = cls()
        for registry in registries:
            for action in registry.actions.values():
                merged.add(action)
        return merged


def said(event: AuditEvent, names: Names, verb: str, *rest: str) -> Description:
    """'<actor> <verb> <rest>', with the details' reason."""
    return Description(" ".join([actor(event, names), verb, *rest]), (), reason_of(event))


def session_of(event: AuditEvent, names: Names) -> str:
    """The session an event concerns, in words."""
    session_id = (event.details or {}).get("session_id")
    if session_id is None and event.object_type == "CourseSession":
        session_id = event.object_id
    return names.session(session_id)
