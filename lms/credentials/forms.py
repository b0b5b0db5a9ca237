"""Forms of the certificates feature (every POST carries its CSRF token)."""

from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import Form, PersonName


class IssueForm(Form):
    """Issue one completion's certificate, or (no completion) the whole roster's."""

    completion_id = IntegerField(validators=[Optional()])
    submit = SubmitField("Issue certificate")


class RevokeForm(Form):
    reason = TextAreaField(
        "Reason for revoking",
        validators=[
            DataRequired(message="Give a reason for revoking the certificate."),
            Length(max=2000),
        ],
    )
    submit = SubmitField("Revoke certificate")


class CorrectionForm(Form):
    holder_name = StringField(
        "Corrected name (leave empty to use the person's current name)",
        validators=[Optional(), Length(max=200), PersonName()],
    )
    reason = TextAreaField(
        "What is corrected",
        validators=[DataRequired(message="Say what the correction fixes."), Length(max=2000)],
    )
    submit = SubmitField("Issue corrected certificate")


class VerifyForm(Form):
    """The public look-up by serial: a GET form, nothing to protect."""

    class Meta:
        csrf = False

    serial = StringField("Certificate serial", validators=[DataRequired(), Length(max=64)])
    sig = HiddenField()
    submit = SubmitField("Check")
