"""Forms of the enrollment feature (every POST is one, so every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import Form, PersonName, full_name_field, single_spaced
from .roster_csv import PHONE_RE, clean_email

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None


def select_choices(pairs) -> list:
    """(value, label) pairs as the installed WTForms wants its choices."""
    if SelectChoice is None:
        return list(pairs)
    return [SelectChoice(value=value, label=label) for value, label in pairs]


class ValidEmail:
    """An address the LMS can sign people in with; the field's data becomes its clean form."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            field.data = clean_email(field.data)
        except ValueError as exc:
            raise ValidationError(f"Not a valid email: {exc}") from None


class EnrollForm(Form):
    """Take a place in a session (or on its waitlist)."""

    submit = SubmitField("Enroll")


class CancelForm(Form):
    reason = TextAreaField(
        "Reason (optional)", validators=[Optional(), Length(max=500)], filters=[single_spaced]
    )
    submit = SubmitField("Cancel my place")


class StaffCancelForm(Form):
    reason = TextAreaField(
        "Reason",
        validators=[DataRequired("Say why this place is cancelled."), Length(max=500)],
        filters=[single_spaced],
    )
    submit = SubmitField("Cancel this place")


class CoordinatorEnrollForm(Form):
    email = EmailField(
        "Person's email",
        validators=[DataRequired("Give the person's email."), Length(max=254)],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    over_enrollment_reason = TextAreaField(
        "Reason to over-enroll (only if the session is full and they must get a seat)",
        validators=[Optional(), Length(max=500)],
        filters=[single_spaced],
    )
    prerequisite_override_reason = TextAreaField(
        "Reason to override a missing prerequisite",
        validators=[Optional(), Length(max=500)],
        filters=[single_spaced],
    )
    submit = SubmitField("Enroll this person")


class SeatCapForm(Form):
    organization_id = SelectField("Organization", coerce=int)
    seat_cap = IntegerField(
        "Most seats it may hold here (empty: the session's group cap)",
        validators=[Optional(), NumberRange(min=0, message="The cap cannot be below zero.")],
    )
    submit = SubmitField("Set the cap")


class ReserveSeatsForm(Form):
    seats = IntegerField(
        "Seats to hold for your group",
        validators=[
            InputRequired("Give a number of seats."),
            NumberRange(min=0, max=1000, message="Give a number from 0 to 1000."),
        ],
    )
    submit = SubmitField("Reserve seats")


class PersonFields:
    """Form mixin: the name, email and phone by which a group names one of its people.

    Empty, the name asks for "the person's name"; a form for one kind of person
    (a coordinator) declares its own ``full_name`` with :func:`full_name_field`.
    """

    full_name = full_name_field("Give the person's name.")
    email = EmailField(
        "Email", validators=[DataRequired("Give an email."), Length(max=254), ValidEmail()]
    )
    phone = StringField(
        "Phone (optional)",
        validators=[
            Optional(),
            Length(max=40),
            Regexp(PHONE_RE.pattern, message="Not a phone number."),
        ],
        filters=[single_spaced],
    )


class GroupMemberForm(PersonFields, Form):
    """One person of a community group, named for a session (created in the group when new)."""

    job_title = StringField(
        "Role (optional), e.g. Teacher",
        validators=[Optional(), Length(max=120)],
        filters=[single_spaced],
    )
    submit = SubmitField("Add to the session")


class RosterUploadForm(Form):
    roster = FileField("Roster file (CSV)", validators=[FileRequired("Choose a CSV file.")])
    submit = SubmitField("Upload roster")


class ClaimLinkForm(Form):
    submit = SubmitField("Make a sign-up link")


class PublicRegistrationForm(Form):
    full_name = full_name_field("Give your name.")
    email = EmailField(
        "Email", validators=[DataRequired("Give your email."), Length(max=254), ValidEmail()]
    )
    organization = StringField(
        "Organization (optional)",
        validators=[Optional(), Length(max=200), PersonName()],
        filters=[single_spaced],
    )
    # A honeypot: hidden from people, filled in by form-filling bots.
    website = StringField("Leave this empty", validators=[Optional()])
    submit = SubmitField("Register")


class ClaimAccountForm(Form):
    new_password = PasswordField(
        "Choose a password", validators=[DataRequired("Choose a password."), Length(max=256)]
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
    submit = SubmitField("Set my password")
