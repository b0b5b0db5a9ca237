import pytest

from lms.models import Role

from .smtp import SmtpServer

SENDER = "Missoula Police Department Training <training@mpd.test>"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; ``smtp_server.inbox`` is what it accepted."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def app_config(app_config, smtp_server):
    """The app delivers to the test's SMTP server, in plain text on loopback."""
    return {
        **app_config,
        "LMS_DEPARTMENT_NAME": "Missoula Police Department",
        "LMS_SMTP_HOST": "127.0.0.1",
        "LMS_SMTP_PORT": smtp_server.port,
        "LMS_SMTP_SECURITY": "none",
        "LMS_SMTP_TIMEOUT_SECONDS": 5,
        "LMS_MAIL_SENDER": SENDER,
        "LMS_MAIL_MAX_ATTEMPTS": 3,
    }


@pytest.fixture
def admin(make):
    return make.person(Role.ADMIN, name="Chris Admin", email="chris.admin@mpd.test")
