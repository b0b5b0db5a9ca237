"""The audit page's filters, read from the query string."""

from __future__ import annotations

from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from ..forms import Form
from ..status.forms import choices
from .queries import PERSON_ROLES


class AuditFilterForm(Form):
    """A GET form: the filters are in the URL and nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    person = StringField(
        "Person",
        validators=[Optional(), Length(max=200)],
        description="Name, email, badge or employee number",
    )
    person_role = SelectField(
        "As",
        choices=choices(zip(PERSON_ROLES, ("actor or subject", "actor", "subject"), strict=True)),
        default="either",
    )
    action = SelectField("Action", default="")
    object_type = StringField("Object type", validators=[Optional(), Length(max=60)])
    object_id = StringField("Object id", validators=[Optional(), Length(max=64)])
    start = DateField("From", validators=[Optional()])
    end = DateField("Until (inclusive)", validators=[Optional()])
    before = IntegerField(validators=[Optional(), NumberRange(min=1)])
    after = IntegerField(validators=[Optional(), NumberRange(min=1)])

    def validate_object_id(self, field) -> None:
        # Ids are only unique within a type (and only the pair is indexed).
        if field.data and not self.object_type.data:
            raise ValidationError("Give the object type too.")

    def validate_end(self, field) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The last day comes before the first.")
