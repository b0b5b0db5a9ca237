"""Past training: records and IMPORTED cycles that count for status, hours, prerequisites."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.compliance.periods import period_containing
from lms.compliance.queries import hours_ledger
from lms.core import local_today
from lms.dates import add_months
from lms.enrollment.rules import prerequisite_problems
from lms.imports import operations
from lms.models import (
    AuditEvent,
    Certification,
    CertificationSource,
    PriorTraining,
    RenewalMethod,
    Role,
    TrackRenewalPath,
)
from lms.status.queries import CertificationState, track_status
from tests.imports.conftest import INDEX, apply, csv_bytes, text, upload

HEADER = (
    "Employee #,E-mail,Course code,Track code,Completed on,Hours,Instructor,Certificate #,"
    "Source system"
)


@pytest.fixture
def program(make, department):
    alerrt = make.track("ALERRT", validity_months=12, name="ALERRT active-threat response")
    refresher = make.course("ALERRT-REFRESH", organization=department, grants_track=alerrt)
    instructor = make.course("ALERRT-INSTR", organization=department, prerequisites=[alerrt])
    officer = make.person(
        Role.OFFICER, organization=department, name="Dana Rivera", employee_number="10442"
    )
    return alerrt, refresher, instructor, officer


def test_records_become_imported_cycles_counted_for_status_hours_and_prerequisites(
    app, client, sign_in, admin, make, program
):
    alerrt, refresher, instructor, officer = program
    recent = local_today() - timedelta(days=30)
    data = csv_bytes(
        HEADER,
        f"10442,,ALERRT-REFRESH,,{recent.isoformat()},8,Sgt. Hayes,A-118,Old LMS",
        f"10442,,,ALERRT,{recent.replace(year=recent.year - 1).strftime('%m/%d/%Y')},,,,Old LMS",
    )
    sign_in(admin)
    preview = upload(client, "records", data)
    assert preview.status_code == 200, text(preview)
    assert "2 records to import, earning 2 certification cycles" in text(preview)
    assert make.db.scalar(select(func.count()).select_from(PriorTraining)) == 0

    assert apply(client, "records", preview.get_data(as_text=True)).status_code == 302
    cycles = make.db.scalars(select(Certification).order_by(Certification.granted_on)).all()
    assert [c.source for c in cycles] == [CertificationSource.IMPORTED] * 2
    assert [c.cycle for c in cycles] == [1, 2]
    records = make.db.scalars(select(PriorTraining).order_by(PriorTraining.completed_on)).all()
    assert records[1].certification_id == cycles[1].id
    assert records[1].instructor_name == "Sgt. Hayes" and records[1].source_system == "Old LMS"
    with app.test_request_context():
        assert track_status(officer.id, alerrt).state is CertificationState.CURRENT
        assert prerequisite_problems(instructor, officer, local_today()) == []
        ledger = {r.person_id: r for r in hours_ledger(None, period_containing(recent, (7, 1)))}
        assert ledger[officer.id].hours == Decimal("8.00")

    again = upload(client, "records", data)
    assert (
        "0 records to import, earning 0 certification cycles (marked imported); 2 already imported"
        in text(again)
    )
    apply(client, "records", again.get_data(as_text=True))
    assert make.db.scalar(select(func.count()).select_from(PriorTraining)) == 2
    assert make.db.scalar(select(func.count()).select_from(Certification)) == 2
    events = make.db.scalars(select(AuditEvent).where(AuditEvent.action == "import.records")).all()
    assert [e.details["records"] for e in events] == [2, 0]


def test_problems_by_line_and_column_and_nothing_applied(client, sign_in, admin, make, program):
    future = local_today() + timedelta(days=3)
    data = csv_bytes(
        HEADER,
        "10442,,ALERRT-REFRESH,,2024-03-07,8,,,Old LMS",
        "99999,,ALERRT-REFRESH,,2024-03-07,8,,,Old LMS",
        "10442,,NO-SUCH,,2024-03-07,8,,,Old LMS",
        f"10442,,ALERRT-REFRESH,,{future.isoformat()},8,,,Old LMS",
        "10442,,ALERRT-REFRESH,,1899-12-31,8,,,Old LMS",
        "10442,,ALERRT-REFRESH,,2024-03-08,eight,,,Old LMS",
        "10442,,ALERRT-REFRESH,,2024-03-07,8,,,Old LMS",
    )
    sign_in(admin)
    preview = upload(client, "records", data)
    assert preview.status_code == 422
    page = text(preview)
    assert "3 Employee # no one you coordinate has the employee number 99999" in page
    assert "4 Course code no course has the code NO-SUCH" in page
    assert f"5 Completed on {future.isoformat()} is in the future" in page
    assert "6 Completed on 1899-12-31 is before 1900" in page
    assert "7 Hours “eight” is not a number of hours" in page
    assert "8 the same record as line 2" in page
    assert apply(client, "records", preview.get_data(as_text=True)).status_code == 422
    assert make.db.scalar(select(func.count()).select_from(PriorTraining)) == 0


def test_a_coordinator_imports_only_for_their_organizations(client, sign_in, make, program, fire):
    coordinator = make.person(Role.COORDINATOR, organization=fire, name="Cap. Lee")
    sign_in(coordinator)
    preview = upload(
        client, "records", csv_bytes(HEADER, "10442,,ALERRT-REFRESH,,2024-03-07,8,,,Old")
    )
    assert "no one you coordinate has the employee number 10442" in text(preview)


def renews_on_completion(make, track, course) -> None:
    make.db.add(TrackRenewalPath(track=track, method=RenewalMethod.COMPLETE_COURSE, course=course))
    make.db.commit()


def test_a_course_that_only_renews_a_track_renews_it_when_imported(
    app, client, sign_in, admin, make, department, program
):
    alerrt, _, _, officer = program
    update = make.course("ALERRT-UPDATE", organization=department, title="ALERRT update")
    renews_on_completion(make, alerrt, update)
    first = local_today() - timedelta(days=400)
    renewal = first + timedelta(days=340)  # inside the renewal window of the first cycle
    data = csv_bytes(
        HEADER,
        f"10442,,ALERRT-REFRESH,,{first.isoformat()},8,,,Old LMS",
        f"10442,,ALERRT-UPDATE,,{renewal.isoformat()},4,,,Old LMS",
    )
    sign_in(admin)
    preview = upload(client, "records", data)
    assert "2 records to import, earning 2 certification cycles" in text(preview)
    apply(client, "records", preview.get_data(as_text=True))
    with app.test_request_context():
        status = track_status(officer.id, alerrt)
    assert status.state is CertificationState.CURRENT
    assert status.expires_on == add_months(first, 24)  # renewed from the previous expiry


def test_a_course_renewing_several_tracks_needs_the_track_named(
    client, sign_in, admin, make, department, program
):
    alerrt, _, _, _ = program
    sro = make.track("SRO", name="School resource officer")
    update = make.course("ALERRT-UPDATE", organization=department, title="ALERRT update")
    renews_on_completion(make, alerrt, update)
    renews_on_completion(make, sro, update)
    day = (local_today() - timedelta(days=30)).isoformat()
    sign_in(admin)
    data = csv_bytes(HEADER, f"10442,,ALERRT-UPDATE,,{day},4,,,Old LMS")
    refused = upload(client, "records", data)
    assert refused.status_code == 422
    assert "2 Track code ALERRT-UPDATE renews ALERRT and SRO: say which in a track column." in text(
        refused
    )
    named = upload(client, "records", csv_bytes(HEADER, f"10442,,ALERRT-UPDATE,SRO,{day},4,,,X"))
    assert "1 records to import, earning 1 certification cycles" in text(named)


def count(make, model) -> int:
    return make.db.scalar(select(func.count()).select_from(model))


def earned_here(make, course, track, person, day):
    """A cycle earned by completing ``course`` here on ``day`` (first certification)."""
    completion = make.completion(make.enrollment(make.session(course, start=day), person), day)
    return make.certification(
        person, track, day, source=CertificationSource.COMPLETION, completion_id=completion.id
    )


def test_history_before_cycles_earned_here_plans_those_again_each_with_its_reason(
    app, client, sign_in, admin, make, program, department
):
    alerrt, refresher, _, rivera = program
    okafor = make.person(
        Role.OFFICER, organization=department, name="Sam Okafor", employee_number="10443"
    )
    day_rivera, day_okafor = local_today() - timedelta(days=40), local_today() - timedelta(100)
    earned = {
        p.id: earned_here(make, refresher, alerrt, p, day)
        for p, day in ((rivera, day_rivera), (okafor, day_okafor))
    }
    # Each history ends 11 months before the refresher taken here: inside its renewal window.
    first, second = add_months(day_rivera, -22), add_months(day_rivera, -11)
    okafor_last = add_months(day_okafor, -11)
    data = csv_bytes(
        HEADER,
        f"10442,,ALERRT-REFRESH,,{second.isoformat()},8,,,Old LMS",
        f"10442,,ALERRT-REFRESH,,{first.isoformat()},8,,,Old LMS",
        f"10443,,ALERRT-REFRESH,,{okafor_last.isoformat()},8,,,Old LMS",
    )
    sign_in(admin)
    preview = upload(client, "records", data)
    assert apply(client, "records", preview.get_data(as_text=True)).status_code == 302
    assert "3 records, 3 cycles, 0 already imported, 2 cycles replanned, 2 people" in text(
        client.get(INDEX)
    )

    make.db.expire_all()
    revoked, one, two, renewed = make.db.scalars(
        select(Certification)
        .where(Certification.person_id == rivera.id)
        .order_by(Certification.cycle)
    ).all()
    assert revoked.id == earned[rivera.id].id and revoked.is_revoked
    assert revoked.revoke_reason == (
        f"Planned again: an imported cycle granted on {first.isoformat()} came before it."
    )
    # The imported cycles chain (the second renews the first), and the refresher renews them.
    assert (one.granted_on, two.previous_id) == (first, one.id)
    assert two.valid_from == one.expires_on == add_months(first, 12)
    assert renewed.previous_id == two.id and renewed.completion_id == revoked.completion_id
    assert (renewed.valid_from, renewed.expires_on) == (
        two.expires_on,
        add_months(two.expires_on, 12),
    )
    make.db.refresh(earned[okafor.id])
    assert earned[okafor.id].revoke_reason == (
        f"Planned again: an imported cycle granted on {okafor_last.isoformat()} came before it."
    )
    with app.test_request_context():
        assert track_status(rivera.id, alerrt).expires_on == renewed.expires_on


def test_records_written_meanwhile_make_the_apply_a_conflict_and_nothing_is_written(
    client, sign_in, admin, make, program, monkeypatch
):
    data = csv_bytes(
        HEADER,
        "10442,,ALERRT-REFRESH,,2024-03-07,8,,,Old LMS",
        "10442,,ALERRT-REFRESH,,2025-03-07,8,,,Old LMS",
    )
    sign_in(admin)
    preview = upload(client, "records", data)
    assert preview.status_code == 200
    write_rows = operations.bulk_insert

    def someone_else_first(table, rows):
        """Another import writes the last record between the apply's check and its write."""
        make.db.add(PriorTraining(**rows[-1]))
        write_rows(table, rows)

    monkeypatch.setattr(operations, "bulk_insert", someone_else_first)
    response = apply(client, "records", preview.get_data(as_text=True))
    assert response.status_code == 409
    assert "Someone changed these records at the same time" in text(response)
    # The cycles were written before the records: they went with the rollback.
    assert count(make, PriorTraining) == 0 and count(make, Certification) == 0
