"""A forgotten password: ask for a link by email, use it once within 30 minutes, be signed in."""

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from lms.auth import links
from lms.config import ConfigError
from lms.models import AccountToken, AuditEvent, Role, TokenPurpose
from lms.web import SECURITY_HEADERS
from tests.enrollment.helpers import flash_text

FORGOT = "/training/forgot-password"
NEW_PASSWORD = "Avoid-Deny-Defend-2031"
SENT = "a link to choose a new password is on its way to it"
GONE = "This link no longer works"


def ask(client, email):
    return client.submit(FORGOT, {"email": email})


def path_of(link) -> str:
    # Not link.url: that is built in a request (or under LMS_PUBLIC_URL), and this is after.
    return f"/training/reset-password/{link.token}"


def choose(client, path, password=NEW_PASSWORD, confirm=None):
    return client.submit(path, {"new_password": password, "confirm": confirm or password})


def choose_on_a_dead_link(client, path):
    """Post the form a page opened earlier showed (a dead link's page has none now)."""
    token = client.csrf_token(FORGOT)
    data = {"csrf_token": token, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    return client.post(path, data=data)


def test_sign_in_page_leads_to_the_form(client):
    page = client.get("/training/sign-in").get_data(as_text=True)
    assert f'href="{FORGOT}">Forgot your password?</a>' in page
    form = client.get(FORGOT)
    assert form.status_code == 200
    assert "Enter the email address you sign in with." in flash_text(form)


def test_the_answer_is_the_same_page_whoever_the_address_belongs_to(
    app, client, make, issued_links
):
    police = make.organization("Missoula Police Department")
    known = make.person(Role.OFFICER, organization=police, password=make.PASSWORD)
    left = make.person(Role.OFFICER, organization=police, password=make.PASSWORD, active=False)
    no_login = make.person(Role.OFFICER, organization=police)
    addresses = {
        "known": known.email,
        "unknown": "nobody@example.test",
        "deactivated": left.email,
        "without a password": no_login.email,
    }
    # Each from a browser of its own, as each would come.
    answers = {who: ask(app.test_client(), email) for who, email in addresses.items()}

    # The page names the address typed, and nothing else differs.
    bodies = {
        who: answer.get_data(as_text=True).replace(addresses[who], "ADDRESS")
        for who, answer in answers.items()
    }
    assert SENT in flash_text(answers["known"])
    for who, answer in answers.items():
        assert answer.status_code == 200, who
        assert bodies[who] == bodies["known"], who
        assert sorted(answer.headers.keys()) == sorted(answers["known"].headers.keys()), who

    # Only the account that can sign in got a link, stored hashed, and an audit event.
    assert [link.person_id for link in make.db.scalars(select(AccountToken))] == [known.id]
    assert len(issued_links) == 1
    events = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.password_reset_requested")
    ).all()
    assert [(e.subject_person_id, e.actor_id) for e in events] == [(known.id, None)]


def test_the_answer_takes_as_long_whoever_the_address_belongs_to(app, client, make):
    # Writing a link for an account takes longer than finding none: the answer waits
    # out a floor (benchmarks/reset_timing_bench.py measures the two without it).
    app.config["LMS_PASSWORD_RESET_ANSWER_MS"] = 300
    known = make.person(Role.OFFICER, password=make.PASSWORD)
    for email in (known.email, "nobody@example.test"):
        token = client.csrf_token(FORGOT)
        begin = time.monotonic()
        response = client.post(FORGOT, data={"csrf_token": token, "email": email})
        assert response.status_code == 200
        assert time.monotonic() - begin >= 0.3


def test_a_link_sets_the_password_once_and_ends_every_other_sign_in(
    app, client, make, sign_in, issued_links
):
    officer = make.person(Role.OFFICER, name="Ofc. Sofia Rivera", password=make.PASSWORD)
    elsewhere = sign_in(officer)  # the officer's other browser, still signed in
    assert elsewhere.get("/training/account").status_code == 200

    visitor = app.test_client()
    ask(visitor, officer.email.upper())  # addresses match whatever their case
    (link,) = issued_links
    page = visitor.get(path_of(link))
    assert page.status_code == 200
    assert f"For {officer.email} ." in flash_text(page)

    weak = choose(visitor, path_of(link), "password1234")
    assert weak.status_code == 400
    assert "has-error" in weak.get_data(as_text=True)
    differ = choose(visitor, path_of(link), NEW_PASSWORD, NEW_PASSWORD + "x")
    assert "The passwords differ." in flash_text(differ)
    row = make.db.scalars(select(AccountToken)).one()
    assert row.used_at is None  # a refused password spends nothing

    done = choose(visitor, path_of(link))
    assert done.status_code == 302 and done.headers["Location"].endswith("/training/")
    home = visitor.get("/training/")
    assert "Your new password is set and you are signed in" in flash_text(home)
    assert "Welcome, Ofc. Sofia Rivera" in flash_text(home)

    # Every other sign-in ended: the other browser is sent to sign in.
    signed_out = elsewhere.get("/training/account")
    assert signed_out.status_code == 302 and "/training/sign-in" in signed_out.location

    # Single use: the link now answers that it is gone, and offers a new one.
    again = app.test_client().get(path_of(link))
    assert again.status_code == 410
    assert GONE in flash_text(again) and f'href="{FORGOT}"' in again.get_data(as_text=True)
    signed_in_again = visitor.get(path_of(link))
    assert signed_in_again.status_code == 410
    assert "change your password on your account page" in flash_text(signed_in_again)
    assert choose_on_a_dead_link(app.test_client(), path_of(link)).status_code == 410

    fresh = app.test_client()
    old = fresh.submit("/training/sign-in", {"email": officer.email, "password": make.PASSWORD})
    assert old.status_code == 200  # refused
    new = fresh.submit("/training/sign-in", {"email": officer.email, "password": NEW_PASSWORD})
    assert new.status_code == 302

    # Audited in words, and never with the token.
    events = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action.like("auth.password_reset%"))
    ).all()
    assert [(e.action, e.subject_person_id) for e in events] == [
        ("auth.password_reset_requested", officer.id),
        ("auth.password_reset", officer.id),
    ]
    assert events[1].details["sign_ins_ended"] == 1
    every_detail = json.dumps([e.details for e in make.db.scalars(select(AuditEvent))])
    assert link.token not in every_detail


def test_a_new_request_ends_the_earlier_link(app, client, make, issued_links):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    ask(client, officer.email)
    ask(client, officer.email)
    first, second = issued_links
    visitor = app.test_client()
    assert visitor.get(path_of(first)).status_code == 410
    assert visitor.get(path_of(second)).status_code == 200


def test_a_link_expires_after_30_minutes(app, client, make, issued_links, time_machine):
    time_machine.move_to(datetime(2027, 1, 15, 17, 0, tzinfo=UTC), tick=False)
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    password_hash = officer.password_hash
    ask(client, officer.email)
    (link,) = issued_links
    assert link.expires_at == datetime(2027, 1, 15, 17, 30, tzinfo=UTC)

    visitor = app.test_client()
    time_machine.shift(timedelta(minutes=29, seconds=59))
    assert visitor.get(path_of(link)).status_code == 200
    time_machine.shift(timedelta(seconds=1))
    expired = visitor.get(path_of(link))
    assert expired.status_code == 410
    assert "works once, for 30 minutes" in flash_text(expired)
    assert choose_on_a_dead_link(visitor, path_of(link)).status_code == 410
    make.db.expire_all()
    assert officer.password_hash == password_hash  # unchanged


def test_a_deactivated_account_s_link_stops_working(app, client, make, issued_links):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    ask(client, officer.email)
    (link,) = issued_links
    officer.active = False
    make.db.commit()
    assert app.test_client().get(path_of(link)).status_code == 410


@pytest.mark.parametrize(
    "token",
    [
        "made-up-token",
        "A" * 43,  # the shape of a token, but no link's
        "A" * 42,
        "A" * 44,
        "%2e%2e%2fsign-in",
        "%F0%9F%94%91" * 11,
        "%00" + "A" * 42,
        "A" * 200,
    ],
)
def test_a_malformed_or_unknown_token_is_not_found(client, token):
    response = client.get(f"/training/reset-password/{token}")
    assert response.status_code == 404
    for header in SECURITY_HEADERS:
        assert header in response.headers


def test_links_open_only_their_own_page(app, client, make, issued_links, sign_in):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    group = make.group("Big Sky High School")
    member = make.person(organization=group, name="Avery Lee")
    ask(client, officer.email)
    coordinator = make.person(Role.GROUP_COORDINATOR, organization=group)
    sign_in(coordinator)
    home = f"/training/groups/{group.id}/"
    client.submit(home, {}, action=f"{home}people/{member.id}/claim-link")
    reset, claim = issued_links
    assert claim.person.id == member.id and claim.purpose is TokenPurpose.CLAIM_ACCOUNT
    visitor = app.test_client()
    # The hash of a token is not a token, and each kind of link opens only its page.
    row = make.db.scalars(select(AccountToken).where(AccountToken.person_id == officer.id)).one()
    assert visitor.get(f"/training/reset-password/{row.token_hash}").status_code == 404
    assert visitor.get(f"/training/reset-password/{claim.token}").status_code == 404
    assert visitor.get(f"/training/claim/{reset.token}").status_code == 404
    assert visitor.get(f"/training/reset-password/{reset.token}").status_code == 200


def test_asking_too_often_for_one_address_is_refused_alike(app, client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    for n, email in enumerate((officer.email, "nobody@example.test")):
        for attempt in range(6):  # each from another address: the limit is the account's
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"198.51.100.{10 * n + attempt}"
            answer = ask(client, email)
            assert answer.status_code == (200 if attempt < 5 else 429)
        assert "Too many requests for a reset link" in flash_text(answer)
        assert int(answer.headers["Retry-After"]) > 0
    assert len(make.db.scalars(select(AccountToken)).all()) == 5

    # And from one address, whatever the accounts asked about.
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    answers = [ask(client, f"someone{n}@example.test").status_code for n in range(11)]
    assert answers == [200] * 10 + [429]


def test_a_signed_in_person_is_sent_to_change_it_on_their_account_page(client, make, sign_in):
    sign_in(make.person(Role.OFFICER))
    response = client.get(FORGOT)
    assert response.status_code == 302 and response.location.endswith("/training/account")


def test_the_reset_time_is_configured_and_checked(app_config):
    from lms.app import create_app

    with pytest.raises(ConfigError, match="LMS_PASSWORD_RESET_MINUTES"):
        create_app({**app_config, "LMS_PASSWORD_RESET_MINUTES": 0})
    app = create_app({**app_config, "LMS_PASSWORD_RESET_MINUTES": "90"})
    with app.app_context():
        assert links.duration_words(links.reset_lifetime()) == "90 minutes"


def test_the_message_carries_the_link_and_its_expiry_in_the_department_s_time(
    app, make, time_machine
):
    # 17:00 UTC on 15 Jan 2027 is 10:00 AM in Denver (MST); the link lasts until 10:30.
    time_machine.move_to(datetime(2027, 1, 15, 17, 0, tzinfo=UTC), tick=False)
    make.person(
        Role.OFFICER,
        organization=make.organization("Missoula Police Department"),
        name="Ofc. <Sofia> Rivera",
        email="s.rivera@mpd.test",
        password=make.PASSWORD,
    )
    app.config["LMS_PUBLIC_URL"] = "https://training.example.gov"
    with app.test_request_context(base_url="https://evil.example"):
        link = links.request_password_reset("S.Rivera@mpd.test")
        # The public address, never the Host the request claimed.
        assert re.fullmatch(
            r"https://training\.example\.gov/training/reset-password/[A-Za-z0-9_-]{43}", link.url
        )
        context = link.mail_context()
        subject = render_template(f"lms/mail/{link.mail_template}.subject.txt", **context)
        text = render_template(f"lms/mail/{link.mail_template}.txt", **context)
        html = render_template(f"lms/mail/{link.mail_template}.html", **context)
    assert link.mail_template == "password_reset"
    assert subject.strip() == (
        "Missoula Police Department: choose a new password (link valid 30 minutes)"
    )
    assert "\n" not in subject.strip()
    for body in (text, html):
        assert link.url in body
        assert "expires in 30 minutes, at Fri 15 Jan 2027, 10:30 AM MST" in body
        assert "Missoula Police Department" in body
    assert "Hello Ofc. <Sofia> Rivera," in text
    assert "Hello Ofc. &lt;Sofia&gt; Rivera," in html


def test_the_invitation_message_renders_from_an_invitation(app, make):
    group = make.group("Big Sky High School")
    member = make.person(organization=group, name="Avery Lee", email="avery@bigsky.test")
    coordinator = make.person(Role.GROUP_COORDINATOR, organization=group)
    with app.test_request_context():
        link = links.issue_invitation(member, coordinator)
        context = link.mail_context()
        text = render_template(f"lms/mail/{link.mail_template}.txt", **context)
        html = render_template(f"lms/mail/{link.mail_template}.html", **context)
        subject = render_template(f"lms/mail/{link.mail_template}.subject.txt", **context)
    assert link.mail_template == "invitation"
    assert context["url"] == f"http://localhost/training/claim/{link.token}"
    assert subject.strip() == "Police Department: make your Active-Threat Training login"
    for body in (text, html):
        assert (
            context["url"] in body and "expires in 14 days" in body and "avery@bigsky.test" in body
        )
