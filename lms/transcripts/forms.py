"""Forms of the transcripts feature (every POST carries its CSRF token)."""

from wtforms import SubmitField

from ..forms import Form


class IssueForm(Form):
    """Issue (sign and record) a transcript as of today."""

    submit = SubmitField("Download signed PDF")


class AgencyZipForm(Form):
    """Issue a transcript for each active person of an organization, as a ZIP."""

    submit = SubmitField("Download all transcripts (ZIP)")
