"""The roster page's error summary for a refused change: what is wrong overall, then each
place to fix, linked to its control on the page (the ids the roster template gives them)."""

from __future__ import annotations

from collections.abc import Callable

from ..models import CourseSession, utcnow
from . import queries
from .forms import EvaluationsForm

#: The error summary above the roster: what is wrong overall, then (a field's id or None,
#: what to tell) for each place to fix, linked to the control on the page, and how many
#: places there are (more than are listed, when a long list is cut).
Summary = tuple[str, list[tuple[str | None, str]], int]
#: How a refused change sums itself up, from the roster as the page shows it.
Summarize = Callable[[queries.Roster, CourseSession], Summary]

#: Undecided people listed by name in the error summary, at most (then "…and N more").
UNDECIDED_SHOWN = 10


def attendance_summary(meeting_id: int, error: str) -> Summarize:
    """A refused attendance: the reason, and a link back to that day's list."""

    def summarize(roster: queries.Roster, session: CourseSession) -> Summary:
        for number, meeting in enumerate(session.meetings, start=1):
            if meeting.id == meeting_id and roster.entries and meeting.starts_at <= utcnow():
                first = f"present-{meeting.id}-{roster.entries[0].enrollment.id}"
                return f"Not saved. {error}", [(first, f"Day {number}: who was present")], 1
        return f"Not saved. {error}", [], 0

    return summarize


def evaluations_summary(form: EvaluationsForm) -> Summarize:
    """Refused results: each value not accepted, by person and field, linked to its control."""

    def summarize(roster: queries.Roster, session: CourseSession) -> Summary:
        links: list[tuple[str | None, str]] = []
        for index, row in enumerate(form.rows):
            entry = roster.entries[index] if index < len(roster.entries) else None
            name = entry.person.full_name if entry else f"Row {index + 1}"
            for field in row.form:
                messages = [str(m) for m in field.errors]
                if not messages:
                    continue
                if field.name.endswith("enrollment_id"):
                    links.append((None, "A row of the form was damaged: reload the page."))
                    continue
                kind = field.short_name.removesuffix("_remarks")
                shown = entry is not None and kind in roster.evaluation_kinds
                links.append(
                    (
                        field.id if shown else None,
                        f"{name}, {field.label.text}: {' '.join(messages)}",
                    )
                )
        links += [(None, str(m)) for f in form if f.name != "rows" for m in f.errors]
        problem = "Not saved. No result was recorded: correct these and save again."
        return problem, links, len(links)

    return summarize


def _missing_control(entry: queries.RosterEntry, index: int, roster, session) -> str | None:
    """The id of the first control on the page that would decide ``entry``'s result."""
    now = utcnow()
    for meeting in session.meetings:
        if meeting.starts_at <= now and entry.present_at(meeting.id) is None:
            return f"present-{meeting.id}-{entry.enrollment.id}"
    for kind in roster.evaluation_kinds:
        value = entry.evaluations.get(kind)
        if value is None or (value.passed is None and value.score is None):
            return f"rows-{index}-{kind}"
    return None


def _undecided_reason(entry: queries.RosterEntry) -> str:
    return entry.outcome.reason if entry.outcome else "no usable completion rule"


def finalize_summary(error: str, *, people_undecided: bool = False) -> Summarize:
    """A refused finalize: when refused for people undecided (``people_undecided``), once
    what is wrong, then each of them linked to the mark or result that is missing; any
    other refusal as it is."""

    def summarize(roster: queries.Roster, session: CourseSession) -> Summary:
        undecided = roster.undecided
        if not (people_undecided and undecided):
            return f"Not finalized. {error}", [], 0
        count = len(undecided)
        people = "1 person has" if count == 1 else f"{count} people have"
        problem = (
            f"Not finalized. {people} no result yet: "
            "record their attendance and results, then finalize."
        )
        index = {id(entry): n for n, entry in enumerate(roster.entries)}
        links: list[tuple[str | None, str]] = [
            (
                _missing_control(entry, index[id(entry)], roster, session),
                f"{entry.person.full_name} ({_undecided_reason(entry)})",
            )
            for entry in undecided[:UNDECIDED_SHOWN]
        ]
        return problem, links, count

    return summarize
