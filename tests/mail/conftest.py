import pytest

from lms.models import Role

from .smtp import DEPARTMENT, smtp_config


@pytest.fixture
def app_config(app_config, smtp_server):
    """The app delivers to the test's SMTP server, in plain text on loopback. Messages are
    made outside requests too (reminders, digests, their unsubscribe links): links use
    the site's public address."""
    return {**smtp_config(app_config, smtp_server), "LMS_PUBLIC_URL": "https://training.mpd.test"}


@pytest.fixture
def department(make):
    """The department organization mail names (and the config): ask for it before making
    people, whose own organizations are departments too ("Organization N")."""
    return make.organization(DEPARTMENT)


@pytest.fixture
def admin(make, department):
    return make.person(
        Role.ADMIN, organization=department, name="Chris Admin", email="chris.admin@mpd.test"
    )
