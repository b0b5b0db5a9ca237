"""The forms every feature builds on: the input boundary applied to every field.

Every LMS form inherits :class:`Form` (CSRF-protected, from Flask-WTF) or, for a
form nested in another (a row of a table), :class:`SubForm`. Their ``Meta``
adds the checks of :mod:`lms.boundary` to each field by its kind, so a field
added later is covered without a line of its own:

- text fields refuse control characters (text areas allow line breaks);
- whole-number fields, and choices coerced to numbers, refuse values no
  database column holds; decimal fields refuse NaN and infinity;
- date fields refuse years before 1900 or after 2200.

Names take :class:`PersonName` explicitly, which also refuses invisible and
bidirectional-override characters, and warns of characters no certificate prints.

Fields several features declare alike (a person's full name, a catalog entry's
code, name and description) are built here once, by functions that return the
field, so that each form still reads as the list of its fields.
"""

from __future__ import annotations

import math
from decimal import Decimal

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Form as PlainForm
from wtforms import SelectMultipleField, StringField, TextAreaField, fields
from wtforms.validators import DataRequired, Length, Regexp, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .boundary import MAX_INT, MIN_INT, date_problem, name_problem, text_problem
from .credentials.fonts import unprintable_characters


class CleanText:
    """No control characters (line breaks allowed when ``multiline``)."""

    field_flags: dict = {}

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field) -> None:
        values = field.data if isinstance(field.data, list) else [field.data]
        for value in values:
            if isinstance(value, str):
                problem = text_problem(value, multiline=self.multiline)
                if problem:
                    raise StopValidation(problem)


class PersonName:
    """A name as it will print: no control, invisible or direction-changing characters.

    A name with characters no certificate font prints (an emoji, a script no
    shipped font covers) is kept, with a warning: its certificates will be refused
    until it is corrected, so whoever types it hears so now, not at issuance.
    """

    field_flags: dict = {}

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str):
            problem = name_problem(field.data)
            if problem:
                raise StopValidation(problem)
            missing = unprintable_characters(field.data)
            if missing:
                flash(unprintable_warning(field.data, missing), "warning")


def unprintable_warning(name: str, missing: list[str]) -> str:
    """The entry-time warning for a name certificates cannot print."""
    return (
        f"“{name}” has characters no certificate can print ({', '.join(missing)}); "
        "it is saved, but its certificates will be refused until it is corrected."
    )


class WholeNumberInRange:
    """A number the database can store; anything else would fail on the way in."""

    field_flags: dict = {}

    def __call__(self, form, field) -> None:
        values = field.data if isinstance(field.data, list) else [field.data]
        for value in values:
            if isinstance(value, int) and not MIN_INT <= value <= MAX_INT:
                raise StopValidation("That number is too large.")


class FiniteNumber:
    """A number, not NaN or infinity (``Decimal("sNaN")`` even breaks range checks)."""

    field_flags: dict = {}

    def __call__(self, form, field) -> None:
        value = field.data
        if isinstance(value, Decimal):
            finite = value.is_finite()
        elif isinstance(value, float):
            finite = math.isfinite(value)
        else:  # empty
            return
        if not finite:
            raise StopValidation("Enter a number.")


class SaneDate:
    """A date between 1900 and 2200."""

    field_flags: dict = {}

    def __call__(self, form, field) -> None:
        problem = date_problem(field.data)
        if problem:
            raise ValidationError(problem)


def _boundary_checks(field) -> list:
    kind = field.field_class
    if issubclass(kind, fields.TextAreaField):
        return [CleanText(multiline=True)]
    if issubclass(kind, fields.StringField):  # also email, password, search, hidden
        return [CleanText()]
    if issubclass(kind, fields.IntegerField):
        return [WholeNumberInRange()]
    if issubclass(kind, (fields.DecimalField, fields.FloatField)):
        return [FiniteNumber()]
    if issubclass(kind, (fields.SelectField, fields.SelectMultipleField, fields.RadioField)):
        return [CleanText(), WholeNumberInRange()]
    if issubclass(kind, (fields.DateField, fields.DateTimeField, fields.DateTimeLocalField)):
        return [SaneDate()]
    return []


class _BoundaryMeta:
    def bind_field(self, form, unbound_field, options):
        checks = _boundary_checks(unbound_field)
        if not checks:
            return unbound_field.bind(form=form, **options)
        # A copy for this form: the class's field stays as declared.
        args, kwargs = list(unbound_field.args), dict(unbound_field.kwargs)
        # First, so that no other validator sees the raw value.
        if len(args) > 1:  # validators given by position
            args[1] = [*checks, *(args[1] or [])]
        else:
            kwargs["validators"] = [*checks, *(kwargs.get("validators") or [])]
        return fields.core.UnboundField(unbound_field.field_class, *args, **kwargs).bind(
            form=form, **options
        )


class Form(FlaskForm):
    """A CSRF-protected LMS form with the input boundary on every field."""

    class Meta(_BoundaryMeta, FlaskForm.Meta):
        pass


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes: no Ctrl-click, and each one labelled.

    Render it in a fieldset whose legend is the label (``lms/_checkbox_list.html``),
    which can add a filter box for a long list.
    """

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubForm(PlainForm):
    """A form nested in another (``FormField``): the boundary, no CSRF of its own."""

    class Meta(_BoundaryMeta, PlainForm.Meta):
        pass


# --- filters and fields several features share -------------------------------------


def stripped(value):
    """Text without white space at its ends (other values as they are)."""
    return value.strip() if isinstance(value, str) else value


def single_spaced(value):
    """Text with each run of white space made one space, none at the ends."""
    return " ".join(value.split()) if isinstance(value, str) else value


def _code_typed(value):
    return value.strip().upper() if isinstance(value, str) else value


def full_name_field(required: str) -> StringField:
    """A person's full name as it will print; ``required`` is the message when it is empty."""
    return StringField(
        "Full name",
        validators=[DataRequired(required), Length(max=200), PersonName()],
        filters=[single_spaced],
    )


def code_field(thing: str) -> StringField:
    """The code of a catalog entry (a course, a track: ``ALERRT-REFRESH``), typed in any case."""
    return StringField(
        "Code",
        validators=[
            DataRequired(f"Give the {thing} a code."),
            Length(max=40),
            Regexp(r"^[A-Z0-9][A-Z0-9-]*$", message="Use capital letters, digits and dashes."),
        ],
        filters=[_code_typed],
    )


def heading_field(label: str, thing: str) -> StringField:
    """What a catalog entry is called, e.g. ``heading_field("Title", "course")``."""
    return StringField(
        label,
        validators=[DataRequired(f"Give the {thing} a {label.lower()}."), Length(max=200)],
        filters=[stripped],
    )


def description_field() -> TextAreaField:
    """A catalog entry's description (optional)."""
    return TextAreaField("Description", validators=[Length(max=5000)], filters=[stripped])


# --- telling what went wrong -------------------------------------------------------


def error_links(form) -> list[tuple[str | None, str]]:
    """Each problem of a submitted form as (the field's id, what to tell), in field order.

    The error summary at the top of a form links each to its field; problems with
    the form as a whole (an expired CSRF token, ``form_errors``) have no field.
    """
    found: list[tuple[str | None, str]] = []
    for field in form:
        found += _field_error_links(field)
    found += [(None, message) for message in getattr(form, "form_errors", [])]
    return found


def _field_error_links(field, prefix: str = "") -> list[tuple[str | None, str]]:
    if isinstance(field, fields.FormField):
        return [link for sub in field.form for link in _field_error_links(sub, prefix)]
    if isinstance(field, fields.FieldList):
        # "Meetings 2, Date: ...": which row, since every row's fields share their labels.
        return [
            link
            for number, entry in enumerate(field.entries, start=1)
            for link in _field_error_links(entry, f"{prefix}{field.label.text} {number}, ")
        ]
    messages = [m for m in field.errors if isinstance(m, str)]
    if not messages:
        return []
    if field.type in ("CSRFTokenField", "HiddenField"):
        return [(None, " ".join(messages))]
    label = field.label.text.split(" (")[0].strip() or field.name
    joint = " " if label.endswith(("?", ":")) else ": "  # "Why is it cancelled? Say why..."
    return [(field.id, f"{prefix}{label}{joint}{' '.join(messages)}")]
