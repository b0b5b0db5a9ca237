"""Compliance pages and exports for coordinators and administrators."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Response, abort, render_template, request, url_for
from markupsafe import Markup

from ..auth.policy import STAFF, allow, current_person, is_staff
from ..boundary import parse_id
from ..core import audit, db_session, local_today
from ..models import CourseSession, Organization, OrganizationKind, Person
from ..status import queries as status_queries
from ..status.forms import choices
from ..status.queries import STATE_ORDER, CertificationState
from . import kept, queries, renderers
from .forms import ComplianceFilterForm, HoursFilterForm, PostRosterFilterForm
from .periods import PeriodError, configured_start, period_from_key, recent_periods


def _staff() -> Person:
    return current_person()  # the routes are STAFF only


def _organization_param(viewer: Person) -> tuple[int | None, set[int] | None]:
    """The ?organization= filter and the resulting scope; 404 for one not managed."""
    raw = request.args.get("organization", "").strip()
    if not raw:
        return None, queries.scope_for(viewer)
    organization_id = parse_id(raw)
    if organization_id is None:
        abort(400, "The agency filter must be an agency of the list.")
    scope = queries.scope_for(viewer, organization_id)
    if not scope or not queries.organizations(scope):
        abort(404)
    return organization_id, scope


def _organization_choices(managed: list[Organization]) -> list:
    return choices([("", "All agencies you manage")] + [(o.id, o.name) for o in managed])


def _compliance_form(viewer: Person):
    """The form, its filters, the scope, the scope's organizations (by name), and every
    organization the viewer manages."""
    organization_id, scope = _organization_param(viewer)
    managed = queries.organizations(queries.scope_for(viewer))
    form = ComplianceFilterForm(formdata=request.args)
    tracks = status_queries.all_tracks()
    form.track.choices = choices([("", "All certifications")] + [(t.id, t.name) for t in tracks])
    form.organization.choices = _organization_choices(managed)
    form.state.choices = choices([("", "Any status")] + queries.state_choices())
    if not form.validate():
        abort(400, "Some filters were not understood: " + _errors(form))
    filters = queries.Filters(
        track_id=int(form.track.data) if form.track.data else None,
        organization_id=organization_id,
        state=CertificationState(form.state.data) if form.state.data else None,
        due_before=form.due_before.data,
        name=(form.name.data or "").strip(),
        page=form.page.data or 1,
    )
    return form, filters, scope, [o for o in managed if scope is None or o.id in scope], managed


def _errors(form) -> str:
    return "; ".join(
        f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()
    )


def _csv_response(body: bytes, filename: str) -> Response:
    filename = re.sub(r"[^A-Za-z0-9._-]+", "-", filename)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _audit_export(viewer: Person, kind: str, rows: int) -> None:
    audit(
        "compliance.exported",
        actor=viewer,
        object_type="report",
        object_id=kind,
        details={"query": request.query_string.decode("utf-8", "replace"), "rows": rows},
    )
    db_session().commit()


@allow(STAFF)
def overview():
    viewer = _staff()
    form, filters, scope, orgs, managed = _compliance_form(viewer)
    report = queries.compliance_report(scope, filters, orgs=orgs)
    # The agency filter offers the agencies, and any community group with someone
    # counted (hundreds of groups, mostly of civilians who hold no certification).
    counted = {a.organization.id for summary in report.summaries for a in summary.agencies}
    form.organization.choices = _organization_choices(
        [
            o
            for o in managed
            if o.kind is not OrganizationKind.COMMUNITY_GROUP
            or o.id in counted
            or o.id == filters.organization_id
        ]
    )
    # The agencies' links share one address: built once, not once per cell (hundreds).
    overview_url = url_for("lms.compliance.overview")
    sections = kept.remember(
        kept.key("compliance sections", report.day, scope, report.tracks)
        + (filters.track_id, overview_url),
        lambda: tuple(_track_section(summary, overview_url) for summary in report.summaries),
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "lms/compliance/overview.html",
        form=form,
        report=report,
        sections=sections,
        args=args,
    )


def _track_section(summary: queries.TrackSummary, overview_url: str) -> Markup:
    """A track's chart and table of counts by agency (kept with the report's counts)."""
    chart = renderers.compliance_charts(
        f"{summary.track.name}: who is current, by agency",
        [
            (a.organization.name, {k.value: v for k, v in a.counts.items()})
            for a in summary.agencies
        ],
        [(s.value, s.label) for s in STATE_ORDER],
        chart_id=f"chart-{summary.track.id}",
    )
    return Markup(  # noqa: S704 - the template escaped what it drew from
        render_template(
            "lms/compliance/_track_summary.html",
            summary=summary,
            chart=chart,
            states=STATE_ORDER,
            overview_url=overview_url,
        )
    )


@allow(STAFF)
def export_csv():
    viewer = _staff()
    _, filters, scope, orgs, _ = _compliance_form(viewer)
    day = local_today()
    names = {o.id: o.name for o in orgs}
    rows = renderers.compliance_rows(queries.compliance_rows(scope, filters, day), names)
    _audit_export(viewer, "compliance", len(rows))
    return _csv_response(
        renderers.csv_bytes(renderers.COMPLIANCE_HEADER, rows), f"compliance-{day.isoformat()}.csv"
    )


def _hours_context(viewer: Person):
    organization_id, scope = _organization_param(viewer)
    start = configured_start()
    today = local_today()
    form = HoursFilterForm(formdata=request.args)
    try:
        period = period_from_key(request.args.get("period", "").strip(), today, start)
    except PeriodError as exc:
        abort(400, str(exc))
    periods = recent_periods(today, start, count=6)
    if period not in periods:
        periods = sorted([*periods, period], key=lambda p: p.start, reverse=True)
    form.period.choices = choices((p.key, p.label) for p in periods)
    form.period.data = period.key
    form.organization.choices = _organization_choices(
        queries.organizations(queries.scope_for(viewer))
    )
    ledger = queries.hours_ledger(scope, period)
    return form, period, scope, ledger


@allow(STAFF)
def hours():
    viewer = _staff()
    form, period, scope, ledger = _hours_context(viewer)
    names = {o.id: o.name for o in queries.organizations(scope)}
    totals: dict[int, list] = {}
    for row in ledger:
        total = totals.setdefault(row.organization_id, [0, 0, 0])
        total[0] += 1
        total[1] += row.completions
        total[2] += row.hours
    return render_template(
        "lms/compliance/hours.html",
        form=form,
        period=period,
        ledger=ledger,
        names=names,
        totals=sorted(totals.items(), key=lambda kv: names.get(kv[0], "").casefold()),
        args={k: v for k, v in request.args.items() if v},
    )


@allow(STAFF)
def hours_csv():
    viewer = _staff()
    _, period, scope, ledger = _hours_context(viewer)
    names = {o.id: o.name for o in queries.organizations(scope)}
    rows = renderers.hours_rows(ledger, names)
    _audit_export(viewer, "hours", len(rows))
    return _csv_response(
        renderers.csv_bytes(renderers.HOURS_HEADER, rows),
        f"training-hours-{period.start.isoformat()}-to-{period.last_day.isoformat()}.csv",
    )


@allow(STAFF)
def post_roster():
    """Completions for a state POST submission: one session, or a period or date range."""
    viewer = _staff()
    form = PostRosterFilterForm(formdata=request.args)
    if not form.validate():
        abort(400, "Some filters were not understood: " + _errors(form))
    _, scope = _organization_param(viewer)
    start, end = form.start.data, form.end.data
    end = end + timedelta(days=1) if end else None
    name = "post-roster"
    if form.session.data is not None:
        session = db_session().get(CourseSession, form.session.data)
        if session is None:
            abort(404)
        name = f"post-roster-{session.course.code}-session-{session.id}"
    elif form.period.data or not (start or end):
        try:
            period = period_from_key(form.period.data, local_today(), configured_start())
        except PeriodError as exc:
            abort(400, str(exc))
        start, end = period.start, period.end
        name = f"post-roster-{period.start.isoformat()}-to-{period.last_day.isoformat()}"
    if start and end and end <= start:
        abort(400, "The end date must not be before the start date.")
    records = queries.post_records(
        scope, start=start, end=end, session_id=form.session.data, course_id=form.course.data
    )
    rows = renderers.post_roster_rows(records)
    _audit_export(viewer, "post_roster", len(rows))
    return _csv_response(renderers.csv_bytes(renderers.POST_HEADER, rows), f"{name}.csv")


def dashboard_panel(person: Person) -> dict | None:
    """For coordinators and admins: how many are in force on each track, at a glance."""
    if not is_staff(person):
        return None
    summaries = queries.compliance_summaries(queries.scope_for(person))
    if not summaries:
        return None
    return {"summaries": summaries}
