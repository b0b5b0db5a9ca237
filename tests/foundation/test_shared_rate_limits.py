"""Several app processes behind one Redis share their rate-limit counts."""

import os
import uuid

import pytest

from lms.app import create_app
from lms.models import Role
from tests.support import Factory, FormClient

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set; Redis test skipped")
def _shared(app_config, prefix):
    return {**app_config, "LMS_REDIS_URL": REDIS_URL, "LMS_REDIS_PREFIX": prefix}


@pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set; Redis test skipped")
def test_two_apps_sharing_redis_count_sign_in_attempts_together(app_config, app):
    prefix = f"lms-test-{uuid.uuid4().hex}"
    apps = [create_app(_shared(app_config, prefix)) for _ in range(2)]
    make = Factory(app.extensions["lms"].db.session)
    officer = make.person(
        Role.OFFICER, email=f"{uuid.uuid4().hex}@example.test", password=make.PASSWORD
    )
    clients = []
    for each in apps:
        each.test_client_class = FormClient
        clients.append(each.test_client())
    for attempt in range(10):
        response = clients[attempt % 2].submit(
            "/training/sign-in", {"email": officer.email, "password": "guess-guess"}
        )
        assert response.status_code == 200
    for each in clients:
        blocked = each.submit(
            "/training/sign-in", {"email": officer.email, "password": make.PASSWORD}
        )
        assert blocked.status_code == 429


@pytest.mark.skipif(not REDIS_URL, reason="LMS_TEST_REDIS_URL is not set; Redis test skipped")
def test_deployments_with_their_own_prefix_count_apart(app_config, app):
    """Two deployments sharing one Redis (say staging and production) keep their own counts."""
    staging, production = (
        create_app(_shared(app_config, f"lms-{name}-{uuid.uuid4().hex}"))
        for name in ("staging", "production")
    )
    make = Factory(app.extensions["lms"].db.session)
    officer = make.person(
        Role.OFFICER, email=f"{uuid.uuid4().hex}@example.test", password=make.PASSWORD
    )
    clients = []
    for each in (staging, production):
        each.test_client_class = FormClient
        clients.append(each.test_client())
    for _ in range(10):
        response = clients[0].submit(
            "/training/sign-in", {"email": officer.email, "password": "guess-guess"}
        )
        assert response.status_code == 200
    assert (
        clients[0]
        .submit("/training/sign-in", {"email": officer.email, "password": make.PASSWORD})
        .status_code
        == 429
    )
    signed_in = clients[1].submit(
        "/training/sign-in", {"email": officer.email, "password": make.PASSWORD}
    )
    assert signed_in.status_code == 302
