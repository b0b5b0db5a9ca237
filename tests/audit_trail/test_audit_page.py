"""The audit log page: events in words, filters by person, object, action and day, paging."""

from __future__ import annotations

import html
import re
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from lms.core import audit
from lms.models import AuditEvent, Role
from lms.people import operations as people_operations
from tests.rosters.helpers import correct, finalize, mark_attendance, signed_in_client, visible
from tests.status.program import counting_queries
from tests.support import DENVER

AUDIT = "/training/audit/"


def corrected_class(app, make, program):
    """Sgt. Hayes finalizes a class where Ofc. Rivera was marked absent, then corrects it."""
    rivera = program.officer("Ofc. Sofia Rivera")
    hayes = program.instructor("Sgt. Erin Hayes")
    session = program.past_session(lead=hayes)
    (enrollment,) = program.enroll(session, rivera)
    lead = signed_in_client(app, make, hayes)
    mark_attendance(lead, session, session.meetings[0], [])
    assert finalize(lead, session).status_code == 302
    data = {
        "present_meetings": [str(session.meetings[0].id)],
        "reason": "Sign-in sheet shows her present all day",
    }
    assert correct(lead, session, enrollment, data).status_code == 302
    return rivera, hayes, session


def admin_client(app, make, program):
    admin = make.person(Role.ADMIN, organization=program.department, name="Chris Admin")
    return admin, signed_in_client(app, make, admin)


def test_a_corrected_result_reads_as_a_sentence_with_before_after_and_reason(app, make, program):
    rivera, hayes, session = corrected_class(app, make, program)
    _, client = admin_client(app, make, program)

    page = visible(client.get(AUDIT, query_string={"action": "roster.corrected"}))

    day = session.meetings[0].starts_at.astimezone(DENVER).strftime("%d %b %Y")
    assert (
        f"Sgt. Erin Hayes corrected Ofc. Sofia Rivera's result on ALERRT-REFRESH {day}: "
        "absent → present; status: no-show → completed, "
        "reason: Sign-in sheet shows her present all day"
    ) in page
    # Only the action asked for.
    assert "finalized the roster" not in page


def test_a_person_is_found_as_actor_or_subject(app, make, program):
    rivera, hayes, session = corrected_class(app, make, program)
    signed_in_client(app, make, rivera)
    _, client = admin_client(app, make, program)

    as_subject = visible(
        client.get(AUDIT, query_string={"person": rivera.id, "person_role": "subject"})
    )
    assert "Events of Ofc. Sofia Rivera as subject." in as_subject
    assert "corrected Ofc. Sofia Rivera's result" in as_subject
    assert "Ofc. Sofia Rivera completed ALERRT-REFRESH" in as_subject
    assert "Ofc. Sofia Rivera signed in" in as_subject  # actor and subject
    assert "Sgt. Erin Hayes signed in" not in as_subject

    as_actor = visible(
        client.get(AUDIT, query_string={"person": "Erin Hayes", "person_role": "actor"})
    )
    assert "Events of Sgt. Erin Hayes as actor." in as_actor
    assert "Sgt. Erin Hayes signed in" in as_actor
    assert "corrected Ofc. Sofia Rivera's result" in as_actor
    assert "Ofc. Sofia Rivera signed in" not in as_actor

    either = visible(client.get(AUDIT, query_string={"person": rivera.email}))
    assert "corrected Ofc. Sofia Rivera's result" in either


def test_a_name_that_matches_several_people_asks_which(app, make, program):
    program.officers("Ofc. Ann Lee", "Ofc. Bo Lee")
    _, client = admin_client(app, make, program)
    response = client.get(AUDIT, query_string={"person": "Lee"})
    assert response.status_code == 400
    page = visible(response)
    assert "2 people match: choose one below." in page
    assert "Ofc. Ann Lee" in page and "Ofc. Bo Lee" in page
    response = client.get(AUDIT, query_string={"person": "Nobody Such"})
    assert response.status_code == 400
    assert "No one matches “Nobody Such”." in visible(response)


def test_filters_by_object(app, make, program):
    rivera, hayes, session = corrected_class(app, make, program)
    _, client = admin_client(app, make, program)
    page = visible(
        client.get(AUDIT, query_string={"object_type": "CourseSession", "object_id": session.id})
    )
    assert "Sgt. Erin Hayes finalized the roster of ALERRT-REFRESH" in page
    assert "Sgt. Erin Hayes recorded attendance for ALERRT-REFRESH" in page
    assert "corrected Ofc. Sofia Rivera's result" not in page  # its object is the enrollment


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "day, inside, outside",
    [
        # 1 Nov 2026: Denver falls back, the day lasts 25 hours (06:00Z to 07:00Z next day).
        (
            "2026-11-01",
            ["2026-11-01T06:00:00", "2026-11-02T06:59:59"],
            ["2026-11-01T05:59:59", "2026-11-02T07:00:00"],
        ),
        # 8 Mar 2026: Denver springs forward, 23 hours (07:00Z to 06:00Z next day).
        (
            "2026-03-08",
            ["2026-03-08T07:00:00", "2026-03-09T05:59:59"],
            ["2026-03-08T06:59:59", "2026-03-09T06:00:00"],
        ),
    ],
)
def test_a_date_range_is_the_departments_days_across_daylight_saving(
    app, make, program, day, inside, outside
):
    _, client = admin_client(app, make, program)
    for moment in inside + outside:
        make.db.add(
            AuditEvent(
                occurred_at=at(moment),
                action="demo.loaded",
                object_type="system",
                details={"today": moment},
            )
        )
    make.db.commit()
    page = client.get(AUDIT, query_string={"start": day, "end": day, "action": "demo.loaded"})
    text = page.get_data(as_text=True)
    for moment in inside:
        assert f'datetime="{at(moment).isoformat()}"' in text, moment
    for moment in outside:
        assert f'datetime="{at(moment).isoformat()}"' not in text, moment


def test_a_range_that_ends_before_it_starts_is_refused(app, make, program):
    _, client = admin_client(app, make, program)
    response = client.get(AUDIT, query_string={"start": "2026-05-02", "end": "2026-05-01"})
    assert response.status_code == 400
    assert "The last day comes before the first." in visible(response)
    response = client.get(AUDIT, query_string={"object_id": "12"})
    assert response.status_code == 400
    assert "Give the object type too." in visible(response)
    response = client.get("/training/audit/events.csv", query_string={"action": "no.such"})
    assert response.status_code == 400


def test_paging_seeks_through_every_event_once_without_offset(app, make, program):
    admin, client = admin_client(app, make, program)
    for n in range(120):
        audit("course.retired", object_type="Course", object_id=n, actor=admin)
    make.db.commit()
    expected = make.db.scalars(
        select(AuditEvent.id)
        .where(AuditEvent.action == "course.retired")
        .order_by(AuditEvent.id.desc())
    ).all()

    seen, pages, url = [], [], AUDIT + "?action=course.retired"
    with audit_selects(make.db.get_bind()) as selects:
        while url and len(pages) < 5:  # a cursor that does not move would loop
            text = client.get(url).get_data(as_text=True)
            pages.append(text)
            seen += [int(i) for i in _event_ids(text)]
            url = _link(text, "next")
    assert seen == list(expected)  # newest first, each once
    assert len(pages) == 3  # 50 + 50 + 20
    # Pages after the first seek from the last event shown; nothing is counted off.
    assert [("< (" in s, offset) for s, offset in selects] == [
        (False, 0),
        (True, 0),
        (True, 0),
    ]

    # From the last page, "Newer" leads back to the second page.
    newer = _link(pages[-1], "prev")
    assert _event_ids(client.get(newer).get_data(as_text=True)) == _event_ids(pages[1])


@contextmanager
def audit_selects(engine):
    """(statement, OFFSET given) of each page's SELECT of events (SQLite writes OFFSET 0)."""
    found = []

    def before(conn, cursor, statement, parameters, *args):
        if statement.startswith("SELECT lms_audit_event.id") and "LIMIT" in statement:
            offset = parameters[-1] if "OFFSET" in statement else 0
            found.append((statement, offset))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _event_ids(page: str) -> list[str]:
    return re.findall(r'data-event="(\d+)"', page)


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def test_names_are_resolved_in_a_fixed_number_of_queries(app, make, program):
    admin, client = admin_client(app, make, program)
    people = program.officers(*[f"Ofc. Number {n}" for n in range(40)])

    def statements_for_page(count: int) -> int:
        for person in people[:count]:
            audit("account.claimed", person, actor=person)
        make.db.commit()
        with counting_queries(make.db.get_bind()) as statements:
            page = visible(client.get(AUDIT, query_string={"action": "account.claimed"}))
        assert f"Ofc. Number {count - 1} claimed their account" in page
        return len(statements)

    assert statements_for_page(2) == statements_for_page(40)


def test_an_action_without_a_describer_still_reads(app, make, program):
    admin, client = admin_client(app, make, program)
    rivera = program.officer("Ofc. Sofia Rivera")
    audit(
        "role.granted",
        rivera,
        actor=admin,
        details={
            "changes": {"role": [None, "instructor"]},
            "reason": "Passed the instructor course",
        },
    )
    make.db.commit()
    page = visible(client.get(AUDIT, query_string={"person": rivera.id}))
    assert (
        "Chris Admin — role granted — Ofc. Sofia Rivera: role: — → instructor, "
        "reason: Passed the instructor course"
    ) in page


def test_only_administrators_see_the_page_and_its_link(app, make, program):
    coordinator = program.coordinator()
    client = signed_in_client(app, make, coordinator)
    assert client.get(AUDIT).status_code == 403
    assert "Audit log" not in visible(client.get("/training/"))
    _, admin = admin_client(app, make, program)
    assert "Audit log" in visible(admin.get("/training/"))


def test_deactivation_is_found_under_the_person_with_its_reason(app, make, program):
    admin, client = admin_client(app, make, program)
    rivera = program.officer("Ofc. Sofia Rivera")
    people_operations.deactivate_person(rivera, reason="Retired in June", actor=admin)
    make.db.commit()
    page = visible(client.get(AUDIT, query_string={"person": rivera.id, "person_role": "subject"}))
    assert (
        "Chris Admin deactivated Ofc. Sofia Rivera's account: access: 0 sign-ins ended, "
        "reason: Retired in June" in page
    )
    stored = make.db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.subject_person_id == rivera.id)
    )
    assert stored >= 1
