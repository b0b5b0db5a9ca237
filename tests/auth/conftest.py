"""Fixtures of the auth tests."""

import pytest

from lms import signals


@pytest.fixture
def app_config(app_config):
    """The reset form answers at once: its time floor has a test of its own."""
    return {**app_config, "LMS_PASSWORD_RESET_ANSWER_MS": 0}


@pytest.fixture
def issued_links():
    """The account links made while the test runs, as :data:`signals.account_link_issued`
    hands them to a mailer: mail is not sent yet, so this is how a test "opens" one."""
    issued = []

    def receive(sender, link):
        issued.append(link)

    signals.account_link_issued.connect(receive)
    yield issued
    signals.account_link_issued.disconnect(receive)
