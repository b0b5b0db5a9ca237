"""What the transcripts feature adds to the dashboard: one's own transcript in one click."""

from __future__ import annotations

from typing import Any

from ..auth.policy import is_staff
from ..models import Person
from .forms import IssueForm


def dashboard_context(person: Person) -> dict[str, Any]:
    """A link to the person's transcript, its signed PDF, and agencies' for staff."""
    return {"person": person, "form": IssueForm(), "staff": is_staff(person)}
