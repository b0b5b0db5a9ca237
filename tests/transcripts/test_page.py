"""A person's transcript as a page: what it lists, and who may see it."""

from __future__ import annotations

import re

from lms.models import Role

from .support import revoke

HOURS_ROW = re.compile(  # (cells carry data-label="<column>" for the phone's cards)
    r'<tr><td[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td>'
    r'<td class="num"[^>]*>([^<]*)</td><td class="num"[^>]*>([^<]*)</td></tr>'
)


def page_of(client, person):
    return client.get(f"/training/transcripts/people/{person.id}")


def hours(html: str) -> list[tuple[str, float, float, float]]:
    """The rows of the hours-per-period table: (period, here, imported, total)."""
    return [(p, float(a), float(b), float(c)) for p, a, b, c in HOURS_ROW.findall(html)]


def test_the_page_lists_completions_cycles_imports_and_hours(client, sign_in, history):
    h = history(years=2)
    sign_in(h.officer)
    response = page_of(client, h.officer)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your training transcript" in html
    assert "Badge 412" in html and "Employee no. E-10234" in html
    # Completions: date, course, hours, result, instructor.
    assert html.count("Completed (written 92)") == 2
    assert "Sgt. Erin Hayes" in html
    # Cycles and how each was earned.
    code = h.completions[0].course.code
    assert html.count(f"Completed {code}, ") == 2
    assert "Imported from Records Management System (RMS), certificate AL-2016-77812" in html
    # Imported records with their source system and prior certificate number.
    assert "TrainingSheet 2015.xlsx" in html and "PD-0042" in html
    # Hours per reporting period: 2 x 8 here, 24 + 8 imported, totals add up.
    rows = hours(html)
    assert sum(r[1] for r in rows) == 16
    assert sum(r[2] for r in rows) == 32
    assert all(r[1] + r[2] == r[3] for r in rows)


def test_a_revoked_completion_is_struck_and_leaves_the_hours(client, make, sign_in, history):
    h = history(years=2)
    revoke(make, h.completions[0], "Entered for the wrong person")
    sign_in(h.officer)
    html = page_of(client, h.officer).get_data(as_text=True)
    assert html.count("<del>ALERRT Active-Shooter Response Refresher") == 1
    assert "Entered for the wrong person" in html
    assert sum(r[1] for r in hours(html)) == 8


def test_the_dashboard_gives_an_officer_their_transcript_in_one_click(client, sign_in, history):
    h = history()
    sign_in(h.officer)
    dashboard = client.get("/training/").get_data(as_text=True)
    assert "Your training transcript" in dashboard
    action = f"/training/transcripts/people/{h.officer.id}/issue"
    assert f'action="{action}"' in dashboard
    response = client.submit("/training/", {}, action=action)
    assert response.status_code == 303
    pdf = client.get(response.headers["Location"])
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment; filename=transcript-Ofc-")


def test_who_may_see_a_transcript(client, make, sign_in, history):
    h = history()
    colleague = make.person(Role.OFFICER, organization=h.department)
    sign_in(colleague)
    assert page_of(client, h.officer).status_code == 404
    assert (
        client.submit(
            f"/training/transcripts/people/{colleague.id}",
            {},
            action=f"/training/transcripts/people/{h.officer.id}/issue",
        ).status_code
        == 404
    )
    client.submit("/training/", {}, action="/training/sign-out")

    coordinator = make.person(Role.COORDINATOR, organization=h.department)
    sign_in(coordinator)
    html = page_of(client, h.officer).get_data(as_text=True)
    assert "Training transcript of Ofc. Sofia Rivera" in html
    client.submit("/training/", {}, action="/training/sign-out")

    fire = make.organization("Missoula Fire Department")
    sign_in(make.person(Role.COORDINATOR, organization=fire))
    assert page_of(client, h.officer).status_code == 404


def test_the_anonymous_are_sent_to_sign_in(client, history):
    h = history()
    response = page_of(client, h.officer)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
