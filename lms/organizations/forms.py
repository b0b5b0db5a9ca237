"""Forms of the organizations feature."""

from __future__ import annotations

from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..enrollment.forms import PersonFields, ValidEmail, select_choices
from ..forms import Form, PersonName, full_name_field, single_spaced, stripped
from ..models import AgencyType, OrganizationKind
from .operations import REASON_MAX_LENGTH, is_known_zone


class KnownZone:
    """An IANA time zone name this machine knows (e.g. America/Denver)."""

    field_flags: dict = {}

    def __call__(self, form, field) -> None:
        if field.data and not is_known_zone(field.data):
            raise ValidationError("Not a known IANA time zone; write it like America/Denver.")


class OrganizationForm(Form):
    """Create or edit an organization. ``kind`` and ``parent`` are removed for non-admins."""

    name = StringField(
        "Name",
        validators=[DataRequired("Give the organization's name."), Length(max=200), PersonName()],
        filters=[single_spaced],
    )
    kind = SelectField("Kind", choices=select_choices((k.value, k.label) for k in OrganizationKind))
    agency_type = SelectField(
        "Line of work", choices=select_choices((t.value, t.label) for t in AgencyType)
    )
    timezone = StringField(
        "Time zone",
        validators=[DataRequired("Give a time zone."), Length(max=64), KnownZone()],
        filters=[stripped],
    )
    contact_email = EmailField(
        "Contact email (optional)", validators=[Optional(), Length(max=254), ValidEmail()]
    )
    parent_id = SelectField(
        "Part of (optional)", choices=[], coerce=lambda v: "" if v is None else str(v)
    )
    default_seat_cap = IntegerField(
        "Default seat cap (community groups; empty: no cap)",
        validators=[
            Optional(),
            NumberRange(min=0, max=10000, message="Give a number from 0 to 10000."),
        ],
    )
    submit = SubmitField("Save")


class StatusForm(Form):
    """Deactivate or reactivate an organization: the reason is kept in the audit log."""

    reason = StringField(
        "Reason",
        validators=[DataRequired("Give a reason."), Length(max=REASON_MAX_LENGTH)],
        filters=[single_spaced],
    )
    submit = SubmitField("Save")


class CoordinatorForm(PersonFields, Form):
    """A community group's coordinator, created in the group in one step."""

    full_name = full_name_field("Give the coordinator's name.")
    submit = SubmitField("Create the coordinator")
