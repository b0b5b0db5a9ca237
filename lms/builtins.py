"""The plugins that ship with the LMS, registered like any third-party one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .plugins import (
    CertificateLayout,
    CompletionRule,
    CourseType,
    EnrollmentFacts,
    Registries,
    RuleOutcome,
)
from .resources import layouts_dir


class StandardCourse(CourseType):
    name = "standard"
    label = "Standard course"
    description = "A class with attendance and a result; may grant a certification."


class CertificationCourse(CourseType):
    name = "certification"
    label = "Certification course"
    description = "Grants or renews a certification track with a validity period."
    grants_certification = True

    def validate(self, course: Any) -> list[str]:
        if course.grants_track_id is None and course.grants_track is None:
            return ["a certification course must name the track it grants"]
        return []


class CivilianClass(CourseType):
    name = "civilian"
    label = "Civilian class"
    description = "Open to community members; a certificate of attendance, no expiry."


class AttendedEveryMeeting(CompletionRule):
    name = "attendance"
    label = "Attended every meeting"
    description = "Complete when present at every meeting of the session."

    def evaluate(self, facts: EnrollmentFacts, params: Mapping[str, Any]) -> RuleOutcome:
        if not facts.attendance_complete:
            return RuleOutcome.undecided("attendance not marked for every meeting")
        if facts.attended_all:
            return RuleOutcome(True, "attended every meeting")
        return RuleOutcome(False, "missed at least one meeting")


def register(registries: Registries) -> None:
    """Register the built-in course types, rules and the layouts in ``certificates/``."""
    for course_type in (StandardCourse(), CertificationCourse(), CivilianClass()):
        registries.course_types.register(course_type)
    registries.completion_rules.register(AttendedEveryMeeting())
    for path in sorted(layouts_dir().glob("*/layout.json")):
        registries.certificate_layouts.register(CertificateLayout.from_file(path))
