"""Roster pages: attendance, results, finalizing and corrections."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from .. import panels
from ..auth.policy import (
    SIGNED_IN,
    TEACHING,
    allow,
    current_person,
    has_any_role,
    is_staff,
    require,
)
from ..boundary import parse_id
from ..core import db_session, to_local
from ..credentials import operations as certificate_operations
from ..credentials.queries import issue_refusal
from ..models import CourseSession, Person, Role, utcnow
from ..status.cycle_writes import GrantReport
from ..status.forms import choices
from ..status.qualification import unqualified_leads
from . import marks, operations, queries
from .forms import AttendanceForm, CorrectionForm, EvaluationFields, EvaluationsForm, FinalizeForm
from .marks import RosterError
from .summaries import (
    Summarize,
    attendance_summary,
    evaluations_summary,
    finalize_summary,
)


def _viewer() -> Person:
    return current_person()


def _session(session_id: int, viewer: Person) -> CourseSession:
    """The session, if the viewer keeps its roster (404 otherwise: not even its existence)."""
    session = db_session().get(CourseSession, session_id)
    require(session is not None and queries.can_view_roster(viewer, session), hide=True)
    return session


def _roster_url(session: CourseSession) -> str:
    return url_for("lms.rosters.roster", session_id=session.id)


def _evaluations_form(roster: queries.Roster) -> EvaluationsForm:
    rows = [
        {"enrollment_id": str(e.enrollment.id), **EvaluationFields.initial(e.evaluations)}
        for e in roster.entries
    ]
    return EvaluationsForm(formdata=None, data={"rows": rows})


def _form_errors(form) -> str:
    """The messages of a flat form's fields, for the error box above the roster."""
    messages = [str(m) for name, errors in form.errors.items() for m in errors]
    return " ".join(messages) or "Some values were not accepted."


def _render_roster(
    session_id: int,
    viewer: Person,
    *,
    error: str | None = None,
    summarize: Summarize | None = None,
    evaluations_form: EvaluationsForm | None = None,
    status: int = 200,
):
    session = _session(session_id, viewer)
    roster = queries.load_roster(session)
    day = queries.completion_day(session)
    problem, links, count = (
        summarize(roster, session)
        if summarize
        else (f"Not saved. {error}" if error else None, [], 0)
    )
    context = {
        "session": session,
        "roster": roster,
        "error": problem,
        "error_links": links,
        "error_count": count,
        "attendance_form": AttendanceForm(formdata=None),
        "evaluations_form": evaluations_form or _evaluations_form(roster),
        "finalize_form": FinalizeForm(formdata=None),
        "finalize_refusal": queries.finalize_refusal(viewer, session),
        "may_issue": issue_refusal(viewer, session) is None,
        "panels": panels.roster_page.render(viewer, session),
        "lead_problems": unqualified_leads(session, day) if day else [],
        "corrections": queries.corrections([e.enrollment.id for e in roster.entries]),
        "labels": queries.EVALUATION_LABELS,
        "now": utcnow(),
    }
    return render_template("lms/rosters/roster.html", **context), status


@allow(TEACHING)
def roster_list():
    viewer = _viewer()
    if not (is_staff(viewer) or has_any_role(viewer, Role.INSTRUCTOR)):
        abort(403)
    return render_template(
        "lms/rosters/list.html",
        to_finalize=queries.sessions_with_rosters(viewer, finalized=False),
        finalized=queries.sessions_with_rosters(viewer, finalized=True),
    )


@allow(SIGNED_IN)
def roster(session_id: int):
    return _render_roster(session_id, _viewer())


def _refused(session_id: int, viewer: Person, exc: RosterError, **kwargs):
    db_session().rollback()
    return _render_roster(session_id, viewer, error=str(exc), status=400, **kwargs)


@allow(SIGNED_IN)
def record_attendance(session_id: int, meeting_id: int):
    viewer = _viewer()
    session = _session(session_id, viewer)
    form = AttendanceForm()
    if not form.validate_on_submit():
        summarize = attendance_summary(meeting_id, _form_errors(form))
        return _render_roster(session.id, viewer, summarize=summarize, status=400)
    try:
        present, absent = marks.record_attendance(
            session.id, meeting_id, form.present.data or [], viewer, everyone=form.everyone.data
        )
    except RosterError as exc:
        return _refused(session_id, viewer, exc, summarize=attendance_summary(meeting_id, str(exc)))
    db_session().commit()
    flash(f"Attendance saved: {present} present, {absent} absent.", "success")
    return redirect(_roster_url(session))


@allow(SIGNED_IN)
def record_evaluations(session_id: int):
    viewer = _viewer()
    session = _session(session_id, viewer)
    form = EvaluationsForm()
    if not form.validate_on_submit():
        return _render_roster(
            session.id,
            viewer,
            summarize=evaluations_summary(form),
            evaluations_form=form,
            status=400,
        )
    rule, _, _ = queries.resolve_rule(session)
    kinds = queries.rule_evaluations(rule)
    results = {}
    for row in form.rows:
        enrollment_id = parse_id(row.form.enrollment_id.data)
        if enrollment_id is None:
            return _render_roster(
                session.id, viewer, error="A row of the form was damaged.", status=400
            )
        results[enrollment_id] = row.form.evaluation_values(kinds)
    try:
        changed = marks.record_evaluations(session.id, results, viewer)
    except RosterError as exc:
        return _refused(session_id, viewer, exc, evaluations_form=form)
    db_session().commit()
    flash(
        f"Results saved ({changed} change{'s' if changed != 1 else ''})."
        if changed
        else "No results changed.",
        "success",
    )
    return redirect(_roster_url(session))


@allow(SIGNED_IN)
def finalize(session_id: int):
    viewer = _viewer()
    session = _session(session_id, viewer)
    form = FinalizeForm()
    if not form.validate_on_submit():
        summarize = finalize_summary(_form_errors(form))
        return _render_roster(session.id, viewer, summarize=summarize, status=400)
    try:
        report = operations.finalize_roster(session.id, viewer)
        # Asked for together, so refused together: a refused issue leaves the roster open.
        issued = (
            certificate_operations.issue_certificates(viewer, session.id)
            if form.issue_certificates.data
            else None
        )
    except (RosterError, certificate_operations.CertificateError) as exc:
        summarize = finalize_summary(
            str(exc), people_undecided=isinstance(exc, marks.PeopleUndecided)
        )
        return _refused(session_id, viewer, exc, summarize=summarize)
    db_session().commit()
    summary = (
        f"Roster finalized: {len(report.completed)} completed, "
        f"{len(report.not_completed)} did not complete."
    )
    granted = report.certifications.granted + report.teaching.granted
    if granted:
        summary += f" {len(granted)} certification cycle{'s' if len(granted) != 1 else ''} granted."
    flash(summary, "success")
    for note in report.certifications.notes + report.teaching.notes:
        flash(f"No new cycle for {note}.", "info")
    for cycle in report.certifications.revoked + report.teaching.revoked:
        flash(_revoked_message(cycle), "info")
    if issued is not None:
        noun = "certificate" if len(issued.issued) == 1 else "certificates"
        flash(f"Issued {len(issued.issued)} {noun}.", "success")
        for refusal in issued.refused:
            flash(refusal, "error")
    return redirect(_roster_url(session))


def _revoked_message(cycle) -> str:
    return (
        f"Revoked {cycle.track.name} cycle {cycle.cycle} of {cycle.person.full_name} "
        f"(valid to {cycle.expires_on:%d %b %Y}): {cycle.revoke_reason}"
    )


def _flash_cycles(report: GrantReport) -> None:
    """What a correction did to certification cycles, in words."""
    for cycle in report.revoked:
        flash(_revoked_message(cycle), "info")
    for cycle in report.granted:
        flash(
            f"Granted {cycle.track.name} cycle {cycle.cycle}: valid "
            f"{cycle.valid_from:%d %b %Y} to {cycle.expires_on:%d %b %Y}.",
            "info",
        )
    for note in report.notes:
        flash(f"No new cycle for {note}.", "info")


@allow(SIGNED_IN)
def correction(session_id: int, enrollment_id: int):
    viewer = _viewer()
    session = _session(session_id, viewer)
    if session.roster_finalized_at is None:
        flash("This roster is not finalized yet: change attendance and results directly.", "info")
        return redirect(_roster_url(session))
    roster = queries.load_roster(session)
    entry = roster.entry(enrollment_id)
    require(entry is not None, hide=True)
    refusal = queries.finalize_refusal(viewer, session)
    kinds = roster.evaluation_kinds
    if refusal is None:
        form = CorrectionForm(
            data={
                "present_meetings": [m for m, here in entry.attendance.items() if here],
                **EvaluationFields.initial(entry.evaluations),
            }
        )
    else:
        form = CorrectionForm(formdata=None)
    form.present_meetings.choices = choices(
        (m.id, f"{to_local(m.starts_at, session.timezone):%a %d %b %Y}") for m in session.meetings
    )
    error = None
    if refusal is None and form.validate_on_submit():
        try:
            report = operations.correct_result(
                session.id,
                enrollment_id,
                present_meeting_ids=form.present_meetings.data or [],
                evaluations=form.evaluation_values(kinds),
                reason=form.reason.data,
                actor=viewer,
            )
        except RosterError as exc:
            db_session().rollback()
            error = str(exc)
        else:
            db_session().commit()
            change = (
                f"{report.status_before.label} → {report.status_after.label}"
                if report.status_before is not report.status_after
                else f"still {report.status_after.label.lower()}"
            )
            flash(f"Correction recorded for {entry.person.full_name}: {change}.", "success")
            _flash_cycles(report.certifications)
            return redirect(_roster_url(session))
    elif form.is_submitted() and refusal is None:
        error = _form_errors(form)
    if error:
        session = _session(session_id, viewer)
        roster = queries.load_roster(session)
        entry = roster.entry(enrollment_id)
    body = render_template(
        "lms/rosters/correction.html",
        session=session,
        roster=roster,
        entry=entry,
        form=form,
        kinds=kinds,
        labels=queries.EVALUATION_LABELS,
        refusal=refusal,
        error=error,
        history=queries.corrections([enrollment_id]),
    )
    return body, (400 if error else 403 if refusal and form.is_submitted() else 200)


# --- panels on shared pages ----------------------------------------------------------


def dashboard_panel(person: Person) -> dict | None:
    """Rosters waiting to be finalized, for instructors and coordinators."""
    if not (is_staff(person) or has_any_role(person, Role.INSTRUCTOR)):
        return None
    waiting = queries.sessions_with_rosters(person, finalized=False, limit=6)
    if not waiting:
        return None
    return {"sessions": waiting[:5], "more": len(waiting) > 5}


def session_panel(viewer: Person | None, session: CourseSession) -> dict | None:
    """A link to the roster for those who keep it, with any problem with the leads."""
    if viewer is None or not queries.can_view_roster(viewer, session):
        return None
    day = queries.completion_day(session)
    return {
        "session": session,
        "lead_problems": unqualified_leads(session, day) if day else [],
        # Once class has begun, attendance is the next thing to do here.
        "begun": session.starts_at is not None and session.starts_at <= utcnow(),
    }
