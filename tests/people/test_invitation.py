"""Invitations: a single-use, expiring link shown once; a new one kills the previous."""

import re

import pytest
from sqlalchemy import select

from lms.models import AccountToken, AuditEvent, Role
from tests.enrollment.helpers import flash_text

LINK_RE = re.compile(r'value="http[^"]+(/training/claim/[^"]+)"')


@pytest.fixture
def staff_and_newcomer(make):
    police = make.organization("Missoula Police Department")
    coordinator = make.person(Role.COORDINATOR, organization=police, name="Lt. Dana Cole")
    newcomer = make.person(
        Role.INSTRUCTOR, organization=police, name="Sgt. Erin Hayes", email="e.hayes@mpd.test"
    )
    return coordinator, newcomer


def invite(client, person):
    url = f"/training/people/{person.id}"
    return client.submit(url, {}, action=f"{url}/invite")


def test_the_link_is_shown_once_works_once_and_a_new_one_replaces_it(
    app, client, sign_in, make, staff_and_newcomer
):
    coordinator, newcomer = staff_and_newcomer
    sign_in(coordinator)
    first = invite(client, newcomer)
    assert first.status_code == 200
    assert "it is not shown again" in flash_text(first)
    first_link = LINK_RE.search(first.get_data(as_text=True)).group(1)
    assert first.headers["Cache-Control"] == "no-store"
    # Not on the page again, and only its hash is stored.
    assert first_link not in client.get(f"/training/people/{newcomer.id}").get_data(as_text=True)
    token = first_link.rsplit("/", 1)[1]
    stored = make.db.scalars(select(AccountToken.token_hash)).all()
    assert token not in stored and len(stored) == 1

    second = invite(client, newcomer)
    second_link = LINK_RE.search(second.get_data(as_text=True)).group(1)
    assert second_link != first_link
    stranger = app.test_client()
    assert stranger.get(first_link).status_code == 404
    assert stranger.get(second_link).status_code == 200

    events = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.claim_link_created")
    ).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(coordinator.id, str(newcomer.id))] * 2


def test_no_invitation_for_someone_who_can_sign_in_or_has_no_email_or_left(
    client, sign_in, make, staff_and_newcomer
):
    coordinator, newcomer = staff_and_newcomer
    sign_in(coordinator)
    assert "Make a sign-up link" in flash_text(client.get(f"/training/people/{newcomer.id}"))
    make.set_password(newcomer)
    assert "Make a sign-up link" not in flash_text(client.get(f"/training/people/{newcomer.id}"))
    refused = invite(client, newcomer)
    assert "Sgt. Erin Hayes already has a login." in flash_text(
        client.get(refused.headers["Location"])
    )

    no_email = make.person(Role.OFFICER, organization=newcomer.organization, email=None)
    response = invite(client, no_email)
    assert "has no email to sign in with" in flash_text(client.get(response.headers["Location"]))

    left = make.person(Role.OFFICER, organization=newcomer.organization, active=False)
    response = invite(client, left)
    assert "account is deactivated" in flash_text(client.get(response.headers["Location"]))
    assert make.db.query(AccountToken).count() == 0
