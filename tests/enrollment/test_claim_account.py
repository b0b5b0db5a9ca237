"""People a group enrolled claim a login through a single-use, expiring link."""

import re
from datetime import timedelta

from lms.auth.operations import token_hash
from lms.models import AccountToken, AuditEvent, Role, utcnow

from .helpers import flash_text

LINK_RE = re.compile(r'value="(http[^"]+/training/claim/([^"]+))"')


def make_link(client, group, person):
    home = f"/training/groups/{group.id}/"
    response = client.submit(home, {}, action=f"{home}people/{person.id}/claim-link")
    match = LINK_RE.search(response.get_data(as_text=True))
    assert match, flash_text(response)
    return response, match.group(2)


def test_a_group_member_claims_a_login_once(app, client, make, sign_in, school, school_coordinator):
    teacher = make.person(
        Role.PARTICIPANT, organization=school, name="Avery Lee", email="avery@bigsky.test"
    )
    sign_in(school_coordinator)
    response, token = make_link(client, school, teacher)
    text = flash_text(response)
    assert "Sign-up link for Avery Lee" in text
    assert "it works once and expires in 14 days. Pass it on now" in text
    row = make.db.query(AccountToken).one()
    assert row.token_hash == token_hash(token)  # only the hash is stored
    assert token not in row.token_hash
    assert timedelta(days=13) < row.expires_at - utcnow() <= timedelta(days=14)

    visitor = app.test_client()
    claim = f"/training/claim/{token}"
    assert "Avery Lee, choose a password" in flash_text(visitor.get(claim))
    weak = visitor.submit(claim, {"new_password": "password", "confirm": "password"})
    assert weak.status_code == 200 and "error" in weak.get_data(as_text=True)
    make.db.expire_all()
    assert teacher.password_hash is None and row.used_at is None

    strong = "Deny-Defend-Escape-2031"
    response = visitor.submit(claim, {"new_password": strong, "confirm": strong})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    make.db.expire_all()
    assert teacher.password_hash is not None and teacher.claimed_at is not None
    assert row.used_at is not None
    assert (
        make.db.query(AuditEvent).filter_by(action="account.claimed").one().actor_id == teacher.id
    )

    # Used once: the link is gone (410, with what to do); the new login works.
    again = visitor.get(claim)
    assert again.status_code == 410
    assert "This link no longer works" in flash_text(again)
    assert "Ask whoever sent it to you" in flash_text(again)
    signed_in = visitor.submit(
        "/training/sign-in", {"email": "avery@bigsky.test", "password": strong}
    )
    assert signed_in.status_code == 302


def test_expired_and_replaced_links_do_not_work(
    app, client, make, sign_in, school, school_coordinator
):
    teacher = make.person(Role.PARTICIPANT, organization=school)
    sign_in(school_coordinator)
    _, first = make_link(client, school, teacher)
    _, second = make_link(client, school, teacher)
    visitor = app.test_client()
    assert visitor.get(f"/training/claim/{first}").status_code == 410  # replaced
    assert visitor.get(f"/training/claim/{second}").status_code == 200

    live = make.db.query(AccountToken).filter_by(token_hash=token_hash(second)).one()
    live.expires_at = utcnow() - timedelta(minutes=1)
    make.db.commit()
    assert visitor.get(f"/training/claim/{second}").status_code == 410
    made_up = visitor.get("/training/claim/made-up-token")
    assert made_up.status_code == 404
    assert "There is no such sign-up link" in flash_text(made_up)

    # Someone who already has a login gets no link.
    member = make.person(Role.PARTICIPANT, organization=school, password=make.PASSWORD)
    home = f"/training/groups/{school.id}/"
    response = client.submit(
        home, {}, action=f"{home}people/{member.id}/claim-link", follow_redirects=True
    )
    assert "already has a login" in flash_text(response)
    assert make.db.query(AccountToken).filter_by(person_id=member.id).count() == 0
