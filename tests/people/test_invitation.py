"""Invitations: a single-use, expiring link shown once; a new one kills the previous.

Someone who already has a password gets a password-reset link instead, said so.
"""

import re

import pytest
from sqlalchemy import select

from lms.models import AccountToken, AuditEvent, LoginSession, Role, TokenPurpose
from tests.enrollment.helpers import flash_text

LINK_RE = re.compile(r'value="http[^"]+(/training/claim/[^"]+)"')
RESET_LINK_RE = re.compile(r'value="http[^"]+(/training/reset-password/([^"]+))"')


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
    replaced = stranger.get(first_link)
    assert replaced.status_code == 410  # gone: it was a link, unlike a made-up one (404)
    assert "This link no longer works" in flash_text(replaced)
    assert stranger.get(second_link).status_code == 200

    events = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "account.claim_link_created")
    ).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(coordinator.id, str(newcomer.id))] * 2


def test_someone_with_a_password_gets_a_reset_link_said_to_be_one(
    app, client, sign_in, make, staff_and_newcomer
):
    coordinator, newcomer = staff_and_newcomer
    make.set_password(newcomer)
    newcomer_elsewhere = app.test_client()
    newcomer_elsewhere.submit(
        "/training/sign-in", {"email": newcomer.email, "password": make.PASSWORD}
    )
    sign_in(coordinator)
    page = flash_text(client.get(f"/training/people/{newcomer.id}"))
    assert "Make a sign-up link" not in page
    assert "Sgt. Erin Hayes already has a password." in page

    response = invite(client, newcomer)
    assert response.status_code == 200
    text = flash_text(response)
    assert "Password-reset link for Sgt. Erin Hayes" in text
    assert "This is a reset link , not an invitation" in text
    assert "expires in 30 minutes" in text
    path, token = RESET_LINK_RE.search(response.get_data(as_text=True)).groups()
    assert LINK_RE.search(response.get_data(as_text=True)) is None  # no sign-up link

    (row,) = make.db.scalars(select(AccountToken)).all()
    assert row.purpose is TokenPurpose.RESET_PASSWORD and row.person_id == newcomer.id
    assert token not in row.token_hash
    event = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.reset_link_issued")
    ).one()
    assert (event.actor_id, event.subject_person_id) == (coordinator.id, newcomer.id)
    assert (
        make.db.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.claim_link_created")
        ).all()
        == []
    )

    # The link opens the reset page, not the sign-up page, and is a reset indeed.
    holder = app.test_client()
    assert holder.get(f"/training/claim/{token}").status_code == 404
    new_password = "Move-To-The-Threat-2031"
    done = holder.submit(path, {"new_password": new_password, "confirm": new_password})
    assert done.status_code == 302
    assert "Welcome, Sgt. Erin Hayes" in flash_text(holder.get("/training/"))
    assert newcomer_elsewhere.get("/training/account").status_code == 302  # signed out there
    live = make.db.scalars(
        select(LoginSession).where(
            LoginSession.person_id == newcomer.id, LoginSession.revoked_at.is_(None)
        )
    ).all()
    assert len(live) == 1


def test_no_link_for_someone_who_has_no_email_or_left(client, sign_in, make, staff_and_newcomer):
    coordinator, newcomer = staff_and_newcomer
    sign_in(coordinator)
    assert "Make a sign-up link" in flash_text(client.get(f"/training/people/{newcomer.id}"))

    no_email = make.person(Role.OFFICER, organization=newcomer.organization, email=None)
    response = invite(client, no_email)
    assert "has no email to sign in with" in flash_text(client.get(response.headers["Location"]))

    left = make.person(
        Role.OFFICER, organization=newcomer.organization, active=False, password=make.PASSWORD
    )
    response = invite(client, left)
    assert "account is deactivated" in flash_text(client.get(response.headers["Location"]))
    assert make.db.query(AccountToken).count() == 0
