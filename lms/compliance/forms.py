"""Forms of the compliance feature: report filters, read from the query string."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from ..forms import Form


class _QueryForm(Form):
    """A GET form: filters in the URL, nothing changes, so no CSRF token."""

    class Meta:
        csrf = False


class ComplianceFilterForm(_QueryForm):
    track = SelectField("Certification", default="")
    organization = SelectField("Agency", default="")
    state = SelectField("Status", default="")
    due_before = DateField("Lapses before", validators=[Optional()])
    name = StringField("Name contains", validators=[Optional(), Length(max=100)])
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1)])


class HoursFilterForm(_QueryForm):
    period = SelectField("Reporting period", default="")
    organization = SelectField("Agency", default="")


class PostRosterFilterForm(_QueryForm):
    period = StringField("Reporting period", validators=[Optional(), Length(max=4)])
    start = DateField("From", validators=[Optional()])
    end = DateField("Until (inclusive)", validators=[Optional()])
    organization = IntegerField("Agency", validators=[Optional()])
    course = IntegerField("Course", validators=[Optional()])
    session = IntegerField("Session", validators=[Optional()])
