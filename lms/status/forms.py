"""Form helpers shared by the records features (rosters, status, compliance)."""

from __future__ import annotations

from collections.abc import Iterable

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice.
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3 takes the tuples
    SelectChoice = None


def choices(pairs: Iterable[tuple[object, str]]) -> list:
    """Select options from (value, label) pairs, in the form this WTForms wants."""
    if SelectChoice is None:  # pragma: no cover
        return [(str(value), label) for value, label in pairs]
    return [SelectChoice(str(value), label) for value, label in pairs]
