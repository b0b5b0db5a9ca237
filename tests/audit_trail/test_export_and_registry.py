"""The audit log's CSV, its sentences for every action the code writes, and its guards."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text

from lms.audit_trail.actions import ACTIONS, describe
from lms.audit_trail.words import Names
from lms.core import audit
from lms.models import AuditEvent, Role
from lms.people import operations as people_operations
from tests.rosters.helpers import signed_in_client

LMS = Path(__file__).resolve().parents[2] / "lms"

# audit("action", ...) and audit("a" if x else "b", ...), across lines.
AUDIT_CALL = re.compile(
    r'\baudit\(\s*"([a-z_]+\.[a-z_]+)"(?:\s+if\b[^"]*else\s+"([a-z_]+\.[a-z_]+)")?'
)


def actions_written_in_lms() -> set[str]:
    found = set()
    for path in LMS.rglob("*.py"):
        for match in AUDIT_CALL.finditer(path.read_text(encoding="utf-8")):
            found.update(a for a in match.groups() if a)
    return found


def test_every_action_the_code_writes_has_a_sentence():
    written = actions_written_in_lms()
    assert {"roster.corrected", "course.restored", "calendar.feed_link_created"} <= written
    assert sorted(written - set(ACTIONS)) == []


def test_every_sentence_reads_even_when_the_details_are_missing(app):
    """Old or odd events (no details, unknown names) still read; nothing raises."""
    for name in ACTIONS:
        event = AuditEvent(action=name, object_type="Thing", object_id="7", details={})
        text = describe(event, Names()).text
        assert text and "None" not in text, name


@pytest.fixture
def admin(make):
    return make.person(Role.ADMIN, name="Chris Admin")


def test_the_csv_holds_the_filtered_events_in_words_with_formulas_neutralized(app, make, admin):
    officer = make.person(Role.OFFICER, organization=admin.organization, name="Ofc. Sofia Rivera")
    people_operations.deactivate_person(officer, reason='=HYPERLINK("http://x")', actor=admin)
    audit("auth.sign_in", admin, actor=admin)
    make.db.commit()
    client = signed_in_client(app, make, admin)

    response = client.get("/training/audit/events.csv", query_string={"person": officer.id})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Action"] for r in rows] == ["person.deactivated"]
    (row,) = rows
    assert row["Actor"] == "Chris Admin" and row["Subject"] == "Ofc. Sofia Rivera"
    assert row["Description"].startswith("Chris Admin deactivated Ofc. Sofia Rivera's account")
    assert row["Description"].endswith('reason: =HYPERLINK("http://x")')  # inside the sentence
    assert row["Details (JSON)"].startswith("{")
    # A cell that starts like a formula is neutralized.
    audit("course.updated", object_type="Course", object_id="=1+2", actor=admin)
    make.db.commit()
    response = client.get("/training/audit/events.csv", query_string={"action": "course.updated"})
    (row,) = csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    assert row["Object ID"] == "'=1+2"

    # The export itself is on the record.
    exported = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "audit.exported")
    ).all()
    assert [e.details["query"] for e in exported] == [
        f"person={officer.id}",
        "action=course.updated",
    ]


def test_an_export_of_nothing_is_the_header_alone(app, make, admin):
    client = signed_in_client(app, make, admin)
    response = client.get("/training/audit/events.csv", query_string={"action": "demo.loaded"})
    assert response.get_data(as_text=True).splitlines() == [
        ",".join(
            [
                "Event ID",
                "When (department time)",
                "When (UTC)",
                "Action",
                "Actor",
                "Actor ID",
                "Subject",
                "Subject ID",
                "Object type",
                "Object ID",
                "Description",
                "Source address",
                "Details (JSON)",
            ]
        )
    ]


def test_an_event_names_the_person_it_is_about(app, make, admin):
    """The object itself, the holder of the object, or the details' person_id."""
    officer = make.person(Role.OFFICER, name="Ofc. Sofia Rivera")
    session = make.session()
    enrollment = make.enrollment(session, officer)
    events = [
        audit("auth.sign_in", officer, actor=officer),
        audit("enrollment.cancelled", enrollment, actor=admin),
        audit("x.y", object_type="report", details={"person_id": officer.id}),
        audit("x.z", object_type="report", details={"person_id": str(officer.id)}),
        audit("session.changed", session, actor=admin),
    ]
    make.db.commit()
    assert [e.subject_person_id for e in events] == [officer.id, officer.id, officer.id, None, None]


def test_the_log_stays_append_only_after_its_migration(app, make, admin):
    audit("auth.sign_in", admin, actor=admin)
    make.db.commit()
    for statement in ("UPDATE lms_audit_event SET action = 'x'", "DELETE FROM lms_audit_event"):
        with (
            pytest.raises(Exception, match="append-only"),
            make.db.get_bind().begin() as connection,
        ):
            connection.execute(text(statement))
