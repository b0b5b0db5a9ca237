"""Posting roster forms the way the roster page does."""

from __future__ import annotations

import html
import re

from tests.support import Factory, FormClient


def signed_in_client(app, make, person):
    """A separate browser-like client signed in as ``person``."""
    if person.password_hash is None:
        make.set_password(person)
    app.test_client_class = FormClient
    client = app.test_client()
    response = client.submit(
        "/training/sign-in", {"email": person.email, "password": Factory.PASSWORD}
    )
    assert response.status_code == 302
    return client


#: A light page whose sign-out form carries the session's CSRF token (any form's token
#: is valid for every form of the session, as in a browser with several tabs).
TOKEN_PAGE = "/training/courses/"


def roster_url(session) -> str:
    return f"/training/rosters/{session.id}"


def mark_attendance(client, session, meeting, present=(), *, everyone=False):
    """Post the attendance form of one meeting: ``present`` are enrollments ticked."""
    data = {"present": [str(e.id) for e in present]}
    data["everyone" if everyone else "save"] = "x"
    return client.submit(
        TOKEN_PAGE, data, action=f"/training/rosters/{session.id}/meetings/{meeting.id}/attendance"
    )


def record_results(client, session, rows):
    """Post the results form: ``rows`` is [(enrollment, {"written": "85", ...}), ...]."""
    data = {}
    for index, (enrollment, fields) in enumerate(rows):
        data[f"rows-{index}-enrollment_id"] = str(enrollment.id)
        for name, value in fields.items():
            data[f"rows-{index}-{name}"] = value
    return client.submit(TOKEN_PAGE, data, action=f"/training/rosters/{session.id}/evaluations")


def finalize(client, session):
    return client.submit(TOKEN_PAGE, {}, action=f"/training/rosters/{session.id}/finalize")


def correct(client, session, enrollment, data):
    url = f"/training/rosters/{session.id}/enrollments/{enrollment.id}/correction"
    return client.submit(TOKEN_PAGE, data, action=url)


def text(response) -> str:
    return response.get_data(as_text=True)


INLINE_TAGS = re.compile(r"</?(a|span|strong|em|b|i|code|abbr|time)\b[^>]*>", re.I)


def visible(response) -> str:
    """The words a person reads on the page: tags dropped, entities decoded, spaces collapsed."""
    page = text(response) if hasattr(response, "get_data") else response
    page = re.sub(r"<(script|style|title)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", INLINE_TAGS.sub("", page))
    return re.sub(r"\s+", " ", html.unescape(page)).strip()
