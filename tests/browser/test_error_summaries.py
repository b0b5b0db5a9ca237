"""The roster's error summary, in Chromium: after a refused save it has the focus, says once
what is wrong, and links each problem to the control on the page that fixes it.

Three refusals on one roster (attendance and a written score decide it): results out of
range, finalizing with people undecided, and attendance naming someone not on the roster;
and (no browser needed) a long list of undecided people, cut after ten with a count.
Set ``LMS_REFLOW_SHOTS`` to a folder to keep screenshots of the first two, on a phone and
on a wide screen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lms.models import AttendanceRecord, EvaluationResult
from lms.rosters.summaries import UNDECIDED_SHOWN
from tests.rosters.helpers import finalize, visible
from tests.status.program import Program

#: The summary's links, each with whether its target exists and is a control that takes focus.
LINKS_JS = """() => [...document.querySelectorAll('#error-summary a')].map(a => {
  const id = a.getAttribute('href').slice(1);
  const target = document.getElementById(id);
  return {text: a.textContent.trim(), href: a.getAttribute('href'),
          exists: !!target, control: !!target && target.matches('input, select, textarea')};
})"""


def summary_links(page: Page) -> list[dict]:
    """The summary has the focus, and every link in it goes to a control of the page."""
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = page.evaluate(LINKS_JS)
    assert links, "the error summary links to nothing"
    for link in links:
        assert link["href"].startswith("#") and link["exists"] and link["control"], link
    return links


def shoot(page: Page, name: str) -> None:
    """Full-page screenshots at 390 and 1280 px, if asked for (the viewport is put back)."""
    folder = os.environ.get("LMS_REFLOW_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def follow(page: Page, text: str) -> None:
    """Follow the summary's link ``text``: the control it names gets the focus."""
    link = page.locator("#error-summary").get_by_role("link", name=text)
    target = link.get_attribute("href")
    link.click()
    expect(page.locator(target)).to_be_focused()


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_roster_focuses_its_error_summary_and_links_to_each_control(
    page, make, browser_sign_in
):
    program = Program(make)
    program.refresher.completion_rule = "attendance_written"
    make.db.commit()
    lead = program.instructor("Sgt. Erin Hayes")
    session = program.past_session(days_ago=3, days=2, lead=lead)
    rivera, shah = program.enroll(
        session, *program.officers("Ofc. Sofia Rivera", "Ofc. Priya Shah")
    )
    (elsewhere,) = program.enroll(program.past_session(lead=lead), program.officer("Ofc. Other"))
    browser_sign_in(lead)
    page.goto(f"/training/rosters/{session.id}")

    # Results: one score out of range, one with three decimals; nothing is saved.
    page.get_by_label("Written score, Ofc. Sofia Rivera", exact=True).fill("105")
    page.get_by_label("Written score, Ofc. Priya Shah", exact=True).fill("88.125")
    page.get_by_role("button", name="Save results").click()
    links = summary_links(page)
    rivera_score = "#" + page.get_by_label("Written score, Ofc. Sofia Rivera").get_attribute("id")
    shah_score = "#" + page.get_by_label("Written score, Ofc. Priya Shah").get_attribute("id")
    assert [(link["href"], link["text"]) for link in links] == [  # in the roster's order
        (shah_score, "Ofc. Priya Shah, Written score: Scores have at most two decimal places."),
        (rivera_score, "Ofc. Sofia Rivera, Written score: Scores are between 0 and 100."),
    ]
    expect(page.locator("#error-summary")).to_contain_text("There are 2 problems")
    shoot(page, "roster-results-refused")
    field = page.get_by_label("Written score, Ofc. Sofia Rivera", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("105")  # what was typed is kept
    expect(page.locator(f"{rivera_score}-error")).to_have_text("Scores are between 0 and 100.")
    expect(field).to_have_attribute("aria-describedby", f"{rivera_score[1:]}-error")
    follow(page, "Ofc. Sofia Rivera, Written score")
    assert make.db.query(EvaluationResult).count() == 0

    # Finalizing with nobody's attendance taken: once what is wrong, then each person,
    # linked to their first unmarked day's box.
    page.goto(f"/training/rosters/{session.id}")
    page.get_by_role("button", name="Finalize roster").click()
    links = summary_links(page)
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Not finalized. 2 people have no result yet:")
    shoot(page, "roster-finalize-refused")
    first_day = session.meetings[0].id
    assert [link["href"] for link in links] == [
        f"#present-{first_day}-{shah.id}",
        f"#present-{first_day}-{rivera.id}",
    ]
    assert summary.inner_text().count("attendance not marked for every meeting") == 2
    follow(page, "Ofc. Priya Shah (attendance not marked for every meeting")
    make.db.expire_all()
    assert session.roster_finalized_at is None

    # Attendance naming someone not on this roster (a stale or altered page): refused,
    # with a link back to that day's list.
    day = page.get_by_role("form", name="Attendance, day 1")
    box = day.get_by_label("Ofc. Sofia Rivera")
    box.evaluate("(box, id) => { box.value = id; box.checked = true; }", str(elsewhere.id))
    day.get_by_role("button", name="Save attendance").click()
    links = summary_links(page)
    expect(page.locator("#error-summary")).to_contain_text(
        f"Not saved. Not enrolled in this session, so no attendance or result can be "
        f"recorded: enrollment #{elsewhere.id}."
    )
    assert [link["href"] for link in links] == [f"#present-{first_day}-{shah.id}"]
    follow(page, "Day 1: who was present")
    assert make.db.query(AttendanceRecord).count() == 0


def test_a_long_list_of_undecided_people_is_cut_with_a_count(client, make, sign_in):
    """Finalizing 13 people nobody has marked: said once, the first ten linked, "…and 3 more"."""
    program = Program(make)
    lead = program.instructor()
    session = program.past_session(lead=lead)
    people = program.officers(*(f"Ofc. Number {n:02}" for n in range(1, 14)))
    enrollments = program.enroll(session, *people)
    sign_in(lead)

    response = finalize(client, session)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = page[
        page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))
    ]
    words = visible(summary)
    assert "There are 13 problems" in words
    assert words.count("no result yet") == 1 and "…and 3 more." in words
    meeting = session.meetings[0].id
    ids = [f"present-{meeting}-{e.id}" for e in enrollments[:UNDECIDED_SHOWN]]
    assert [f'href="#{i}"' in summary for i in ids] == [True] * UNDECIDED_SHOWN
    assert summary.count('href="#') == UNDECIDED_SHOWN
    assert all(f'id="{i}"' in page for i in ids)  # each goes to a box on the page
