"""The input boundary: what the issue saw answer 500 now gets a 404 or a clear message.

Each case was a server error on PostgreSQL ("integer out of range", "NUL
character") or SQLite (OverflowError) before the boundary; here the person sees
why, and nothing is written.
"""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from lms.boundary import name_problem, parse_id, text_problem
from lms.forms import SubForm
from lms.models import Role
from lms.rosters.forms import EvaluationRowForm
from tests.enrollment.helpers import flash_text

TOO_BIG = "2147483648"


@pytest.mark.parametrize(
    "path",
    [
        f"/training/sessions/{TOO_BIG}",
        f"/training/sessions/{TOO_BIG}/calendar.ics",
        f"/training/sessions/{TOO_BIG}/register",
        f"/training/enrollments/{TOO_BIG}/cancel",
        f"/training/rosters/{TOO_BIG}",
        f"/training/status/people/{TOO_BIG}",
        f"/training/groups/{TOO_BIG}/",
        "/training/sessions/99999999999999999999",
        "/training/courses/%00",
        "/training/certificates/%00/download",
        "/training/calendar/private/%E2%80%AE.ics",
    ],
)
def test_ids_the_database_cannot_hold_and_control_characters_in_paths_are_not_found(
    client, make, sign_in, path
):
    sign_in(make.person(Role.ADMIN))
    response = client.get(path)
    assert response.status_code == 404, path


def test_a_query_id_out_of_range_is_a_clear_400(client, make, sign_in):
    sign_in(make.person(Role.COORDINATOR, scope=None))
    response = client.get(f"/training/compliance/?organization={TOO_BIG}")
    assert response.status_code == 400
    assert "The agency filter must be an agency of the list." in flash_text(response)


def test_a_nul_in_the_sign_in_email_is_a_form_message(client):
    response = client.submit(
        "/training/sign-in", {"email": "a\x00b@example.test", "password": "x" * 12}
    )
    assert response.status_code in (200, 400)
    assert "Remove the NUL character (U+0000) from this text." in flash_text(response)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", 1),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("0", None),
        ("-1", None),
        ("１２", None),  # full-width digits are digits to str.isdigit, not ids
        ("1e3", None),
        ("", None),
        (True, None),
    ],
)
def test_parse_id(value, expected):
    assert parse_id(value) == expected


def test_names_in_every_script_pass_and_invisible_characters_do_not():
    for name in ["Nguyễn Thị Minh Khai", "Zoë Ødegård", "محمد عبد الله", "王小明", "Ольга"]:
        assert name_problem(name) is None, name
    for name in ["Bob\u200bby", "\u2066Eve\u2069", "Mal\u00adlory", "A\u202dB"]:
        assert name_problem(name), name
    assert text_problem("line one\nline two", multiline=True) is None
    assert text_problem("line one\nline two")


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-inf"])
def test_a_score_that_is_not_a_number_is_a_form_message(value):
    """``Decimal("sNaN")`` made the range check raise (a 500 the fuzz test found)."""
    assert issubclass(EvaluationRowForm, SubForm)
    form = EvaluationRowForm(MultiDict({"enrollment_id": "1", "teach_back": value}))
    assert not form.validate()
    assert form.teach_back.errors == ["Enter a number."]
