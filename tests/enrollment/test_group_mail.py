"""Group members with an email get their sign-up link by mail when named for a class; the
coordinator sees on the group page who was sent one, and when, and can send a new one."""

import re

import pytest

from lms.models import AccountToken, Role
from tests.mail.smtp import delivered_to, smtp_config

from .helpers import audit_actions, flash_text
from .test_groups import add_person

CLAIM_URL = re.compile(r"https?://[^/\s]+(/training/claim/([A-Za-z0-9_-]{43}))")


@pytest.fixture
def app_config(app_config, smtp_server):
    return smtp_config(app_config, smtp_server)


def claim_path(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = CLAIM_URL.search(text)
    assert match, text
    return match.group(1)


def row_of(client, group, name) -> str:
    """The group page's row of ``name``, as its text reads."""
    text = flash_text(client.get(f"/training/groups/{group.id}/"))
    match = re.search(
        rf"{re.escape(name)} .*?(?=Make a sign-up link|Send a new sign-up link)", text
    )
    assert match, text
    return match.group(0)


def test_a_named_member_is_mailed_their_sign_up_link_once(
    app, client, make, sign_in, crase, school, school_coordinator, smtp_server
):
    first = make.session(crase, capacity=10, is_public=True)
    second = make.session(crase, capacity=10, is_public=True)
    sign_in(school_coordinator)
    add_person(client, school, first, "Avery Lee", "avery@bigsky.test")
    # Before the worker ran: made, on its way.
    assert "Sign-up link being mailed" in row_of(client, school, "Avery Lee")

    [mail] = delivered_to(smtp_server, "avery@bigsky.test")
    assert "make your" in str(mail["Subject"]) and "Avery Lee" in str(mail["To"])
    row = row_of(client, school, "Avery Lee")
    assert re.search(r"Sign-up link mailed \w+ \d", row), row
    assert "Send a new sign-up link" in flash_text(client.get(f"/training/groups/{school.id}/"))

    # Named for another class while the link is live: no second link, no second message.
    add_person(client, school, second, "Avery Lee", "avery@bigsky.test")
    assert len(delivered_to(smtp_server, "avery@bigsky.test")) == 1
    assert make.db.query(AccountToken).count() == 1
    [made] = audit_actions(make.db, "account.claim_link_created")
    assert made.actor_id == school_coordinator.id

    # The link in the mail opens the claim page.
    visitor = app.test_client()
    assert "Avery Lee, choose a password" in flash_text(visitor.get(claim_path(mail)))


def test_the_coordinator_sends_a_new_link_and_the_old_one_ends(
    app, client, make, sign_in, crase, school, school_coordinator, smtp_server
):
    session = make.session(crase, capacity=10, is_public=True)
    sign_in(school_coordinator)
    add_person(client, school, session, "Avery Lee", "avery@bigsky.test")
    [old] = delivered_to(smtp_server, "avery@bigsky.test")
    avery = make.db.query(AccountToken).one().person

    home = f"/training/groups/{school.id}/"
    again = client.submit(home, {}, action=f"{home}people/{avery.id}/claim-link")
    assert "if the message mailed to avery@bigsky.test does not reach" in flash_text(again)
    first, new = delivered_to(smtp_server, "avery@bigsky.test")
    assert claim_path(new) != claim_path(old)
    visitor = app.test_client()
    assert visitor.get(claim_path(old)).status_code == 410
    assert visitor.get(claim_path(new)).status_code == 200
    made = audit_actions(make.db, "account.claim_link_created")
    assert [e.actor_id for e in made] == [school_coordinator.id] * 2


def test_a_refused_address_shows_on_the_group_page(
    client, make, sign_in, crase, school, school_coordinator, smtp_server
):
    answer = "550 5.1.1 <typo@bigsky.test>: Recipient address rejected: User unknown"
    smtp_server.inbox.refuse["typo@bigsky.test"] = answer
    session = make.session(crase, capacity=10, is_public=True)
    sign_in(school_coordinator)
    add_person(client, school, session, "Jordan Kim", "typo@bigsky.test")
    assert delivered_to(smtp_server, "typo@bigsky.test") == []
    assert f"Sign-up link not delivered: {answer}" in row_of(client, school, "Jordan Kim")


def test_people_with_a_login_or_without_an_email_get_no_link(
    client, make, sign_in, crase, school, school_coordinator, smtp_server
):
    session = make.session(crase, capacity=10, is_public=True)
    member = make.person(Role.PARTICIPANT, organization=school, email="has.login@bigsky.test")
    make.set_password(member)
    make.db.commit()
    sign_in(school_coordinator)
    add_person(client, school, session, member.full_name, "has.login@bigsky.test")
    assert delivered_to(smtp_server, "has.login@bigsky.test") == []
    assert make.db.query(AccountToken).count() == 0
