"""The Outbox, for administrators: every message, its delivery, and each as its recipient sees it.

A message's HTML is shown inside the page in a sandboxed frame, from a route of
its own whose policy forbids everything but inline styles and ``data:`` images:
no scripts, no forms, no remote images (which would tell a sender the message
was opened), and no framing by any other site.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from ..auth.policy import ADMIN, allow, current_person
from ..core import db_session
from ..models import MailState
from . import compose, delivery, operations, queries
from .forms import OutboxFilterForm, RetryForm, TestMessageForm

#: The headers of a message's HTML, shown in the Outbox page's frame (and nowhere else).
PREVIEW_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "font-src data:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'"
)
PREVIEW_HEADERS = {"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"}


def _filter_form() -> OutboxFilterForm:
    form = OutboxFilterForm(formdata=request.args)
    if not form.validate():
        problems = "; ".join(
            f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()
        )
        abort(400, "The filter was not understood: " + problems)
    return form


def _index(test_form: TestMessageForm, status: int = 200):
    form = _filter_form()
    state = MailState(form.state.data) if form.state.data else None
    page = queries.messages_page(state, before=form.before.data, after=form.after.data)
    return render_template(
        "lms/mail/outbox/index.html",
        form=form,
        test_form=test_form,
        page=page,
        counts=queries.pending_counts(),
        destination=delivery.destination(),
        args={"state": form.state.data} if form.state.data else {},
    ), status


@allow(ADMIN)
def index():
    viewer = current_person()
    return _index(TestMessageForm(formdata=None, address=viewer.email))


@allow(ADMIN)
def send_test():
    viewer = current_person()
    form = TestMessageForm()
    if not form.validate_on_submit():
        return _index(form, 400)
    message = operations.queue_test_message(form.address.data, actor=viewer)
    db_session().commit()
    flash(
        f"A test message to {message.recipient_address} is queued; a worker sends it "
        "in a moment (this page shows when).",
        "success",
    )
    return redirect(url_for("lms.mail.message", message_id=message.id))


def _message(message_id: int):
    message = queries.message_by_id(message_id)
    if message is None:
        abort(404)
    return message


@allow(ADMIN)
def message(message_id: int):
    found = _message(message_id)
    return render_template(
        "lms/mail/outbox/message.html",
        message=found,
        shown=compose.read(found.raw),
        retry_form=RetryForm(formdata=None),
    )


@allow(ADMIN)
def message_html(message_id: int):
    shown = compose.read(_message(message_id).raw)
    if shown.html is None:
        abort(404, "This message has no HTML version.")
    return shown.html, 200, {"Content-Type": "text/html; charset=utf-8", **PREVIEW_HEADERS}


@allow(ADMIN)
def message_eml(message_id: int):
    found = _message(message_id)
    return send_file(
        io.BytesIO(found.raw),
        mimetype="message/rfc822",
        as_attachment=True,
        download_name=f"message-{found.id}.eml",
    )


@allow(ADMIN)
def part(message_id: int, number: int):
    found = compose.part_content(_message(message_id).raw, number)
    if found is None:
        abort(404)
    described, data = found
    mimetype = described.content_type.split(";", 1)[0].strip() or "application/octet-stream"
    suffix = ".ics" if mimetype == "text/calendar" else ""
    return send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=described.filename or f"message-{message_id}-part-{number}{suffix}",
    )


@allow(ADMIN)
def retry(message_id: int):
    viewer = current_person()
    found = _message(message_id)
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400, "The form expired; reload the page and try again.")
    try:
        operations.retry_message(found, actor=viewer)
    except operations.MailError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return redirect(url_for("lms.mail.message", message_id=message_id))
    db_session().commit()
    flash("The message is queued again; a worker sends it in a moment.", "success")
    return redirect(url_for("lms.mail.message", message_id=message_id))
