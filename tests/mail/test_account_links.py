"""Links made on a person's page reach them by mail: an invitation for someone with no
password, a password-reset link for someone with one; received over SMTP, each link works
once from the message, and the page says the link was mailed."""

from __future__ import annotations

import re

import pytest

from lms.models import Role
from tests.enrollment.helpers import flash_text
from tests.mail.smtp import delivered_to

LINK_URL = re.compile(r"https?://[^/\s]+(/training/(claim|reset-password)/([A-Za-z0-9_-]{43}))")


@pytest.fixture
def coordinator(make, department):
    return make.person(Role.COORDINATOR, organization=department, name="Lt. Dana Cole")


def invite(client, person):
    url = f"/training/people/{person.id}"
    return client.submit(url, {}, action=f"{url}/invite")


def link_in(message) -> tuple[str, str]:
    """The link in the message's text and HTML versions (the same one), and its kind."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    match = LINK_URL.search(text)
    assert match, text
    assert match.group(1) in html
    return match.group(1), match.group(2)


def test_an_invited_instructor_gets_the_link_by_mail_and_signs_up_with_it(
    app, client, make, sign_in, department, coordinator, smtp_server
):
    newcomer = make.person(
        Role.INSTRUCTOR, organization=department, name="Sgt. Erin Hayes", email="e.hayes@mpd.test"
    )
    sign_in(coordinator)
    shown = invite(client, newcomer)
    assert shown.status_code == 200

    [mail] = delivered_to(smtp_server, "e.hayes@mpd.test")
    assert "Sgt. Erin Hayes" in str(mail["To"])
    path, kind = link_in(mail)
    assert kind == "claim"
    assert path in shown.get_data(as_text=True)  # the link shown once is the one mailed
    text = " ".join(mail.get_body(preferencelist=("plain",)).get_content().split())
    assert "You sign in with e.hayes@mpd.test." in text
    assert "It works once and expires in" in text

    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Sgt. Erin Hayes, choose a password" in flash_text(page)


def test_someone_with_a_password_is_mailed_a_reset_link_instead(
    app, client, make, sign_in, department, coordinator, smtp_server
):
    officer = make.person(
        Role.OFFICER, organization=department, name="Ofc. Sofia Rivera", email="sofia@mpd.test"
    )
    make.set_password(officer, "Correct-Horse-Battery-9")
    sign_in(coordinator)
    invite(client, officer)
    [mail] = delivered_to(smtp_server, "sofia@mpd.test")
    path, kind = link_in(mail)
    assert kind == "reset-password"
    assert "password" in str(mail["Subject"]).lower()
    assert app.test_client().get(path).status_code == 200


def test_a_deactivated_person_is_sent_nothing(
    client, make, sign_in, department, coordinator, smtp_server
):
    gone = make.person(
        Role.OFFICER, organization=department, name="Ofc. Walter Pruitt", email="w.pruitt@mpd.test"
    )
    gone.active = False
    make.db.commit()
    sign_in(coordinator)
    refused = invite(client, gone)
    assert "account is deactivated" in flash_text(client.get(refused.headers["Location"]))
    assert delivered_to(smtp_server, "w.pruitt@mpd.test") == []
