import pytest

from lms.models import Role

from .smtp import smtp_config


@pytest.fixture
def app_config(app_config, smtp_server):
    """The app delivers to the test's SMTP server, in plain text on loopback. Messages are
    made outside requests too (reminders, digests, their unsubscribe links): links use
    the site's public address."""
    return {**smtp_config(app_config, smtp_server), "LMS_PUBLIC_URL": "https://training.mpd.test"}


@pytest.fixture
def admin(make):
    return make.person(Role.ADMIN, name="Chris Admin", email="chris.admin@mpd.test")
