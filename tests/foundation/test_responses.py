"""What every answer carries: security headers, Allow, Retry-After, no-store; and
error pages that work when the database transaction behind them has failed."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lms.app import create_app, db
from lms.catalog import views as catalog_views
from lms.models import Role
from lms.web import SECURITY_HEADERS

from ..conftest import FAST_HASHING


def assert_secured(response) -> None:
    missing = {k: v for k, v in SECURITY_HEADERS.items() if response.headers.get(k) != v}
    assert not missing, f"{response.request.path} ({response.status_code}) lacks {missing}"


def test_unknown_paths_405s_and_the_health_check_carry_the_headers(client):
    unknown = client.get("/no-such-page")
    assert unknown.status_code == 404 and "Not found" in unknown.get_data(as_text=True)
    assert_secured(unknown)
    assert_secured(client.get("/healthz"))
    assert_secured(client.get("/training/no-such-page"))

    wrong_method = client.get("/training/sign-out")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    assert "Method not allowed" in wrong_method.get_data(as_text=True)
    assert_secured(wrong_method)


def test_a_crash_shows_the_lms_error_page_with_its_headers(app, client, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production

    def broken(*_args):
        raise RuntimeError("boom: internal detail")

    monkeypatch.setattr(catalog_views.queries, "visible_courses", broken)
    response = client.get("/training/courses/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and "boom" not in body
    assert_secured(response)


def test_a_failed_transaction_still_gets_an_error_page_for_a_signed_in_person(
    app, client, make, sign_in, monkeypatch
):
    """The error page must not query inside the transaction that failed.

    On PostgreSQL every statement after an error fails until a rollback; a page
    that then loaded the signed-in person would crash too, and the server would
    send its own bare page without our headers.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    sign_in(make.person(Role.OFFICER, name="Dana Ortiz"))
    db.session.remove()  # the person is loaded again by the next request, if at all

    def fails_before_the_person_is_loaded():
        db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(catalog_views, "acting_person", fails_before_the_person_is_loaded)
    response = client.get("/training/courses/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    # The LMS's own page (its layout and site name), not a bare fallback.
    assert "Something went wrong" in body and "Active-Threat Training" in body
    assert_secured(response)
    # The next request works: the failed transaction did not outlive its request.
    assert client.get("/training/my/enrollments").status_code == 200


def test_a_rate_limited_answer_says_when_to_come_back(client):
    statuses = [client.get("/training/verify/NOT-A-SERIAL").status_code for _ in range(61)]
    assert statuses[-1] == 429 and 429 not in statuses[:60]
    limited = client.get("/training/verify/NOT-A-SERIAL")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert_secured(limited)


def test_pages_are_never_stored_by_a_cache(client, make, sign_in):
    assert client.get("/training/sign-in").headers["Cache-Control"] == "no-store"
    sign_in(make.person(Role.OFFICER))
    assert client.get("/training/").headers["Cache-Control"] == "no-store"
    assert client.get("/training/calendar/").headers["Cache-Control"] == "no-store"


@pytest.fixture
def app_behind(app_config):
    """The standalone app told how many proxies stand in front of it."""

    def build(proxies: int):
        return create_app({**app_config, "LMS_TRUSTED_PROXIES": proxies, **FAST_HASHING})

    return build


def _limited_after(client, forwarded_for: str, limit: int = 60) -> bool:
    """Spend ``limit`` verifications as ``forwarded_for``; is the next one refused?"""
    headers = {"X-Forwarded-For": forwarded_for}
    for _ in range(limit):
        client.get("/training/verify/NOT-A-SERIAL", headers=headers)
    return client.get("/training/verify/NOT-A-SERIAL", headers=headers).status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app_behind):
    client = app_behind(1).test_client()
    assert _limited_after(client, "198.51.100.7")
    # Another client behind the same proxy is not held back by the first one.
    fresh = client.get("/training/verify/NOT-A-SERIAL", headers={"X-Forwarded-For": "198.51.100.8"})
    assert fresh.status_code != 429
    # A client cannot dodge its limit by sending its own X-Forwarded-For: the proxy
    # appends the real address, and only the last hop is trusted.
    spoofed = client.get(
        "/training/verify/NOT-A-SERIAL",
        headers={"X-Forwarded-For": "203.0.113.99, 198.51.100.7"},
    )
    assert spoofed.status_code == 429


def test_without_trusted_proxies_the_header_is_ignored(app_behind):
    client = app_behind(0).test_client()
    assert _limited_after(client, "198.51.100.7")
    # A made-up X-Forwarded-For buys no new allowance.
    other = client.get("/training/verify/NOT-A-SERIAL", headers={"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 429


def test_trusted_proxies_must_be_a_count(app_config):
    with pytest.raises(Exception, match="LMS_TRUSTED_PROXIES"):
        create_app({**app_config, "LMS_TRUSTED_PROXIES": -1})
