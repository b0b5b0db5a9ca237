"""The Outbox page's forms: its filter (in the URL), a test message, a retry."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, IntegerField, SelectField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..enrollment.forms import ValidEmail
from ..forms import Form
from ..models import MailState
from ..status.forms import choices


class OutboxFilterForm(Form):
    """A GET form: the filter is in the URL and nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    state = SelectField(
        "State",
        choices=choices([("", "Any state")] + [(s.value, s.label) for s in MailState]),
        default="",
    )
    before = IntegerField(validators=[Optional(), NumberRange(min=1)])
    after = IntegerField(validators=[Optional(), NumberRange(min=1)])


class TestMessageForm(Form):
    address = EmailField(
        "Send a test message to",
        validators=[DataRequired("Give an address."), Length(max=254), ValidEmail()],
    )


class RetryForm(Form):
    """Send a failed message again (the CSRF token is the whole form)."""


class MailPreferencesForm(Form):
    """Which optional messages a person receives."""

    reminders = BooleanField("Renewal reminders before a certification is due")
    digests = BooleanField("Weekly digest (coordinators)")


class UnsubscribeForm(Form):
    """The confirm button of an unsubscribe link (the token is the proof)."""

    class Meta:
        csrf = False  # RFC 8058: the mail provider's one-click POST carries no CSRF token
