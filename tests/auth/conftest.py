"""Fixtures of the auth tests."""

import pytest

from lms import signals


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
