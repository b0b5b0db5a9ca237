"""Forms of the people feature."""

from wtforms import (
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..enrollment.forms import ValidEmail
from ..forms import Form, PersonName
from .operations import REASON_MAX_LENGTH


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _none_if_blank(value):
    value = _strip(value)
    return value or None


def _reason_field(label: str = "Reason") -> StringField:
    return StringField(
        label,
        validators=[DataRequired("Give a reason."), Length(max=REASON_MAX_LENGTH)],
        filters=[_strip],
    )


class AccountStatusForm(Form):
    """Deactivate or reactivate an account: the reason is kept in the audit log."""

    reason = _reason_field()
    submit = SubmitField("Save")


class DirectoryForm(Form):
    """The directory's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField("Name, email, badge or employee no.", validators=[Length(max=100)])
    organization = SelectField("Organization", default="")
    role = SelectField("Role", default="")
    activity = SelectField("Account", default="active")
    track = SelectField("Certification", default="")
    state = SelectField("Status", default="")
    sort = SelectField("Sort by", default="name")
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1)])

    def validate_state(self, field) -> None:
        if field.data and not self.track.data:
            raise ValidationError("Choose the certification whose status to filter by.")


class PersonForm(Form):
    """A person's details; the organization's choices are those the editor coordinates."""

    full_name = StringField(
        "Full name",
        validators=[DataRequired("Give the person's name."), Length(max=200), PersonName()],
        filters=[_strip],
    )
    preferred_name = StringField(
        "Name on certificates (if different)",
        validators=[Optional(), Length(max=200), PersonName()],
        filters=[_none_if_blank],
    )
    email = EmailField(
        "Email",
        validators=[Optional(), Length(max=254), ValidEmail()],
        filters=[_none_if_blank],
    )
    badge_number = StringField(
        "Badge number", validators=[Optional(), Length(max=40)], filters=[_none_if_blank]
    )
    employee_number = StringField(
        "Employee number", validators=[Optional(), Length(max=40)], filters=[_none_if_blank]
    )
    job_title = StringField(
        "Rank or title", validators=[Optional(), Length(max=120)], filters=[_none_if_blank]
    )
    unit = StringField("Unit", validators=[Optional(), Length(max=120)], filters=[_none_if_blank])
    organization = SelectField("Organization", coerce=int)
    notes = TextAreaField("Notes", validators=[Length(max=4000)])
    submit = SubmitField("Save")


class GrantRoleForm(Form):
    """Grant a role, scoped to an organization where it matters, for a reason."""

    role = SelectField("Role", validators=[DataRequired("Choose a role.")])
    organization = SelectField("Scope", default="")
    reason = _reason_field()


class RemoveRoleForm(Form):
    """Remove one of the person's roles (chosen by its grant), for a reason."""

    grant = SelectField("Role to remove", coerce=int)
    reason = _reason_field()


class InvitationForm(Form):
    """A button: make a fresh sign-up link (the previous unused one stops working)."""
