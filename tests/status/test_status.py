"""Status per person and track across dates: current, due soon, expired, never."""

from datetime import date, timedelta

from lms.app import db
from lms.models import Role, utcnow
from lms.status.overview import person_overview
from lms.status.population import population_standings
from lms.status.queries import (
    CertificationState,
    statuses_for,
    track_status,
)
from tests.status.program import counting_queries

CURRENT, DUE_SOON, EXPIRED, NEVER = (
    CertificationState.CURRENT,
    CertificationState.DUE_SOON,
    CertificationState.EXPIRED,
    CertificationState.NEVER,
)


def test_a_cycle_moves_through_every_state_on_the_right_days(app, make, program):
    officer = program.officer()
    track = program.alerrt  # 12 months, renewal window 90 days
    program.certify(officer, track, granted_on=date(2026, 3, 1), expires_on=date(2027, 3, 1))
    window_opens = date(2027, 3, 1) - timedelta(days=90)  # 2026-12-01

    def state(day):
        return track_status(officer.id, track, day)

    assert state(date(2026, 2, 28)).state is NEVER  # not granted yet on that day
    assert state(date(2026, 3, 1)).state is CURRENT
    assert state(window_opens - timedelta(days=1)).state is CURRENT
    assert state(window_opens).state is DUE_SOON
    assert state(date(2027, 2, 28)).state is DUE_SOON
    assert state(date(2027, 3, 1)).state is EXPIRED
    status = state(date(2026, 6, 1))
    assert (status.due_on, status.window_opens_on) == (date(2027, 3, 1), window_opens)
    assert status.is_current and state(window_opens).is_current
    assert not state(date(2027, 3, 1)).is_current


def test_a_renewal_counts_from_the_day_it_is_granted(app, make, program):
    officer = program.officer()
    track = program.alerrt
    first = program.certify(
        officer, track, granted_on=date(2025, 6, 1), expires_on=date(2026, 6, 1)
    )
    second = make.certification(
        officer,
        track,
        date(2026, 4, 10),
        valid_from=date(2026, 6, 1),
        expires_on=date(2027, 6, 1),
        previous_id=first.id,
    )
    assert track_status(officer.id, track, date(2026, 4, 9)).state is DUE_SOON
    renewed = track_status(officer.id, track, date(2026, 4, 10))
    assert (renewed.state, renewed.due_on) == (CURRENT, date(2027, 6, 1))

    # A revoked cycle stays in the history but no longer counts.
    second.revoked_at, second.revoke_reason = utcnow(), "Roster correction"
    make.db.commit()
    assert track_status(officer.id, track, date(2026, 4, 10)).state is DUE_SOON


def test_statuses_for_many_people_take_one_query(app, make, program):
    people = program.officers(*[None] * 5)
    for person in people[:3]:
        program.certify(person, program.alerrt, expires_on=program.today + timedelta(days=30))
    ids, tracks = [p.id for p in people], [program.alerrt, program.instructor_track]
    for track in tracks:
        make.db.refresh(track)
    with counting_queries(db.engine) as queries:
        statuses = statuses_for(ids, tracks)
    assert len(queries) == 1
    assert [statuses[(p.id, program.alerrt.id)].state for p in people] == [
        DUE_SOON,
        DUE_SOON,
        DUE_SOON,
        NEVER,
        NEVER,
    ]


def test_a_track_concerns_whoever_its_courses_are_for_and_whoever_holds_it(app, make, program):
    program.officer("Ofc. Required")
    program.instructor("Sgt. Instructor")
    civilian = make.person(Role.PARTICIPANT, organization=make.group("Grace Community Church"))
    holder = make.person(Role.PARTICIPANT, name="Chaplain Holder")  # no officer role, but certified
    program.certify(holder, program.alerrt, expires_on=program.today + timedelta(days=300))
    program.officer("Ofc. Retired", active=False)  # inactive: not counted
    rows = {
        (s.full_name, s.track.code): s.state
        for s in population_standings([program.alerrt, program.instructor_track])
    }
    assert rows == {
        ("Ofc. Required", "ALERRT"): NEVER,
        ("Sgt. Instructor", "ALERRT"): NEVER,
        ("Sgt. Instructor", "ALERRT-INSTRUCTOR"): CURRENT,
        ("Chaplain Holder", "ALERRT"): CURRENT,
    }
    assert person_overview(civilian) == []  # nothing concerns a community member


def test_population_is_scoped_to_the_organizations_asked_for(app, make, program):
    fire = make.organization("Missoula Fire Department", slug="mfd")
    program.officer("Ofc. City")
    program.officer("FF Daniel Kim", organization=fire)
    names = [
        s.full_name for s in population_standings([program.alerrt], organization_ids={fire.id})
    ]
    assert names == ["FF Daniel Kim"]
    assert population_standings([program.alerrt], organization_ids=set()) == []


def test_officer_overview_offers_sessions_that_finish_before_the_due_date(app, make, program):
    today = program.today
    officer = program.officer()
    program.certify(officer, program.alerrt, expires_on=today + timedelta(days=40))
    in_time = program.future_session(in_days=20)
    program.future_session(in_days=60)  # ends after the due date
    full = program.future_session(in_days=10, capacity=1)
    program.enroll(full, program.officer())
    program.future_session(program.crase, in_days=5)  # earns no track
    (item,) = person_overview(officer)
    assert item.status.state is DUE_SOON
    assert [s.id for s in item.open_sessions] == [in_time.id]
    assert item.open_sessions_finish_in_time

    program.enroll(in_time, officer)
    (item,) = person_overview(officer)
    assert [e.session_id for e in item.enrolled] == [in_time.id]
    assert in_time.id not in [s.id for s in item.open_sessions]


def test_when_no_session_finishes_in_time_the_next_ones_are_offered_anyway(app, make, program):
    officer = program.officer()
    program.certify(officer, program.alerrt, expires_on=program.today + timedelta(days=5))
    later = program.future_session(in_days=30)
    (item,) = person_overview(officer)
    assert [s.id for s in item.open_sessions] == [later.id]
    assert not item.open_sessions_finish_in_time
