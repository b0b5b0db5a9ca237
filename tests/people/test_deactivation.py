"""Deactivating and reactivating an account: by an admin, with a reason, and nothing revives."""

import re

import pytest

from lms.models import AccountToken, AuditEvent, LoginSession, Role
from tests.enrollment.helpers import flash_text
from tests.support import FormClient

NEW_LINK = "/training/calendar/private-link"
CLAIM_LINK_RE = re.compile(r'value="http[^"]+/training/claim/([^"]+)"')
FEED_TOKEN_RE = re.compile(r"/training/calendar/private/([A-Za-z0-9_-]+)\.ics")


def person_page(person) -> str:
    return f"/training/people/{person.id}"


@pytest.fixture
def admin(make):
    return make.person(Role.ADMIN, name="Chief Ada Stone", password=make.PASSWORD)


@pytest.fixture
def officer(make):
    org = make.organization("Missoula Police Department")
    return make.person(
        Role.OFFICER, organization=org, name="Ofc. Sofia Rivera", password=make.PASSWORD
    )


def signed_in(app, make, person):
    """A browser of its own, signed in as ``person``."""
    app.test_client_class = FormClient
    browser = app.test_client()
    response = browser.submit(
        "/training/sign-in", {"email": person.email, "password": make.PASSWORD}
    )
    assert response.status_code == 302
    return browser


def replay(app, cookie: str) -> int:
    """Status of the account page for a fresh browser carrying an old session cookie."""
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return browser.get("/training/account").status_code


def feed_link(browser) -> str:
    response = browser.submit("/training/account", {}, action=NEW_LINK)
    return FEED_TOKEN_RE.search(response.get_data(as_text=True)).group(0)


def test_the_admin_page_shows_who_the_person_is_and_whether_they_can_sign_in(
    client, make, sign_in, admin, officer
):
    sign_in(admin)
    text = flash_text(client.get(person_page(officer)))
    assert "Ofc. Sofia Rivera" in text
    assert "Missoula Police Department" in text
    assert "Officer (Missoula Police Department)" in text
    assert "Can sign in Yes" in text
    assert "Status Active" in text
    assert "Deactivate" in text


def test_deactivation_ends_every_sign_in_feed_and_link_and_reactivation_revives_none(
    app, client, make, sign_in, admin, officer, school_with_member
):
    group, coordinator, member = school_with_member
    officer_browser = signed_in(app, make, officer)
    second_browser = signed_in(app, make, officer)
    cookies = [b.get_cookie("session").value for b in (officer_browser, second_browser)]
    feed = feed_link(officer_browser)
    assert client.get(feed).status_code == 200

    # A group member (no login yet) with an unused claim link.
    coordinator_browser = signed_in(app, make, coordinator)
    home = f"/training/groups/{group.id}/"
    made = coordinator_browser.submit(home, {}, action=f"{home}people/{member.id}/claim-link")
    claim = "/training/claim/" + CLAIM_LINK_RE.search(made.get_data(as_text=True)).group(1)
    assert client.get(claim).status_code == 200

    sign_in(admin)
    response = client.submit(
        person_page(officer),
        {"reason": "Left the department"},
        action=f"{person_page(officer)}/deactivate",
        follow_redirects=True,
    )
    assert "Ofc. Sofia Rivera is deactivated." in flash_text(response)
    text = flash_text(client.get(person_page(officer)))
    assert "Status Deactivated: Left the department" in text and "Can sign in No" in text
    client.submit(
        person_page(member),
        {"reason": "Moved away"},
        action=f"{person_page(member)}/deactivate",
    )

    assert [replay(app, c) for c in cookies] == [302, 302]
    assert client.get(feed).status_code == 404
    assert client.get(claim).status_code == 410  # the link is gone for good
    refused = app.test_client().submit(
        "/training/sign-in", {"email": officer.email, "password": make.PASSWORD}
    )
    assert "do not match an active account" in flash_text(refused)

    for person in (officer, member):
        response = client.submit(
            person_page(person),
            {"reason": "Came back"},
            action=f"{person_page(person)}/reactivate",
            follow_redirects=True,
        )
        assert f"{person.full_name} is active again." in flash_text(response)
    assert "Status Active" in flash_text(client.get(person_page(officer)))

    # A clean start: old cookies, feed URL and claim link stay dead; the password works.
    assert [replay(app, c) for c in cookies] == [302, 302]
    assert client.get(feed).status_code == 404
    assert client.get(claim).status_code == 410
    assert replay(app, signed_in(app, make, officer).get_cookie("session").value) == 200

    # The records stay; what happened is in the audit log, with the reasons.
    make.db.expire_all()
    rows = make.db.query(LoginSession).filter_by(person_id=officer.id).all()
    assert len(rows) == 3 and sum(r.revoked_at is not None for r in rows) == 2
    assert make.db.query(AccountToken).filter_by(person_id=member.id).count() == 1
    events = {
        (e.action, e.object_id): e
        for e in make.db.query(AuditEvent).filter(AuditEvent.action.like("person.%activated"))
    }
    off = events["person.deactivated", str(officer.id)]
    assert off.actor_id == admin.id and off.details["reason"] == "Left the department"
    assert off.details["sign_ins_ended"] == 2 and off.details["feed_link_revoked"] is True
    assert events["person.deactivated", str(member.id)].details["links_revoked"] == 1
    assert events["person.reactivated", str(officer.id)].details["reason"] == "Came back"


@pytest.fixture
def school_with_member(make):
    school = make.group("Big Sky High School")
    coordinator = make.person(Role.GROUP_COORDINATOR, organization=school, password=make.PASSWORD)
    member = make.person(Role.PARTICIPANT, organization=school, name="Avery Lee")
    return school, coordinator, member


def test_a_reason_is_required_and_an_admin_cannot_deactivate_themselves(
    client, make, sign_in, admin, officer
):
    sign_in(admin)
    url = f"{person_page(officer)}/deactivate"
    response = client.submit(person_page(officer), {"reason": "  "}, action=url)
    assert response.status_code == 400
    assert "Give a reason." in flash_text(response)
    make.db.expire_all()
    assert officer.active

    mine = client.submit(
        person_page(admin), {"reason": "Testing"}, action=f"{person_page(admin)}/deactivate"
    )
    assert mine.status_code == 400
    assert "You cannot deactivate your own account." in flash_text(mine)
    make.db.expire_all()
    assert admin.active

    again = client.submit(
        person_page(officer), {"reason": "Twice"}, action=f"{person_page(officer)}/reactivate"
    )
    assert again.status_code == 400
    assert "Ofc. Sofia Rivera is already active." in flash_text(again)


def test_who_reaches_the_person_page_and_changes_the_account(
    app, client, make, admin, officer, school_with_member
):
    school, group_coordinator, member = school_with_member
    fire = make.organization("Missoula Fire Department")
    fire_coordinator = make.person(Role.COORDINATOR, organization=fire, password=make.PASSWORD)
    url = person_page(officer)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/training/sign-in" in anonymous.headers["Location"]
    for person, status in ((officer, 403), (group_coordinator, 403), (fire_coordinator, 404)):
        browser = signed_in(app, make, person)
        assert browser.get(url).status_code == status
        token = browser.csrf_token("/training/account")
        posted = browser.post(f"{url}/deactivate", data={"csrf_token": token, "reason": "x"})
        assert posted.status_code == status
    make.db.expire_all()
    assert officer.active

    admin_browser = signed_in(app, make, admin)
    assert admin_browser.get("/training/people/999999").status_code == 404
    no_csrf = admin_browser.post(f"{url}/deactivate", data={"reason": "No token"})
    assert no_csrf.status_code == 400
    make.db.expire_all()
    assert officer.active

    # A coordinator of the officer's agency deactivates them, but not an admin of it,
    # nor themselves.
    coordinator = make.person(
        Role.COORDINATOR, organization=officer.organization, password=make.PASSWORD
    )
    browser = signed_in(app, make, coordinator)
    done = browser.submit(
        url, {"reason": "Retired"}, action=f"{url}/deactivate", follow_redirects=True
    )
    assert "Ofc. Sofia Rivera is deactivated." in flash_text(done)
    chief = make.person(Role.ADMIN, organization=officer.organization, name="Chief Two")
    assert "Deactivate" not in flash_text(browser.get(person_page(chief)))
    token = browser.csrf_token(url)
    refused = browser.post(
        f"{person_page(chief)}/deactivate", data={"csrf_token": token, "reason": "x"}
    )
    assert refused.status_code == 403
    mine = browser.submit(
        person_page(coordinator), {"reason": "x"}, action=f"{person_page(coordinator)}/deactivate"
    )
    assert "You cannot deactivate your own account." in flash_text(mine)
    make.db.expire_all()
    assert not officer.active and chief.active and coordinator.active


def test_the_cli_deactivates_and_reactivates_with_a_reason(app, runner, make, officer):
    browser = signed_in(app, make, officer)
    cookie = browser.get_cookie("session").value
    feed = feed_link(browser)

    result = runner.invoke(args=["lms", "deactivate", officer.email.upper(), "--reason", "Retired"])
    assert result.exit_code == 0, result.output
    assert f"Ofc. Sofia Rivera <{officer.email}> is deactivated" in result.output
    assert "1 sign-in ended" in result.output and "calendar feed link revoked" in result.output
    assert replay(app, cookie) == 302
    assert browser.get(feed).status_code == 404

    again = runner.invoke(args=["lms", "deactivate", officer.email, "--reason", "Retired"])
    assert again.exit_code != 0
    assert "Ofc. Sofia Rivera is already deactivated." in again.output

    result = runner.invoke(args=["lms", "reactivate", officer.email, "--reason", "Rehired"])
    assert result.exit_code == 0, result.output
    assert f"Ofc. Sofia Rivera <{officer.email}> is active again" in result.output
    assert replay(app, cookie) == 302
    assert browser.get(feed).status_code == 404

    make.db.expire_all()
    events = make.db.query(AuditEvent).filter(AuditEvent.action.like("person.%activated"))
    events = events.order_by(AuditEvent.id)
    assert [(e.action, e.details["reason"], e.actor_id) for e in events] == [
        ("person.deactivated", "Retired", None),
        ("person.reactivated", "Rehired", None),
    ]


def test_the_cli_names_an_unknown_email_and_requires_a_reason(runner, officer):
    unknown = runner.invoke(args=["lms", "deactivate", "nobody@example.test", "--reason", "x"])
    assert unknown.exit_code != 0
    assert "No person has the email nobody@example.test." in unknown.output
    unknown = runner.invoke(args=["lms", "reactivate", "nobody@example.test", "--reason", "x"])
    assert unknown.exit_code != 0
    assert "No person has the email nobody@example.test." in unknown.output

    missing = runner.invoke(args=["lms", "deactivate", officer.email])
    assert missing.exit_code != 0
    assert "--reason" in missing.output
    blank = runner.invoke(args=["lms", "deactivate", officer.email, "--reason", " "])
    assert blank.exit_code != 0
    assert "Give a reason." in blank.output


def test_reactivating_an_account_switched_off_by_hand_still_starts_clean(
    app, runner, make, officer
):
    """Before this feature the only way was ``active = False`` by hand, leaving sign-ins live."""
    browser = signed_in(app, make, officer)
    cookie = browser.get_cookie("session").value
    officer.active = False
    make.db.commit()
    assert replay(app, cookie) == 302

    result = runner.invoke(args=["lms", "reactivate", officer.email, "--reason", "Back"])
    assert result.exit_code == 0, result.output
    assert replay(app, cookie) == 302  # not revived
    make.db.expire_all()
    event = make.db.query(AuditEvent).filter_by(action="person.reactivated").one()
    assert event.details["sign_ins_ended"] == 1
