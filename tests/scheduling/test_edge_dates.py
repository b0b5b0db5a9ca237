"""Dates outside 1900-2200 are typing errors: refused with a message, nothing saved.

A meeting on 9999-12-31 answered 500, and a session on 0001-01-01 was saved
and then broke its calendar file for everyone.
"""

from __future__ import annotations

import pytest

from lms.models import CourseSession
from tests.enrollment.helpers import flash_text

from .test_sessions import NEW, session_form


@pytest.mark.parametrize(
    ("day", "message"),
    [("9999-12-31", "Enter a date between 1900 and 2200."), ("0001-01-01", "between 1900")],
)
def test_dates_at_the_edges_are_refused_with_a_message(
    client, make, sign_in, coordinator, refresher, day, message
):
    sign_in(coordinator)
    response = client.submit(NEW, session_form(refresher, [(day, "08:00", "17:00")]))
    assert response.status_code == 400
    assert message in flash_text(response)
    assert make.db.query(CourseSession).count() == 0
