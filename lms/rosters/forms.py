"""Forms of the rosters feature."""

from __future__ import annotations

from decimal import Decimal

from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import CheckboxListField, Form, SubForm
from ..status.forms import choices
from .queries import EvaluationValue

PRACTICAL_CHOICES = choices([("", "Not recorded"), ("pass", "Pass"), ("fail", "Fail")])
SCORE_MESSAGE = "Scores are between 0 and 100."


def _two_places(form, field) -> None:
    """A score is kept to the hundredth: refused here, next to its field, not by the roster."""
    score = field.data
    if score is not None and score.is_finite() and score.normalize().as_tuple().exponent < -2:
        raise ValidationError("Scores have at most two decimal places.")


def _score_field(label: str) -> DecimalField:
    return DecimalField(
        label,
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100, message=SCORE_MESSAGE), _two_places],
    )


class EvaluationFields:
    """Result fields of each evaluation kind, each with its remarks (a form mixin)."""

    practical = SelectField("Practical", choices=PRACTICAL_CHOICES, default="")
    practical_remarks = StringField("Practical remarks", validators=[Length(max=2000)])
    written = _score_field("Written score")
    written_remarks = StringField("Written remarks", validators=[Length(max=2000)])
    teach_back = _score_field("Teach-back score")
    teach_back_remarks = StringField("Teach-back remarks", validators=[Length(max=2000)])

    def evaluation_values(self, kinds: tuple[str, ...]) -> list[EvaluationValue]:
        """The results entered, for the kinds the course's rule reads."""
        values = []
        for kind in kinds:
            remarks = (getattr(self, f"{kind}_remarks").data or "").strip()
            if kind == "practical":
                passed = {"pass": True, "fail": False}.get(self.practical.data)
                values.append(EvaluationValue(kind, passed=passed, remarks=remarks))
            else:
                score = getattr(self, kind).data
                values.append(
                    EvaluationValue(
                        kind, score=Decimal(score) if score is not None else None, remarks=remarks
                    )
                )
        return values

    @staticmethod
    def initial(evaluations: dict[str, EvaluationValue]) -> dict:
        """Field data showing recorded evaluations."""
        data = {}
        for kind, value in evaluations.items():
            data[f"{kind}_remarks"] = value.remarks
            if kind == "practical":
                data[kind] = {True: "pass", False: "fail"}.get(value.passed, "")
            else:
                data[kind] = value.score
        return data


class AttendanceForm(Form):
    """Who was at one meeting; everyone not ticked is marked absent."""

    present = SelectMultipleField("Present", coerce=int, validate_choice=False)
    save = SubmitField("Save attendance")
    everyone = SubmitField("Mark everyone present")


class EvaluationRowForm(EvaluationFields, SubForm):
    enrollment_id = HiddenField(validators=[InputRequired()])


class EvaluationsForm(Form):
    rows = FieldList(FormField(EvaluationRowForm))
    submit = SubmitField("Save results")


class FinalizeForm(Form):
    issue_certificates = BooleanField("Issue the certificates of everyone who completes")
    submit = SubmitField("Finalize roster")


class CorrectionForm(EvaluationFields, Form):
    """A change to one person's result after finalizing, with the reason for it."""

    present_meetings = CheckboxListField("Present at", coerce=int, validate_choice=False)
    reason = TextAreaField(
        "Reason for the correction",
        validators=[
            DataRequired(message="Give the reason for this correction."),
            Length(min=10, max=1000, message="Give a reason of 10 to 1,000 characters."),
        ],
    )
    submit = SubmitField("Record correction")
