"""URL rules whose builders are compiled once per test process, not once per app.

Each test builds its own app (its own database, folders and settings), and most of
the cost of building one is Werkzeug compiling two URL builder functions for each
of the LMS's rules: Python source assembled as an AST and compiled, about 80% of
``create_app``. The builder depends only on the rule's text, its parts and the
values of its defaults, and reads the rule's converters when called, so a builder
compiled for one app serves every later app's identical rule. Flask's documented
hook, ``Flask.url_rule_class``, puts this rule class in every app of the tests;
production builds its one app the ordinary way.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Rule

_BUILDERS: dict[tuple, Any] = {}


class CompiledOnceRule(Rule):
    """A Werkzeug rule whose URL builders are shared with every identical rule."""

    def _compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        key = (
            self.rule,
            tuple(self._trace),
            tuple(
                (name, self._converters[name].to_url(value) if name in self._converters else None)
                for name, value in defaults.items()
            ),
            append_unknown,
        )
        builder = _BUILDERS.get(key)
        if builder is None:
            builder = _BUILDERS[key] = super()._compile_builder(append_unknown)
        return builder
