import pytest

from lms.models import Role

from .smtp import smtp_config


@pytest.fixture
def app_config(app_config, smtp_server):
    """The app delivers to the test's SMTP server, in plain text on loopback."""
    return smtp_config(app_config, smtp_server)


@pytest.fixture
def admin(make):
    return make.person(Role.ADMIN, name="Chris Admin", email="chris.admin@mpd.test")
