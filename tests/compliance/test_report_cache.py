"""The compliance report is counted once per change of anyone's standing, and never stale.

Counting a department aggregates every certification cycle; each process keeps the
counts and pages it worked out under the *standing* stamp (migration 0020), which
database triggers make anew whenever a cycle, a role, a track or a person's listed
details change, whoever writes them. Here each kind of change is made behind the
application's back, in SQL, and the very next page shows it.
"""

import importlib.util
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from lms.app import create_app, db
from lms.compliance.queries import Filters, compliance_report
from lms.models import Role, utcnow
from lms.status.routes import ROLE_FOR_AUDIENCE
from tests.rosters.helpers import signed_in_client, visible
from tests.status.program import counting_queries

OVERVIEW = "/training/compliance/"


def counted_anew(statements: list[str]) -> bool:
    """Whether the statements worked the department's standing out (the aggregate)."""
    return any("standing AS" in s for s in statements)


@pytest.fixture
def department(app, make, program):
    """Four officers of the department, one in each state; a coordinator's client."""
    today = program.today
    officers = dict(
        zip(
            ("current", "due", "expired", "never"),
            program.officers(
                "Ofc. Ana Current", "Ofc. Ben Due", "Ofc. Cy Expired", "Ofc. Dee Never"
            ),
            strict=True,
        )
    )
    program.certify_all(
        [
            (officers["current"], program.alerrt, today + timedelta(days=300)),
            (officers["due"], program.alerrt, today + timedelta(days=20)),
            (officers["expired"], program.alerrt, today - timedelta(days=5)),
        ]
    )
    fire = make.organization("Missoula Fire Department", slug="mfd")
    client = signed_in_client(app, make, program.coordinator())
    return {"client": client, "fire": fire, **officers}


def police_row(client) -> str:
    """The department's ALERRT row: current, due soon, expired, never, people, in force."""
    page = visible(client.get(OVERVIEW))
    section = page.split("ALERRT active-threat response by agency", 1)[1]
    return re.search(r"Missoula Police Department (\d+ \d+ \d+ \d+ \d+ \d+%)", section)[1]


def test_the_report_is_counted_once_until_a_standing_changes(app, department):
    client = department["client"]
    with counting_queries(db.engine) as first:
        assert police_row(client) == "1 1 1 1 4 50%"
    assert counted_anew(first)
    with counting_queries(db.engine) as again:
        assert police_row(client) == "1 1 1 1 4 50%"
    assert not counted_anew(again)  # kept: nothing it depends on changed

    db.session.execute(
        text("UPDATE lms_person SET active = false WHERE id = :id"),
        {"id": department["expired"].id},
    )
    db.session.commit()
    with counting_queries(db.engine) as after:
        assert police_row(client) == "1 1 0 1 3 67%"
    assert counted_anew(after)


CHANGES = {
    "a cycle revoked": (
        "UPDATE lms_certification SET revoked_at = :now WHERE person_id = :current",
        "0 1 1 2 4 25%",
    ),
    "a cycle granted": (
        "INSERT INTO lms_certification (person_id, track_id, cycle, granted_on, valid_from,"
        " expires_on, source, created_at) SELECT :never, track_id, 1, granted_on, valid_from,"
        " expires_on, source, created_at FROM lms_certification WHERE person_id = :current",
        "2 1 1 0 4 75%",
    ),
    "a role taken away": (
        "DELETE FROM lms_role_assignment WHERE person_id = :never",
        "1 1 1 0 3 67%",
    ),
    "a person moved to another agency": (
        "UPDATE lms_person SET organization_id = :fire WHERE id = :due",
        "1 0 1 1 3 33%",
    ),
    "a track's due-soon window widened": (
        "UPDATE lms_certification_track SET due_soon_days = 400"
        " WHERE id = (SELECT track_id FROM lms_certification WHERE person_id = :current)",
        "0 2 1 1 4 50%",
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_writer_s_change_shows_on_the_next_page(app, app_config, department, change):
    client = department["client"]
    assert police_row(client) == "1 1 1 1 4 50%"
    statement, expected = CHANGES[change]
    other = create_app(app_config)  # another process: its own engine, no cache of ours
    with other.app_context():
        db.session.execute(
            text(statement),
            {
                "now": utcnow(),
                "fire": department["fire"].id,
                **{k: department[k].id for k in ("current", "due", "expired", "never")},
            },
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    assert police_row(client) == expected


def test_a_participant_s_registration_leaves_the_report_kept(app, make, department):
    """The public's registrations and the groups' rosters, most writes, count no one."""
    client = department["client"]
    church = make.group("Grace Community Church")
    assert police_row(client) == "1 1 1 1 4 50%"
    make.person(Role.PARTICIPANT, organization=church)
    with counting_queries(db.engine) as statements:
        assert police_row(client) == "1 1 1 1 4 50%"
    assert not counted_anew(statements)

    db.session.execute(
        text(
            "INSERT INTO lms_role_assignment (person_id, role, granted_at)"
            " SELECT person_id, 'instructor', granted_at FROM lms_role_assignment"
            " WHERE person_id = :never"
        ),
        {"never": department["never"].id},
    )
    db.session.commit()
    with counting_queries(db.engine) as statements:
        police_row(client)
    assert counted_anew(statements)  # a role a track requires: counted again


def test_the_stamp_watches_every_role_a_track_can_require():
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0020_standing_stamp.py"
    spec = importlib.util.spec_from_file_location("standing_stamp", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert set(migration.REQUIRED_ROLES) == {r.value for r in ROLE_FOR_AUDIENCE.values()}


def test_a_renamed_person_is_listed_by_the_new_name(app, department):
    client = department["client"]
    assert "Ofc. Ben Due" in visible(client.get(OVERVIEW))
    db.session.execute(
        text("UPDATE lms_person SET full_name = 'Ofc. Benjamin Due' WHERE id = :id"),
        {"id": department["due"].id},
    )
    db.session.commit()
    page = visible(client.get(OVERVIEW))
    assert "Ofc. Benjamin Due" in page and "Ofc. Ben Due " not in page


def test_a_writer_sees_its_own_change_before_it_commits(app, department):
    """On PostgreSQL the stamp changes at commit: until then the writer reads around it."""

    def police() -> dict[str, int]:
        report = compliance_report(None, Filters())
        (alerrt,) = report.summaries
        (row,) = [a for a in alerrt.agencies if a.organization.name.startswith("Missoula Pol")]
        return {state.value: n for state, n in row.counts.items()}

    with app.test_request_context():
        before = police()
        assert police() == before  # kept
        db.session.execute(
            text("UPDATE lms_person SET active = false WHERE id = :id"),
            {"id": department["current"].id},
        )
        assert "current" not in police()  # its own change, not what was kept
        db.session.rollback()
    with app.test_request_context():
        assert police() == before  # the rolled-back change was never kept
