"""Forms of the scheduling feature: courses, sessions with their meetings, cancelling.

Times are typed as local wall-clock times in the session's zone; the session
form turns them into UTC instants (``meeting_times``, ``registration_window``)
while validating, so a skipped daylight-saving hour is a message on its field.
A time that happens twice (the hour repeated when the clocks go back) gets an
:class:`OccurrenceField` beside it naming both instants, and is refused until
one is chosen; a stored time in that hour fills the form with its own.
"""

from __future__ import annotations

from datetime import date, datetime, time

from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ..boundary import parse_id
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
from ..models import Audience
from .times import LocalTimeError, MeetingTime, instant_label, local_to_utc, occurrences

MAX_MEETINGS = 14
VISIBILITY_CHOICES = select_choices(
    [("private", "Signed-in people only"), ("public", "Anyone (public)")]
)


class CourseForm(Form):
    code = code_field("course")
    title = heading_field("Title", "course")
    description = description_field()
    audience = SelectField(
        "Meant for",
        choices=select_choices((a.value, a.label) for a in Audience),
        validators=[DataRequired()],
    )
    credit_hours = DecimalField(
        "Credit hours",
        places=2,
        validators=[
            InputRequired("Give the credit hours (0 if none)."),
            NumberRange(min=0, max=1000, message="Give a number from 0 to 1000."),
        ],
    )
    course_type = SelectField("Course type")
    completion_rule = SelectField("Completed by")
    certificate_layout = SelectField("Certificate layout")
    grants_track_id = SelectField("Completing it grants or renews", coerce=int)
    instructor_track_id = SelectField("Lead instructors must be current on", coerce=int)
    prerequisite_track_ids = CheckboxListField("Requires a current certification on", coerce=int)
    visibility = SelectField("Who sees it in the catalog", choices=VISIBILITY_CHOICES)
    submit = SubmitField("Save course")


#: An OccurrenceField's values, in fold order: the first instant, then the second.
OCCURRENCES = ("first", "second")


class OccurrenceField(SelectField):
    """Which of the two instants a wall-clock time that happens twice stands for.

    Offered (given choices) only for such a time; ``fold`` is None until one is chosen.
    """

    def __init__(self, label="Which one?", **kwargs):
        super().__init__(label, choices=[], validate_choice=False, **kwargs)

    @property
    def fold(self) -> int | None:
        return OCCURRENCES.index(self.data) if self.data in OCCURRENCES else None

    def offer(self, day: date, at: time, zone: str, typed: bool) -> None:
        """Offer the choice when ``day`` at ``at`` happens twice in ``zone``.

        A time not ``typed`` (filled from a stored instant) keeps its own occurrence.
        """
        both = occurrences(day, at, zone)
        if both is None:
            return
        self.choices = [
            ("", "Choose which one"),
            *zip(OCCURRENCES, (instant_label(m, zone) for m in both), strict=True),
        ]
        if not typed:
            self.data = OCCURRENCES[at.fold]


class MeetingForm(SubForm):
    """One block of class time; a row left entirely empty is ignored."""

    meeting_id = HiddenField()
    day = DateField("Date", validators=[Optional()])
    starts = TimeField("Starts", validators=[Optional()])
    starts_occurrence = OccurrenceField()
    ends = TimeField("Ends", validators=[Optional()])
    ends_occurrence = OccurrenceField()
    location = StringField(
        "Room (if not the session's)", validators=[Optional(), Length(max=255)], filters=[stripped]
    )

    @property
    def is_blank(self) -> bool:
        return not (self.day.raw_data and self.day.raw_data[0]) and not any(
            f.raw_data and f.raw_data[0] for f in (self.starts, self.ends, self.location)
        )


class SessionForm(Form):
    course_id = SelectField("Course", coerce=int)
    location = StringField(
        "Location",
        validators=[DataRequired("Say where it is held."), Length(max=255)],
        filters=[stripped],
    )
    capacity = IntegerField(
        "Capacity (seats)",
        validators=[
            InputRequired("Give the number of seats."),
            NumberRange(min=0, max=10000, message="The capacity cannot be below zero."),
        ],
    )
    group_seat_cap = IntegerField(
        "Most seats one community group may hold (empty: no limit)",
        validators=[Optional(), NumberRange(min=0, message="The cap cannot be below zero.")],
    )
    visibility = SelectField("Who may register", choices=VISIBILITY_CHOICES)
    registration_opens = DateTimeLocalField(
        "Registration opens (empty: now)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    registration_opens_occurrence = OccurrenceField("Registration opens: which one?")
    registration_closes = DateTimeLocalField(
        "Registration closes (empty: when the first meeting starts)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    registration_closes_occurrence = OccurrenceField("Registration closes: which one?")
    lead_ids = CheckboxListField("Lead instructors", coerce=int)
    assistant_ids = CheckboxListField("Assistant instructors", coerce=int)
    notes = TextAreaField("Notes", validators=[Length(max=2000)], filters=[stripped])
    meetings = FieldList(FormField(MeetingForm), min_entries=1, max_entries=MAX_MEETINGS)
    submit = SubmitField("Save session")

    def __init__(self, *args, zone_of=None, **kwargs):
        super().__init__(*args, **kwargs)
        # course id -> the IANA zone its sessions' times are typed in
        self.zone_of = zone_of or (lambda course_id: None)
        self.meeting_times: list[MeetingTime] = []
        self.meeting_errors: list[str] = []  # about the meetings as a whole
        self.registration_window: tuple[datetime | None, datetime | None] = (None, None)
        self._offer_occurrences()

    def _window_fields(self) -> list[tuple[DateTimeLocalField, OccurrenceField]]:
        return [
            (self.registration_opens, self.registration_opens_occurrence),
            (self.registration_closes, self.registration_closes_occurrence),
        ]

    def _offer_occurrences(self) -> None:
        """Beside each time that happens twice, the choice of its two instants."""
        zone = self.zone_of(self.course_id.data)
        if zone is None:
            return
        for f, choice in self._window_fields():
            if f.data is not None:
                choice.offer(f.data.date(), f.data.time(), zone, typed=f.raw_data is not None)
        for entry in self.meetings:
            row: MeetingForm = entry.form
            for f, choice in ((row.starts, row.starts_occurrence), (row.ends, row.ends_occurrence)):
                if row.day.data is not None and f.data is not None:
                    choice.offer(row.day.data, f.data, zone, typed=f.raw_data is not None)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        zone = self.zone_of(self.course_id.data)
        if zone is None:
            return False
        ok = self._check_meetings(zone) and ok
        ok = self._check_window(zone) and ok
        overlap = set(self.lead_ids.data or []) & set(self.assistant_ids.data or [])
        if overlap:
            self.assistant_ids.errors.append("Someone cannot be both lead and assistant.")
            ok = False
        return ok

    def _check_meetings(self, zone: str) -> bool:
        ok = True
        times: list[MeetingTime] = []
        for entry in self.meetings:
            row: MeetingForm = entry.form
            if row.is_blank:
                continue
            for f in (row.day, row.starts, row.ends):
                if f.data is None and not f.errors:
                    f.errors.append(f"Give the {f.label.text.lower()}.")
            if row.errors:
                ok = False
                continue
            try:
                starts = local_to_utc(
                    row.day.data, row.starts.data, zone, row.starts_occurrence.fold
                )
            except LocalTimeError as exc:
                row.starts.errors.append(str(exc))
                ok = False
                continue
            try:
                ends = local_to_utc(row.day.data, row.ends.data, zone, row.ends_occurrence.fold)
            except LocalTimeError as exc:
                row.ends.errors.append(str(exc))
                ok = False
                continue
            if ends <= starts:
                row.ends.errors.append("The end must be after the start.")
                ok = False
                continue
            meeting_id = parse_id(row.meeting_id.data)
            times.append(MeetingTime(meeting_id, starts, ends, row.location.data or None))
        if ok and not times:
            self.meeting_errors.append("Add at least one meeting: a date, a start and an end.")
            ok = False
        times.sort(key=lambda t: t.starts_at)
        for before, after in zip(times, times[1:], strict=False):
            if after.starts_at < before.ends_at:
                self.meeting_errors.append(
                    "Two meetings overlap; a session's meetings follow each other."
                )
                ok = False
                break
        self.meeting_times = times
        return ok

    def _check_window(self, zone: str) -> bool:
        ok = True
        window: list[datetime | None] = []
        for f, choice in self._window_fields():
            if f.data is None:
                window.append(None)
                continue
            try:
                window.append(local_to_utc(f.data.date(), f.data.time(), zone, choice.fold))
            except LocalTimeError as exc:
                f.errors.append(str(exc))
                window.append(None)
                ok = False
        opens, closes = window
        if opens and closes and closes <= opens:
            self.registration_closes.errors.append("Registration must close after it opens.")
            ok = False
        first = self.meeting_times[0].starts_at if self.meeting_times else None
        if closes and first and closes > first:
            self.registration_closes.errors.append(
                "Registration must close by the time the first meeting starts."
            )
            ok = False
        self.registration_window = (opens, closes)
        return ok


class CancelSessionForm(Form):
    reason = TextAreaField(
        "Why is it cancelled? (everyone enrolled will see this)",
        validators=[DataRequired("Say why the session is cancelled."), Length(max=1000)],
        filters=[stripped],
    )
    submit = SubmitField("Cancel the session")


class RetireCourseForm(Form):
    submit = SubmitField("Retire course")
