"""The plugins that ship with the LMS, registered like any third-party one."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from .plugins import (
    CompletionRule,
    CourseType,
    EnrollmentFacts,
    Param,
    Registries,
    RuleOutcome,
    TranscriptLayout,
    layout_from_file,
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


# --- completion rules --------------------------------------------------------
#
# Each built-in rule names the evaluations it reads (``evaluations``), so the
# roster asks the instructor for those and no others. Attendance is checked
# first: a person with a meeting left unmarked is undecided, one who missed a
# meeting has not completed, whatever their scores.


def _attendance(facts: EnrollmentFacts) -> RuleOutcome | None:
    """The attendance part of every built-in rule; None when attendance is satisfied."""
    if not facts.attendance_complete:
        return RuleOutcome.undecided("attendance not marked for every meeting")
    if not facts.present_meeting_ids & set(facts.meeting_ids):
        return RuleOutcome(False, "absent from every meeting")
    if not facts.attended_all:
        return RuleOutcome(False, "missed at least one meeting")
    return None


def _score(value: Any) -> Decimal:
    return Decimal(str(value))


def _shown(value: Any) -> str:
    """A score as people write it: 74.5, 80, 92.25."""
    text = f"{_score(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _score_outcome(facts: EnrollmentFacts, kind: str, label: str, pass_score: Any) -> RuleOutcome:
    result = facts.evaluations.get(kind)
    score = getattr(result, "score", None)
    if score is None:
        return RuleOutcome.undecided(f"{label} not recorded")
    if _score(score) < _score(pass_score):
        return RuleOutcome(
            False, f"{label} {_shown(score)} is below the pass mark of {_shown(pass_score)}"
        )
    return RuleOutcome(True, f"attended every meeting; {label} {_shown(score)}")


PASS_SCORE = Param(float, 80.0, "Pass mark (0–100)", minimum=0, maximum=100)


class AttendedEveryMeeting(CompletionRule):
    name = "attendance"
    label = "Attended every meeting"
    description = "Complete when present at every meeting of the session."
    evaluations: ClassVar[tuple[str, ...]] = ()

    def evaluate(self, facts: EnrollmentFacts, params: Mapping[str, Any]) -> RuleOutcome:
        return _attendance(facts) or RuleOutcome(True, "attended every meeting")


class AttendanceAndPractical(CompletionRule):
    name = "attendance_practical"
    label = "Attendance and a passed practical evaluation"
    description = "Present at every meeting and passed the practical (scenario) evaluation."
    evaluations: ClassVar[tuple[str, ...]] = ("practical",)

    def evaluate(self, facts: EnrollmentFacts, params: Mapping[str, Any]) -> RuleOutcome:
        missed = _attendance(facts)
        if missed:
            return missed
        passed = getattr(facts.evaluations.get("practical"), "passed", None)
        if passed is None:
            return RuleOutcome.undecided("practical evaluation not recorded")
        if not passed:
            return RuleOutcome(False, "did not pass the practical evaluation")
        return RuleOutcome(True, "attended every meeting; passed the practical")


class AttendanceAndWrittenScore(CompletionRule):
    name = "attendance_written"
    label = "Attendance and a written score at or above a pass mark"
    description = "Present at every meeting and scored at least the pass mark on the written test."
    params: ClassVar[dict[str, Param]] = {"pass_score": PASS_SCORE}
    evaluations: ClassVar[tuple[str, ...]] = ("written",)

    def evaluate(self, facts: EnrollmentFacts, params: Mapping[str, Any]) -> RuleOutcome:
        return _attendance(facts) or _score_outcome(
            facts, "written", "written score", params["pass_score"]
        )


class InstructorTeachBack(CompletionRule):
    name = "teach_back"
    label = "Instructor teach-back (score and prerequisite)"
    description = (
        "Present at every meeting, a teach-back score at or above the pass mark, and a "
        "current certification on every prerequisite track of the course on the last day."
    )
    params: ClassVar[dict[str, Param]] = {"pass_score": PASS_SCORE}
    evaluations: ClassVar[tuple[str, ...]] = ("teach_back",)

    def evaluate(self, facts: EnrollmentFacts, params: Mapping[str, Any]) -> RuleOutcome:
        missed = _attendance(facts)
        if missed:
            return missed
        if not facts.holds_prerequisites:
            return RuleOutcome(False, "does not hold a current prerequisite certification")
        return _score_outcome(facts, "teach_back", "teach-back score", params["pass_score"])


BUILTIN_RULES = (
    AttendedEveryMeeting,
    AttendanceAndPractical,
    AttendanceAndWrittenScore,
    InstructorTeachBack,
)


def register(registries: Registries) -> None:
    """Register the built-in course types, rules and the layouts in ``certificates/``."""
    for course_type in (StandardCourse(), CertificationCourse(), CivilianClass()):
        registries.course_types.register(course_type)
    for rule in BUILTIN_RULES:
        registries.completion_rules.register(rule())
    for path in sorted(layouts_dir().glob("*/layout.json")):
        layout = layout_from_file(path)
        if isinstance(layout, TranscriptLayout):
            registries.transcript_layouts.register(layout)
        else:
            registries.certificate_layouts.register(layout)
