"""The built-in completion rules, one verdict at a time (no database)."""

from decimal import Decimal

import pytest

from lms.builtins import (
    AttendanceAndPractical,
    AttendanceAndWrittenScore,
    AttendedEveryMeeting,
    InstructorTeachBack,
    register,
)
from lms.plugins import EnrollmentFacts, Registries
from lms.rosters.queries import EvaluationValue

MEETINGS = [1, 2]


def facts(present=(1, 2), absent=(), holds_prerequisites=True, **evaluations):
    return EnrollmentFacts(
        enrollment=None,
        meeting_ids=MEETINGS,
        present_meeting_ids=set(present),
        absent_meeting_ids=set(absent),
        evaluations={k: EvaluationValue(k, **v) for k, v in evaluations.items()},
        holds_prerequisites=holds_prerequisites,
    )


def verdict(rule, f, **params):
    outcome = rule.evaluate(f, rule.parse_params(params))
    return outcome.passed, outcome.reason


ALL_RULES = [
    AttendedEveryMeeting(),
    AttendanceAndPractical(),
    AttendanceAndWrittenScore(),
    InstructorTeachBack(),
]


def test_the_four_built_in_rules_are_registered_under_their_names():
    registries = Registries()
    register(registries)
    assert set(registries.completion_rules.names()) == {
        "attendance",
        "attendance_practical",
        "attendance_written",
        "teach_back",
    }


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_every_rule_waits_for_attendance_at_every_meeting(rule):
    assert verdict(rule, facts(present=(1,))) == (None, "attendance not marked for every meeting")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_every_rule_fails_someone_who_missed_a_meeting_whatever_their_scores(rule):
    f = facts(
        present=(1,),
        absent=(2,),
        practical={"passed": True},
        written={"score": Decimal("100")},
        teach_back={"score": Decimal("100")},
    )
    assert verdict(rule, f) == (False, "missed at least one meeting")
    assert verdict(rule, facts(present=(), absent=(1, 2))) == (False, "absent from every meeting")


def test_attendance_rule_completes_on_presence_alone():
    assert verdict(AttendedEveryMeeting(), facts()) == (True, "attended every meeting")


def test_practical_rule_needs_a_recorded_pass():
    rule = AttendanceAndPractical()
    assert verdict(rule, facts()) == (None, "practical evaluation not recorded")
    assert verdict(rule, facts(practical={"passed": None, "remarks": "later"}))[0] is None
    assert verdict(rule, facts(practical={"passed": False})) == (
        False,
        "did not pass the practical evaluation",
    )
    assert verdict(rule, facts(practical={"passed": True}))[0] is True


@pytest.mark.parametrize(
    "score, expected",
    [("79.99", False), ("80", True), ("80.00", True), ("100", True), ("0", False)],
)
def test_written_rule_passes_at_or_above_the_default_mark_of_80(score, expected):
    passed, reason = verdict(AttendanceAndWrittenScore(), facts(written={"score": Decimal(score)}))
    assert passed is expected
    if not expected:
        assert "below the pass mark of 80" in reason


def test_written_rule_uses_the_course_pass_mark_and_waits_for_a_score():
    rule = AttendanceAndWrittenScore()
    f = facts(written={"score": Decimal("72")})
    assert verdict(rule, f, pass_score=70)[0] is True
    assert verdict(rule, f, pass_score=75) == (
        False,
        "written score 72 is below the pass mark of 75",
    )
    assert verdict(rule, facts()) == (None, "written score not recorded")


def test_teach_back_needs_the_prerequisite_and_the_score():
    rule = InstructorTeachBack()
    good = {"score": Decimal("90")}
    assert verdict(rule, facts(teach_back=good), pass_score=85)[0] is True
    assert verdict(rule, facts(teach_back=good, holds_prerequisites=False), pass_score=85) == (
        False,
        "does not hold a current prerequisite certification",
    )
    assert verdict(rule, facts(teach_back={"score": Decimal("84.5")}), pass_score=85)[0] is False
    assert verdict(rule, facts(), pass_score=85) == (None, "teach-back score not recorded")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"pass_score": 120}, "pass_score: must be at most 100"),
        ({"pass_score": -1}, "pass_score: must be at least 0"),
        ({"pass_score": "eighty"}, "pass_score: expected float"),
        ({"passmark": 80}, "unknown parameter(s) for attendance_written: passmark"),
    ],
)
def test_bad_course_parameters_are_refused_with_their_name(params, message):
    with pytest.raises(ValueError) as error:
        AttendanceAndWrittenScore().parse_params(params)
    assert message in str(error.value)


def test_rules_say_which_evaluations_the_roster_must_ask_for():
    assert [r.evaluations for r in ALL_RULES] == [(), ("practical",), ("written",), ("teach_back",)]
