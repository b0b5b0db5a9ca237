"""Forms of the transcripts feature (every POST carries its CSRF token)."""

from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..credentials.forms import VerifyForm
from ..forms import Form


class IssueForm(Form):
    """Issue (sign and record) a transcript as of today."""

    submit = SubmitField("Download signed PDF")


class AgencyZipForm(Form):
    """Issue a transcript for each active person of an organization, as a ZIP."""

    submit = SubmitField("Download all transcripts (ZIP)")


class TranscriptVerifyForm(VerifyForm):
    """The public look-up of a transcript by its serial (a GET form, as certificates')."""

    serial = StringField("Transcript serial", validators=[DataRequired(), Length(max=64)])
