"""A course's completion rule, the rule's own settings and the course's prerequisites,
set by an admin: each setting judged by the rule plugin, every change kept in the history."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import pytest
from sqlalchemy import select

from lms.builtins import AttendanceAndWrittenScore
from lms.core import registries
from lms.models import AuditEvent
from lms.plugins import CompletionRule, EnrollmentFacts, Param, RuleOutcome

URL = "/training/programs/courses/ALERRT-REFRESH"


def test_a_rule_and_its_pass_mark_are_set_and_kept_as_a_version(client, make, admin, program):
    response = client.submit(
        URL,
        {
            "completion_rule": "attendance_written",
            "settings_attendance_written-pass_score": "90",
            "prerequisite_track_ids": [str(program.instructor_track.id)],
        },
    )
    assert response.status_code == 302
    make.db.expire_all()
    course = program.refresher
    assert course.completion_rule == "attendance_written"
    assert course.completion_params == {"pass_score": 90.0}
    assert [p.track_id for p in course.prerequisites] == [program.instructor_track.id]
    page = client.get(URL).get_data(as_text=True)
    assert "Version 1" in page and "course program changed" in page
    assert "Completion rule: attendance → attendance_written" in page
    assert "Completion params: the rule's defaults → pass score 90.0" in page
    assert "Prerequisites: none → ALERRT-INSTRUCTOR" in page
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "course.program_changed"))
    assert event.actor_id == admin.id and event.object_id == str(course.id)
    # The programs page reads the rule back by its label.
    assert "Attendance and a written score at or above a pass mark" in client.get(
        "/training/programs/"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("120", "Must be at most 100."),
        ("-5", "Must be at least 0."),
        ("eighty", "Expected float"),
        ("nan", "Expected a finite number"),
    ],
)
def test_a_setting_the_rule_refuses_is_a_field_message_and_nothing_is_saved(
    client, make, admin, program, typed, message
):
    response = client.submit(
        URL,
        {"completion_rule": "attendance_written", "settings_attendance_written-pass_score": typed},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    make.db.expire_all()
    assert program.refresher.completion_rule == "attendance"
    assert make.db.scalar(select(AuditEvent).where(AuditEvent.action.like("course.%"))) is None


def test_an_empty_setting_takes_the_rules_default(client, make, admin, program):
    response = client.submit(
        URL, {"completion_rule": "teach_back", "settings_teach_back-pass_score": ""}
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert program.refresher.completion_params == {}
    rule = registries().completion_rules.get("teach_back")
    assert rule.parse_params(program.refresher.completion_params) == {"pass_score": 80.0}


class WrittenWithRetake(CompletionRule):
    """A third-party rule whose settings depend on each other."""

    name = "written_retake"
    label = "Written score, with a retake mark"
    params: ClassVar[dict[str, Param]] = {
        "pass_score": Param(float, 80.0, "Pass mark"),
        "retake_score": Param(float, 70.0, "Retake allowed from"),
    }

    def param_problems(self, raw: Mapping[str, Any]) -> dict[str, str]:
        problems = super().param_problems(raw)
        if not problems and float(raw.get("retake_score", 70)) >= float(raw.get("pass_score", 80)):
            problems["retake_score"] = "must be below the pass mark"
        return problems

    def evaluate(self, facts: EnrollmentFacts, params: Mapping[str, Any]) -> RuleOutcome:
        return RuleOutcome.undecided("not used here")


def test_a_plugins_own_check_between_settings_is_shown_on_its_field(
    app, client, make, admin, program
):
    registries().completion_rules.register(WrittenWithRetake())
    response = client.submit(
        URL,
        {
            "completion_rule": "written_retake",
            "settings_written_retake-pass_score": "75",
            "settings_written_retake-retake_score": "75",
        },
    )
    assert response.status_code == 400
    assert "Must be below the pass mark." in response.get_data(as_text=True)
    with pytest.raises(ValueError, match="retake_score: must be below the pass mark"):
        WrittenWithRetake().parse_params({"pass_score": 75, "retake_score": 75})


def test_built_in_rules_report_problems_by_parameter():
    rule = AttendanceAndWrittenScore()
    assert rule.param_problems({"pass_score": "101"}) == {"pass_score": "must be at most 100"}
    assert rule.param_problems({"pass_score": "85"}) == {}
    assert rule.param_problems({"passmark": 1}) == {
        "": "unknown parameter(s) for attendance_written: passmark"
    }


def test_an_unknown_course_is_not_found(client, admin, program):
    assert client.get("/training/programs/courses/NOPE").status_code == 404
