"""Panel slots: places on shared pages where each feature adds its own part.

The dashboard and the session page are shared by several features. Rather
than each feature editing those views, a feature registers a panel: a
template and a function that returns its context (or None to show nothing).

    dashboard.register("lms/status/_dashboard.html", status_context, order=10)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Panel:
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int


@dataclass(frozen=True)
class RenderedPanel:
    template: str
    context: dict[str, Any]


class PanelSlot:
    """An ordered set of panels for one page; a template may be registered once."""

    def __init__(self, name: str):
        self.name = name
        self._panels: dict[str, Panel] = {}

    def register(
        self, template: str, context: Callable[..., dict[str, Any] | None], order: int = 50
    ):
        if template in self._panels:
            raise ValueError(f"panel {template!r} is already registered on {self.name}")
        self._panels[template] = Panel(template, context, order)

    def render(self, *args: Any) -> list[RenderedPanel]:
        """The panels that have something to show for ``args``, in order."""
        shown = []
        for panel in sorted(self._panels.values(), key=lambda p: (p.order, p.template)):
            context = panel.context(*args)
            if context is not None:
                shown.append(RenderedPanel(panel.template, context))
        return shown


#: Panels on the dashboard; context functions take the signed-in person.
dashboard = PanelSlot("dashboard")
#: Panels on a session's page; context functions take (viewer or None, session).
session_page = PanelSlot("session page")
#: Panels on a session's roster page; context functions take (viewer, session).
roster_page = PanelSlot("roster page")
#: Panels on the signed-in person's account page; context functions take the person.
account_page = PanelSlot("account page")
