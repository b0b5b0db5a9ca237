"""A track as the admin wants it: what the preview measures and the change applies."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import RenewalBasis, RenewalMethod


@dataclass
class TrackDraft:
    """A track as the admin wants it, with the courses that renew it."""

    code: str
    name: str
    description: str
    validity_months: int
    renewal_window_days: int
    due_soon_days: int
    renewal_basis: RenewalBasis
    qualifies_instructors: bool
    completing_course_ids: list[int] = field(default_factory=list)
    teaching_course_ids: list[int] = field(default_factory=list)

    def path_course_ids(self, method: RenewalMethod) -> set[int]:
        """The courses this draft renews the track by ``method``."""
        if method is RenewalMethod.COMPLETE_COURSE:
            return set(self.completing_course_ids)
        return set(self.teaching_course_ids)
