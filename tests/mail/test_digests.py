"""The coordinators' weekly digest and the lead instructor's roster reminder, received over
the test SMTP server."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine

from lms.app import db
from lms.core import local_today
from lms.mail import delivery
from lms.mail.digests import queue_digests, queue_roster_reminders
from lms.models import AgencyType, Organization, OrganizationKind
from tests.status.program import Program
from tests.support import DENVER


@pytest.fixture
def program(make):
    return Program(make)


def next_weekday(day, weekday: int):
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def received_by(smtp_server, address):
    return [r.message for r in smtp_server.inbox.received if r.recipients == [address]]


def unsubscribe_link(message) -> str:
    """The one-click link of ``message``'s List-Unsubscribe header (queue_mail adds it)."""
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link.startswith("https://training.mpd.test/training/mail/unsubscribe/")
    return link


def test_each_coordinator_gets_their_scope_on_the_digest_day_once(app, program, smtp_server):
    fire = Organization(
        name="Missoula Fire Department",
        slug="mfd",
        kind=OrganizationKind.PARTNER_AGENCY,
        agency_type=AgencyType.FIRE,
    )
    db.session.add(fire)
    db.session.commit()
    police_coordinator = program.coordinator(name="Pat Police", scoped=True)
    fire_coordinator = program.coordinator(fire, name="Fran Fire", scoped=True)
    due_soon, expired = program.officers("Dana Duesoon", "Eli Expired")
    (firefighter,) = program.officers("Finn Firefighter", organization=fire)
    monday = next_weekday(local_today() + timedelta(days=1), 0)
    program.certify(due_soon, program.alerrt, expires_on=monday + timedelta(days=20))
    program.certify(expired, program.alerrt, expires_on=monday - timedelta(days=3))
    program.certify(firefighter, program.alerrt, expires_on=monday + timedelta(days=10))
    lead = program.instructor("Lee Lead")
    open_roster = program.past_session(days_ago=3, lead=lead)

    with time_machine.travel(datetime.combine(monday, time(7), DENVER), tick=False):
        assert queue_digests(monday - timedelta(days=1)) == 0  # not the digest day
        assert queue_digests() == 2
        assert queue_digests() == 0  # once per day
        db.session.commit()
        assert delivery.deliver_due().sent == 2

    (police,) = received_by(smtp_server, police_coordinator.email)
    assert police["Subject"] == "Training this week: 1 due soon, 1 expired, 1 roster to finalize"
    text = police.get_body(("plain",)).get_content()
    assert "Dana Duesoon: ALERRT active-threat response" in text
    assert "Eli Expired" in text and "Finn Firefighter" not in text
    assert f"/training/rosters/{open_roster.id}" in text
    assert police["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"Stop weekly digests: {unsubscribe_link(police)}" in text

    (fire_digest,) = received_by(smtp_server, fire_coordinator.email)
    text = fire_digest.get_body(("plain",)).get_content()
    assert "Finn Firefighter" in text and "Dana Duesoon" not in text
    assert "Rosters waiting to be finalized (0)" in text


def test_a_lead_is_reminded_once_two_days_after_the_last_meeting(program, smtp_server):
    lead = program.instructor("Lee Lead")
    assistant = program.instructor("Ash Assistant")
    program.past_session(days_ago=1, lead=lead)  # too early
    overdue = program.past_session(days_ago=3, lead=lead, assistants=[assistant])
    finalized = program.past_session(days_ago=4, lead=lead)
    finalized.roster_finalized_at = datetime.now(DENVER)
    db.session.commit()

    assert queue_roster_reminders() == 1
    assert queue_roster_reminders() == 0
    db.session.commit()
    delivery.deliver_due()
    (received,) = smtp_server.inbox.received
    assert received.recipients == [lead.email]
    text = received.message.get_body(("plain",)).get_content()
    assert f"/training/rosters/{overdue.id}" in text
    assert f"Stop these reminders: {unsubscribe_link(received.message)}" in text
    assert received.message["Subject"].startswith("Please finalize the roster of ALERRT-REFRESH")
