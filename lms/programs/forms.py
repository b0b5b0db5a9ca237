"""Forms of the programs feature: a track with its renewal paths, a course's program.

A course's completion-rule settings are fields built from the registered rules'
declared parameters (:class:`~lms.plugins.Param`), one group per rule; the rule
itself judges the values (:meth:`~lms.plugins.CompletionRule.param_problems`).
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from ..enrollment.forms import select_choices
from ..forms import (
    CheckboxListField,
    Form,
    SubForm,
    code_field,
    description_field,
    heading_field,
    stripped,
)
from ..models import RenewalBasis
from ..plugins import CompletionRule, Param

BASIS_LABELS = {
    RenewalBasis.PREVIOUS_EXPIRY: "the previous expiry",
    RenewalBasis.COMPLETION: "the day of the renewal",
}


class TrackForm(Form):
    code = code_field("track")
    name = heading_field("Name", "track")
    description = description_field()
    validity_months = IntegerField(
        "Valid for (months)",
        validators=[
            InputRequired("Say how many months a certification is valid."),
            NumberRange(min=1, max=600, message="Give a number of months from 1 to 600."),
        ],
    )
    renewal_window_days = IntegerField(
        "Renewal window (days before expiry)",
        validators=[
            InputRequired("Say how many days before expiry renewal opens (0 for none)."),
            NumberRange(min=0, max=3650, message="Give a number of days from 0 to 3650."),
        ],
    )
    due_soon_days = IntegerField(
        "Due soon (days before expiry)",
        validators=[
            Optional(),  # blank: the renewal window's days
            NumberRange(min=0, max=3650, message="Give a number of days from 0 to 3650."),
        ],
    )
    renewal_basis = SelectField(
        "A renewal inside the window counts from",
        choices=select_choices((basis.value, label) for basis, label in BASIS_LABELS.items()),
    )
    qualifies_instructors = BooleanField("Holders may lead classes (an instructor track)")
    completing_course_ids = CheckboxListField("Completing these courses renews it", coerce=int)
    teaching_course_ids = CheckboxListField(
        "Teaching a session of these courses renews it", coerce=int
    )
    # The impact the admin saw in the preview; applying needs it to still be the impact.
    fingerprint = HiddenField()


class CourseProgramForm(Form):
    """A course's completion rule, its settings (see :func:`course_program_form`), prerequisites."""

    completion_rule = SelectField("Completed by")
    prerequisite_track_ids = CheckboxListField(
        "Enrolling requires a current certification on", coerce=int
    )


def _param_field(spec: Param):
    if spec.type is bool:
        return BooleanField(spec.label, default=spec.default)
    return StringField(
        spec.label,
        filters=[stripped],
        description=f"Default: {spec.default:g}"
        if isinstance(spec.default, int | float)
        else f"Default: {spec.default}",
    )


def settings_field_name(rule: CompletionRule) -> str:
    """The form field holding one rule's settings."""
    return f"settings_{rule.name}"


def course_program_form(rules: list[CompletionRule]) -> type[CourseProgramForm]:
    """The course program form for these rules: one group of settings per rule with any."""
    groups = {}
    for rule in rules:
        if rule.params:
            fields = {key: _param_field(spec) for key, spec in rule.params.items()}
            groups[settings_field_name(rule)] = FormField(
                type(f"Settings_{rule.name}", (SubForm,), fields), label=rule.label
            )
    return type("CourseProgramFormWithSettings", (CourseProgramForm,), groups)
