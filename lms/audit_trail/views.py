"""The audit log for administrators: filtered pages in words, and the CSV of a filter."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, abort, render_template, request, stream_with_context

from ..auth.policy import ADMIN, allow, current_person
from ..core import audit, db_session, department_zone, local_today
from ..models import Person
from ..status.forms import choices
from . import queries, renderers
from .actions import action_choices, describe
from .forms import AuditFilterForm


@dataclass
class Asked:
    """The page's filters as understood, or why not."""

    form: AuditFilterForm
    filters: queries.Filters | None = None
    person_label: str | None = None
    candidates: list[Person] = field(default_factory=list)


def _resolve_person(form: AuditFilterForm) -> tuple[int | None, str | None, list[Person]]:
    """The person the filter names: by number, or the one match of a name, email or badge."""
    text = (form.person.data or "").strip()
    if not text:
        return None, None, []
    if text.isdigit():
        name = queries.person_name(int(text)) if len(text) < 10 else None
        if name is None:
            form.person.errors.append(f"No one has the number {text}.")
        return (int(text), name, []) if name else (None, None, [])
    matches = queries.people_matching(text, limit=11)
    if len(matches) == 1:
        return matches[0].id, matches[0].full_name, []
    if not matches:
        form.person.errors.append(f"No one matches “{text}”.")
    elif len(matches) > 10:
        form.person.errors.append("More than ten people match: type more of the name.")
    else:
        form.person.errors.append(f"{len(matches)} people match: choose one below.")
    return None, None, matches[:10]


def _asked() -> Asked:
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = choices([("", "Any action")] + action_choices())
    asked = Asked(form)
    if not form.validate():
        return asked
    person_id, asked.person_label, asked.candidates = _resolve_person(form)
    if form.person.errors:
        return asked
    starts_at, ends_at = queries.local_day_bounds(form.start.data, form.end.data, department_zone())
    asked.filters = queries.Filters(
        person_id=person_id,
        person_role=form.person_role.data,
        object_type=(form.object_type.data or "").strip() or None,
        object_id=(form.object_id.data or "").strip() or None,
        action=form.action.data or None,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    return asked


def _filter_args() -> dict[str, str]:
    """The query string's filters, without the page's cursors (for links and the export)."""
    return {k: v for k, v in request.args.items() if k not in ("before", "after") and v}


@allow(ADMIN)
def index():
    asked = _asked()
    page, rows = None, []
    if asked.filters is not None:
        page = queries.events_page(
            asked.filters, before=asked.form.before.data, after=asked.form.after.data
        )
        names = queries.names_for(page.events)
        rows = [(event, describe(event, names), names) for event in page.events]
    return render_template(
        "lms/audit_trail/index.html",
        asked=asked,
        form=asked.form,
        page=page,
        rows=rows,
        args=_filter_args(),
    ), (200 if asked.filters is not None else 400)


@allow(ADMIN)
def export_csv():
    viewer = current_person()
    asked = _asked()
    if asked.filters is None:
        problems = "; ".join(
            f"{asked.form[name].label.text}: {' '.join(errors)}"
            for name, errors in asked.form.errors.items()
        )
        abort(400, "Some filters were not understood: " + problems)
    query = "&".join(f"{k}={v}" for k, v in _filter_args().items())
    audit(
        "audit.exported",
        actor=viewer,
        object_type="report",
        object_id="audit",
        details={"query": query},
    )
    db_session().commit()
    filters = asked.filters

    def batches():
        for events in queries.all_events(filters):
            yield renderers.audit_rows(events, queries.names_for(events))

    body = renderers.csv_chunks(renderers.AUDIT_HEADER, batches())
    filename = f"audit-log-{local_today().isoformat()}.csv"
    return Response(
        stream_with_context(body),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
