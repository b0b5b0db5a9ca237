"""Certification programs, for administrators: tracks, renewal paths, courses' rules.

A track change that moves earned cycles is shown first (who, old → new due
date) and applied only when the admin confirms that very preview: the form
carries the preview's fingerprint, and a changed impact is shown again.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..auth.policy import ADMIN, allow, current_person
from ..core import db_session, registries
from ..enrollment.forms import select_choices
from ..models import CertificationTrack, Course, RenewalBasis, RenewalMethod
from ..scheduling import queries as scheduling_queries
from ..status.queries import all_tracks
from . import operations, queries
from .drafts import TrackDraft
from .forms import TrackForm, course_program_form, settings_field_name


def _show_problems(form, error: operations.ProgramError) -> None:
    db_session().rollback()
    for field_name, message in error.problems:
        getattr(form, field_name).errors.append(message)


@allow(ADMIN)
def index():
    return render_template(
        "lms/programs/index.html",
        tracks=all_tracks(),
        courses=scheduling_queries.all_courses(),
        rules=registries().completion_rules,
    )


# --- tracks --------------------------------------------------------------------------


def _track_or_404(track_id: int) -> CertificationTrack:
    track = queries.track_by_id(track_id)
    if track is None:
        abort(404)
    return track


def _track_form_choices(form: TrackForm) -> None:
    courses = [
        (c.id, f"{c.code} — {c.title}" + ("" if c.active else " (retired)"))
        for c in scheduling_queries.all_courses()
    ]
    form.completing_course_ids.choices = select_choices(courses)
    form.teaching_course_ids.choices = select_choices(courses)


def _track_data(track: CertificationTrack) -> dict:
    def paths(method: RenewalMethod) -> list[int]:
        return [p.course_id for p in track.renewal_paths if p.method is method]

    return {
        "code": track.code,
        "name": track.name,
        "description": track.description,
        "validity_months": track.validity_months,
        "renewal_window_days": track.renewal_window_days,
        "due_soon_days": track.due_soon_days,
        "renewal_basis": track.renewal_basis.value,
        "qualifies_instructors": track.qualifies_instructors,
        "completing_course_ids": paths(RenewalMethod.COMPLETE_COURSE),
        "teaching_course_ids": paths(RenewalMethod.TEACH_SESSION),
    }


def _track_draft(form: TrackForm) -> TrackDraft:
    return TrackDraft(
        code=form.code.data,
        name=form.name.data,
        description=form.description.data or "",
        validity_months=form.validity_months.data,
        renewal_window_days=form.renewal_window_days.data,
        due_soon_days=(
            form.renewal_window_days.data
            if form.due_soon_days.data is None
            else form.due_soon_days.data
        ),
        renewal_basis=RenewalBasis(form.renewal_basis.data),
        qualifies_instructors=bool(form.qualifies_instructors.data),
        completing_course_ids=list(form.completing_course_ids.data or []),
        teaching_course_ids=list(form.teaching_course_ids.data or []),
    )


@allow(ADMIN)
def track_page(track_id: int):
    track = _track_or_404(track_id)
    return render_template(
        "lms/programs/track.html",
        track=track,
        courses=queries.track_courses(track),
        history=queries.history(track),
    )


@allow(ADMIN)
def new_track():
    form = TrackForm()
    _track_form_choices(form)
    if form.validate_on_submit():
        try:
            track = operations.create_track(_track_draft(form), current_person())
        except operations.ProgramError as exc:
            _show_problems(form, exc)
        else:
            db_session().commit()
            flash(f"Track {track.code} is created.", "success")
            return redirect(url_for("lms.programs.track", track_id=track.id))
    status = 400 if request.method == "POST" else 200
    return render_template("lms/programs/track_form.html", form=form, track=None), status


@allow(ADMIN)
def edit_track(track_id: int):
    track = _track_or_404(track_id)
    form = TrackForm() if request.method == "POST" else TrackForm(data=_track_data(track))
    _track_form_choices(form)
    impact, stale = None, False
    if form.validate_on_submit():
        draft = _track_draft(form)
        try:
            operations.check_draft(track, draft)
        except operations.ProgramError as exc:
            _show_problems(form, exc)
        else:
            impact = queries.track_impact(track, draft)
            confirmed = request.form.get("action") == "apply"
            if not impact.moves_cycles or (
                confirmed and form.fingerprint.data == impact.fingerprint
            ):
                return _apply_track(track, draft)
            # Asked to apply a preview that no longer holds: nothing changes, show it again.
            stale = confirmed
            form.fingerprint.data = impact.fingerprint
    status = 400 if request.method == "POST" and impact is None else 200
    return render_template(
        "lms/programs/track_form.html", form=form, track=track, impact=impact, stale=stale
    ), status


def _apply_track(track: CertificationTrack, draft: TrackDraft):
    update = operations.update_track(track, draft, current_person())
    db_session().commit()
    report = update.report
    if not update.changes:
        flash("Nothing changed.", "info")
    elif report.revoked:
        flash(
            f"{track.name} is saved. {len(report.revoked)} cycle(s) planned again: "
            f"{len(report.granted)} new cycle(s) recorded, the old ones revoked with the reason.",
            "success",
        )
    else:
        flash(f"{track.name} is saved; no earned cycle changed.", "success")
    return redirect(url_for("lms.programs.track", track_id=track.id))


# --- a course's program: completion rule, its settings, prerequisites --------------------


def _course_or_404(code: str) -> Course:
    course = scheduling_queries.course_by_code(code)
    if course is None:
        abort(404)
    return course


def _program_data(course: Course) -> dict:
    data = {
        "completion_rule": course.completion_rule,
        "prerequisite_track_ids": [p.track_id for p in course.prerequisites],
    }
    if course.completion_rule in registries().completion_rules:
        rule = registries().completion_rules.get(course.completion_rule)
        data[settings_field_name(rule)] = dict(course.completion_params or {})
    return data


def _given_settings(form, rule) -> dict:
    """The settings typed for ``rule``; a field left empty takes the rule's default."""
    if not rule.params:
        return {}
    group = getattr(form, settings_field_name(rule))
    return {field.short_name: field.data for field in group if field.data != ""}


@allow(ADMIN)
def course_program(code: str):
    course = _course_or_404(code)
    rules = registries().completion_rules
    form_class = course_program_form(list(rules))
    form = form_class() if request.method == "POST" else form_class(data=_program_data(course))
    form.completion_rule.choices = select_choices(rules.choices())
    form.prerequisite_track_ids.choices = select_choices([(t.id, t.name) for t in all_tracks()])
    if form.validate_on_submit():
        rule = rules.get(form.completion_rule.data)
        given = _given_settings(form, rule)
        problems = rule.param_problems(given)
        for key, message in problems.items():
            field = (
                getattr(form, settings_field_name(rule)).form[key] if key else form.completion_rule
            )
            field.errors = [*field.errors, message[:1].upper() + message[1:] + "."]
        if not problems:
            params = {key: rule.params[key].convert(value) for key, value in given.items()}
            changes = operations.set_course_program(
                course, rule.name, params, form.prerequisite_track_ids.data or [], current_person()
            )
            db_session().commit()
            flash(
                f"{course.code} is saved." if changes else "Nothing changed.",
                "success" if changes else "info",
            )
            return redirect(url_for("lms.programs.course", code=course.code))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "lms/programs/course.html",
        course=course,
        form=form,
        rules=rules,
        settings_field_name=settings_field_name,
        history=queries.history(course),
    ), status
