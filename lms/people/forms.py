"""Forms of the people feature."""

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..forms import Form
from .operations import REASON_MAX_LENGTH


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class AccountStatusForm(Form):
    """Deactivate or reactivate an account: the reason is kept in the audit log."""

    reason = StringField(
        "Reason",
        validators=[DataRequired("Give a reason."), Length(max=REASON_MAX_LENGTH)],
        filters=[_strip],
    )
    submit = SubmitField("Save")
