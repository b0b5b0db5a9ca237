"""A package outside the LMS adds a completion rule through the lms.plugins entry points."""

import sys
import textwrap

import pytest
from sqlalchemy import select

from lms.core import state
from lms.models import Completion, EnrollmentStatus

from .helpers import finalize, mark_attendance, roster_url, visible

MODULE = "lms_range_day_rules"

PLUGIN_SOURCE = '''
"""A range-day rule: present at a share of the meetings (a third-party package)."""

from lms.plugins import CompletionRule, Param, RuleOutcome


class PresentForShare(CompletionRule):
    name = "present_for_share"
    label = "Present for a share of the meetings"
    params = {"share": Param(float, 1.0, "Share of meetings", minimum=0, maximum=1)}

    def evaluate(self, facts, params):
        if not facts.attendance_complete:
            return RuleOutcome.undecided("attendance not marked for every meeting")
        share = len(facts.present_meeting_ids) / len(facts.meeting_ids)
        return RuleOutcome(share >= params["share"], f"present for {share:.0%} of the meetings")


def register(registries):
    registries.completion_rules.register(PresentForShare())
'''


@pytest.fixture
def range_day_distribution(tmp_path, monkeypatch):
    """A real installed distribution: a module and its .dist-info with entry_points.txt."""
    (tmp_path / f"{MODULE}.py").write_text(textwrap.dedent(PLUGIN_SOURCE))
    info = tmp_path / "lms_range_day_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: lms-range-day-rules\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(f"[lms.plugins]\nrange_day = {MODULE}:register\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop(MODULE, None)


@pytest.fixture
def app_config(app_config, range_day_distribution):
    """The app is created after the distribution is on the path."""
    return app_config


def test_a_rule_from_an_installed_package_decides_completions(client, make, sign_in, program):
    assert "range_day" in state().loaded_plugins
    course = make.course(
        "RANGE-DAY",
        title="Active-threat range day",
        organization=program.department,
        completion_rule="present_for_share",
        completion_params={"share": 0.5},
    )
    lead = program.instructor()
    session = program.past_session(course, days_ago=3, days=2, lead=lead)
    half, none = program.enroll(session, *program.officers("Ofc. Half", "Ofc. None"))
    sign_in(lead)
    mark_attendance(client, session, session.meetings[0], [half])
    mark_attendance(client, session, session.meetings[1], [])
    page = visible(client.get(roster_url(session)))
    assert "Completion rule Present for a share of the meetings · Share of meetings: 0.5" in page
    assert "Will complete present for 50% of the meetings" in page
    assert "Will not complete present for 0% of the meetings" in page

    assert finalize(client, session).status_code == 302
    completion = make.db.scalar(select(Completion))
    assert (completion.person_id, completion.rule_key) == (half.person_id, "present_for_share")
    make.db.refresh(none)
    assert none.status is EnrollmentStatus.NO_SHOW


def test_a_course_naming_a_rule_nobody_installed_cannot_be_finalized(
    client, make, sign_in, program
):
    course = make.course("MYSTERY", organization=program.department, completion_rule="no_such_rule")
    lead = program.instructor()
    session = program.past_session(course, lead=lead)
    program.enroll(session, program.officer())
    sign_in(lead)
    response = finalize(client, session)
    assert response.status_code == 400
    assert "The completion rule 'no_such_rule' of MYSTERY is not installed." in visible(response)
    assert make.db.scalar(select(Completion)) is None
