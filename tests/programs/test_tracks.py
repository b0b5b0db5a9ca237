"""Tracks in the admin's hands: created and edited through pages, every version kept,
and a change to earned cycles shown first and applied only when confirmed."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from lms.core import local_today
from lms.dates import add_months
from lms.formatting import format_local_date
from lms.models import AuditEvent, Certification, CertificationTrack, Role
from lms.status import operations as status_operations
from lms.status.queries import statuses_for
from tests.rosters.helpers import visible
from tests.status.program import last_day

INDEX = "/training/programs/"


def _form(program, track, **changes):
    """The track's edit form as the admin would send it, with ``changes``."""
    paths = {"complete_course": [], "teach_session": []}
    for path in track.renewal_paths:
        paths[path.method.value].append(str(path.course_id))
    data = {
        "code": track.code,
        "name": track.name,
        "description": track.description,
        "validity_months": str(track.validity_months),
        "renewal_window_days": str(track.renewal_window_days),
        "due_soon_days": str(track.due_soon_days),
        "renewal_basis": track.renewal_basis.value,
        "completing_course_ids": paths["complete_course"],
        "teaching_course_ids": paths["teach_session"],
    }
    if track.qualifies_instructors:
        data["qualifies_instructors"] = "y"
    return {**data, **changes}


def _edit_url(track):
    return f"/training/programs/tracks/{track.id}/edit"


def _fingerprint(page: str) -> str:
    match = re.search(r'name="fingerprint" type="hidden" value="([0-9a-f]+)"', page)
    assert match, "the preview carries no fingerprint"
    return match.group(1)


def live_cycles(make, person, track):
    return make.db.scalars(
        select(Certification)
        .where(
            Certification.person_id == person.id,
            Certification.track_id == track.id,
            Certification.revoked_at.is_(None),
        )
        .order_by(Certification.granted_on)
    ).all()


def test_an_admin_creates_a_track_and_finds_it_with_its_first_version(client, make, admin, program):
    page = client.get(INDEX).get_data(as_text=True)
    assert "ALERRT active-threat response" in page and 'href="/training/programs/"' in page

    response = client.submit(
        "/training/programs/tracks/new",
        {
            "code": "tecc",
            "name": "Tactical emergency casualty care",
            "validity_months": "24",
            "renewal_window_days": "60",
            "renewal_basis": "completion",
            "completing_course_ids": [str(program.refresher.id)],
        },
    )
    assert response.status_code == 302
    track = make.db.scalar(select(CertificationTrack).where(CertificationTrack.code == "TECC"))
    assert (track.validity_months, track.renewal_window_days) == (24, 60)
    page = client.get(response.location).get_data(as_text=True)
    assert "Tactical emergency casualty care" in page
    assert "24 months" in page and "60 days before expiry" in page
    assert "Version 1" in page and "track created" in page
    assert "Renewal window days: — → 60" in page  # a new track's fields start from nothing
    # "Due soon" left blank: the renewal window's days, said so on the track's page.
    assert track.due_soon_days == 60 and "Due soon days: — → 60" in page
    assert "Completing courses: none → ALERRT-REFRESH" in page


def test_a_track_form_with_bad_values_says_so_and_creates_nothing(client, make, admin, program):
    response = client.submit(
        "/training/programs/tracks/new",
        {
            "code": "ALERRT",  # taken
            "name": "Another ALERRT",
            "validity_months": "12",
            "renewal_window_days": "90",
            "renewal_basis": "previous_expiry",
        },
    )
    assert response.status_code == 400
    assert "Another track already has the code ALERRT." in response.get_data(as_text=True)
    response = client.submit(
        "/training/programs/tracks/new",
        {"code": "NEW", "name": "New", "validity_months": "0", "renewal_window_days": "-1"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give a number of months from 1 to 600." in page
    assert "Give a number of days from 0 to 3650." in page
    assert (
        make.db.scalar(select(CertificationTrack).where(CertificationTrack.name == "New")) is None
    )


def test_a_longer_validity_is_previewed_with_each_due_date_and_changes_nothing_yet(
    client, make, admin, program, refresher_taken
):
    rivera, bell = program.officers("Ofc. Sofia Rivera", "Ofc. Marcus Bell")
    first = refresher_taken(rivera, 100)
    refresher_taken(bell, 50)
    old_due = add_months(first.completed_on, 12)

    response = client.submit(
        _edit_url(program.alerrt), _form(program, program.alerrt, validity_months="24")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This changes the due date of 2 people:" in page
    assert "Ofc. Marcus Bell" in page and "Ofc. Sofia Rivera" in page
    assert format_local_date(old_due) in page
    assert format_local_date(add_months(first.completed_on, 24)) in page
    make.db.expire_all()
    assert program.alerrt.validity_months == 12
    (cycle,) = live_cycles(make, rivera, program.alerrt)
    assert cycle.expires_on == old_due


def test_a_confirmed_preview_records_new_cycles_and_revokes_the_old_ones(
    client, make, admin, program, refresher_taken
):
    rivera = program.officer("Ofc. Sofia Rivera")
    first = refresher_taken(rivera, 300)
    refresher_taken(rivera, 10)  # inside the window: counted from the first expiry
    data = _form(program, program.alerrt, validity_months="24")
    preview = client.submit(_edit_url(program.alerrt), data).get_data(as_text=True)

    response = client.submit(
        _edit_url(program.alerrt),
        {**data, "fingerprint": _fingerprint(preview), "action": "apply"},
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert program.alerrt.validity_months == 24
    revoked = make.db.scalars(
        select(Certification).where(
            Certification.person_id == rivera.id, Certification.revoked_at.is_not(None)
        )
    ).all()
    assert len(revoked) == 2
    assert all("validity months 12 → 24" in c.revoke_reason for c in revoked)
    one, two = live_cycles(make, rivera, program.alerrt)
    assert (one.valid_from, one.expires_on) == (
        first.completed_on,
        add_months(first.completed_on, 24),
    )
    # The second refresher came before the new renewal window opened: it no longer
    # renews from the previous expiry, it restarts the clock from its own day.
    assert two.expires_on == add_months(two.granted_on, 24)
    assert one.completion_id == first.id
    page = client.get(response.location).get_data(as_text=True)
    assert "Validity months: 12 → 24" in page and "2 cycle(s) planned again" in page
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "track.updated"))
    assert event.details["changes"] == {"validity_months": [12, 24]}
    assert event.actor_id == admin.id


def test_an_edit_whose_impact_was_not_confirmed_changes_nothing(
    client, make, admin, program, refresher_taken
):
    rivera = program.officer("Ofc. Sofia Rivera")
    refresher_taken(rivera, 100)
    data = _form(program, program.alerrt, validity_months="6", name="ALERRT (6 months)")
    # Asking to apply without having seen the impact, or with a made-up fingerprint.
    for fingerprint in ("", "0" * 64):
        response = client.submit(
            _edit_url(program.alerrt), {**data, "fingerprint": fingerprint, "action": "apply"}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "This changes the due date of 1 person:" in page
        assert "Nothing was changed." in page
    make.db.expire_all()
    assert (program.alerrt.validity_months, program.alerrt.name) == (
        12,
        "ALERRT active-threat response",
    )
    assert not make.db.scalars(
        select(Certification).where(Certification.revoked_at.is_not(None))
    ).all()
    assert make.db.scalar(select(AuditEvent).where(AuditEvent.action == "track.updated")) is None


def test_a_preview_overtaken_by_new_records_is_shown_again_not_applied(
    client, make, admin, program, refresher_taken
):
    rivera, bell = program.officers("Ofc. Sofia Rivera", "Ofc. Marcus Bell")
    refresher_taken(rivera, 100)
    data = _form(program, program.alerrt, validity_months="24")
    seen = _fingerprint(client.submit(_edit_url(program.alerrt), data).get_data(as_text=True))
    refresher_taken(bell, 20)  # a roster finalized meanwhile: one more due date would move

    response = client.submit(
        _edit_url(program.alerrt), {**data, "fingerprint": seen, "action": "apply"}
    )
    page = response.get_data(as_text=True)
    assert "changed since your preview" in page
    assert "This changes the due date of 2 people:" in page and "Ofc. Marcus Bell" in page
    make.db.expire_all()
    assert program.alerrt.validity_months == 12

    response = client.submit(
        _edit_url(program.alerrt),
        {**data, "fingerprint": _fingerprint(page), "action": "apply"},
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert program.alerrt.validity_months == 24


def test_a_change_that_moves_no_cycle_applies_at_once(
    client, make, admin, program, refresher_taken
):
    refresher_taken(program.officer("Ofc. Sofia Rivera"), 100)
    response = client.submit(
        _edit_url(program.alerrt),
        _form(program, program.alerrt, name="ALERRT response", description="Move to the threat."),
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert program.alerrt.name == "ALERRT response"
    page = client.get(response.location).get_data(as_text=True)
    assert "Name: ALERRT active-threat response → ALERRT response" in page


def test_due_soon_has_its_own_window_and_changing_it_moves_no_cycle(
    client, make, admin, program, refresher_taken, sign_in
):
    """Renewal opens 90 days before expiry; officers show as due soon only in the last 30."""
    rivera, bell = program.officers("Ofc. Sofia Rivera", "Ofc. Marcus Bell")
    refresher_taken(rivera, 365 - 60)  # 60 days left: inside the renewal window
    refresher_taken(bell, 365 - 20)  # 20 days left
    response = client.submit(
        _edit_url(program.alerrt), _form(program, program.alerrt, due_soon_days="30")
    )
    assert response.status_code == 302  # standings shown differently; no cycle moves
    page = client.get(response.location).get_data(as_text=True)
    assert "Due soon days: 90 → 30" in page
    assert "90 days before expiry" in page and "30 days before expiry" in page
    assert not make.db.scalars(
        select(Certification).where(Certification.revoked_at.is_not(None))
    ).all()

    def badge(person):
        states = statuses_for([person.id], [program.alerrt], local_today())
        return states[person.id, program.alerrt.id].state.value

    assert (badge(rivera), badge(bell)) == ("current", "due_soon")
    directory = client.get(
        "/training/people/", query_string={"track": program.alerrt.id, "state": "due_soon"}
    ).get_data(as_text=True)
    assert "Marcus Bell" in directory and "Sofia Rivera" not in directory
    client.submit("/training/", {}, action="/training/sign-out")
    sign_in(rivera)
    status = visible(client.get("/training/status/"))
    assert "Current" in status and "Due soon" not in status
    assert "60 days left; renewal window open since" in status
    # Rivera renewing now is still inside the renewal window: her new cycle runs from
    # her old expiry, not from today.
    expiry = max(c.expires_on for c in live_cycles(make, rivera, program.alerrt))
    refresher_taken(rivera, 1)
    assert max(c.expires_on for c in live_cycles(make, rivera, program.alerrt)) == add_months(
        expiry, 12
    )


def test_dropping_teaching_as_a_renewal_path_takes_back_what_teaching_earned(
    client, make, admin, program
):
    lead = program.instructor("Sgt. Erin Hayes", qualified_until=program.today + timedelta(days=60))
    session = program.past_session(days_ago=3, lead=lead)
    status_operations.renew_for_teaching(session, last_day(session), None)
    make.db.commit()
    imported, taught = live_cycles(make, lead, program.instructor_track)
    assert taught.taught_session_id == session.id

    track = program.instructor_track
    data = _form(program, track, teaching_course_ids=[])
    preview = client.submit(_edit_url(track), data).get_data(as_text=True)
    assert "This changes the due date of 1 person:" in preview and "Sgt. Erin Hayes" in preview
    assert format_local_date(taught.expires_on) in preview
    assert format_local_date(imported.expires_on) in preview

    response = client.submit(
        _edit_url(track), {**data, "fingerprint": _fingerprint(preview), "action": "apply"}
    )
    assert response.status_code == 302
    make.db.expire_all()
    assert live_cycles(make, lead, track) == [imported]
    assert taught.revoke_reason == (
        "Planned again: the ALERRT instructor track changed "
        "(teaching courses ALERRT-REFRESH → none)."
    )
    assert [p.method.value for p in track.renewal_paths] == ["complete_course"]


def test_only_administrators_see_programs(client, make, sign_in, program):
    coordinator = program.coordinator()
    sign_in(coordinator)
    assert 'href="/training/programs/"' not in client.get("/training/").get_data(as_text=True)
    assert client.get(INDEX).status_code == 403
    client.submit("/training/", {}, action="/training/sign-out")
    admin = make.person(Role.ADMIN, organization=program.department)
    sign_in(admin)
    assert 'href="/training/programs/"' in client.get("/training/").get_data(as_text=True)


def test_before_any_course_the_track_form_says_where_courses_are_added(client, make, sign_in):
    sign_in(make.person(Role.ADMIN, name="Chris Admin"))
    page = client.get("/training/programs/tracks/new").text
    assert "No courses yet." in page and 'href="/training/schedule/courses/new"' in page
    assert 'name="completing_course_ids"' not in page  # no empty list to choose from
    response = client.submit(
        "/training/programs/tracks/new",
        {"code": "ALERRT", "name": "ALERRT", "validity_months": "12", "renewal_window_days": "90",
         "renewal_basis": "previous_expiry"},
    )  # fmt: skip
    assert response.status_code == 302
