"""Writes of the outbox: queue a message with the change that causes it; retry a failed one.

Every message the LMS sends goes through :func:`queue_mail`, called inside the
operation that causes it (an enrollment, a password reset ...). It renders the
message and adds it to the outbox in the caller's transaction; when that
transaction commits, a worker is woken to deliver it (:mod:`.delivery`). A
rollback leaves no message and wakes no one. The web request never waits on
SMTP.

Usage::

    from lms.mail.operations import Attachment, MailCategory, queue_mail

    queue_mail(
        person,
        "enrollment_confirmed",  # templates/lms/mail/enrollment_confirmed.{subject.txt,txt,html}
        {"session": session, "manage_url": url},
        category=MailCategory.TRANSACTIONAL,
        attachments=[
            Attachment("invite.ics", "text/calendar; method=REQUEST; charset=UTF-8", ics,
                       alternative=True),
            Attachment("invite.ics", "application/ics", ics),
        ],
        dedupe_key=f"confirmation:{enrollment.id}",
    )
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import current_app, render_template
from sqlalchemy import event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..core import audit, db_session, department_name
from ..models import MailCategory, MailState, OutboxMessage, Person, Role, RoleAssignment, utcnow
from ..signals import mail_queued
from . import preferences
from .compose import Attachment, Envelope, bare_address, compose, display_address
from .identity import new_message_id, reply_to_header, sender_header
from .worker import wake_worker

__all__ = [
    "Attachment",
    "MailCategory",
    "MailError",
    "PreparedMail",
    "prepare_mail",
    "queue_mail",
    "retry_message",
]

TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class MailError(ValueError):
    """A message cannot be queued or retried; the message says why."""


@dataclass(frozen=True)
class PreparedMail:
    """A message rendered and composed, not yet in the outbox: :meth:`queue` adds it.

    Lets an operation build a message before it takes a lock and queue it under
    the lock, in the same transaction (see :func:`prepare_mail`).
    """

    values: dict[str, Any]

    def queue(self) -> OutboxMessage | None:
        """Add the message to this transaction's outbox; None if its dedupe key was used."""
        now = utcnow()
        values = {**self.values, "created_at": now, "next_attempt_at": now}
        message = db_session().scalar(_insert_once(values).returning(OutboxMessage))
        if message is None:  # another transaction queued the same key first
            return None
        wake_after_commit()
        mail_queued.send(current_app._get_current_object(), message=message)  # type: ignore[attr-defined]
        return message


def queue_mail(
    recipient: Person | str,
    template: str,
    context: dict[str, Any],
    *,
    category: MailCategory,
    attachments: Sequence[Attachment] = (),
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Render ``template`` for ``recipient`` and add it to the outbox of this transaction.

    ``recipient``: a person (their email; their name on the To line) or an address.
    ``template`` names ``templates/lms/mail/<template>.subject.txt``, ``.txt`` and
    ``.html``, rendered with ``context`` plus ``department`` (the department organization's
    name), ``site_name``, ``recipient`` (the person, or None) and ``recipient_name``.
    ``dedupe_key`` makes the message once-only: if a message with that key was ever
    queued, nothing is (e.g. ``"reminder:<cycle>:<offset>"``).

    Optional mail (reminders, digests: ``category.optional``) goes to a person, and
    carries their one-click unsubscribe link: the ``List-Unsubscribe`` headers, and
    ``unsubscribe_url`` and ``preferences_url`` for the template's footer; no other
    message does.

    Returns the queued message, or None when nothing is queued: the person has no
    email address, turned this category off (see :mod:`.preferences`), or the
    dedupe key was used. Flushes; the caller commits.
    """
    prepared = prepare_mail(
        recipient,
        template,
        context,
        category=category,
        attachments=attachments,
        dedupe_key=dedupe_key,
    )
    return prepared.queue() if prepared is not None else None


def prepare_mail(
    recipient: Person | str,
    template: str,
    context: dict[str, Any],
    *,
    category: MailCategory,
    attachments: Sequence[Attachment] = (),
    dedupe_key: str | None = None,
) -> PreparedMail | None:
    """:func:`queue_mail`'s work short of the outbox: the rendered, composed message.

    None when nothing would be queued (no address, the category turned off, the
    dedupe key used). Writes nothing.
    """
    person = recipient if isinstance(recipient, Person) else None
    address = (person.email if person is not None else recipient) or ""
    address = address.strip()
    if not address:
        return None
    if bare_address(address) != address or "@" not in address:
        raise MailError(f"not an email address: {address!r}")
    if not TEMPLATE_NAME.match(template):
        raise MailError(f"not a mail template name: {template!r}")
    headers = None
    if category.optional:
        if person is None:
            raise MailError(f"{category.label} mail goes to a person (who may turn it off)")
        if not preferences.wants(person, category):
            return None
        unsubscribe = preferences.unsubscribe_url(person, category)
        context = {**context, **optional_links(unsubscribe)}
        headers = preferences.list_headers(unsubscribe)
    if dedupe_key is not None and _key_used(dedupe_key):
        return None

    message_id = new_message_id()
    subject, text, html = render_message(template, context, person)
    envelope = Envelope(
        sender=sender_header(),
        to=display_address(person.full_name if person else None, address),
        reply_to=reply_to_header(),
    )
    raw = compose(
        envelope,
        subject,
        text,
        html,
        message_id=message_id,
        attachments=attachments,
        headers=headers,
    )
    return PreparedMail(
        {
            "message_id": message_id,
            "dedupe_key": dedupe_key,
            "category": category,
            "template": template,
            "recipient_person_id": person.id if person is not None else None,
            "recipient_address": address,
            "subject": subject,
            "raw": raw,
            "state": MailState.QUEUED,
            "attempts": 0,
            "manual_retries": 0,
        }
    )


def optional_links(unsubscribe_url: str) -> dict[str, str]:
    """What the templates of optional mail (reminders, digests) get besides their context:
    the recipient's one-click ``unsubscribe_url`` and the ``preferences_url`` page."""
    return {"unsubscribe_url": unsubscribe_url, "preferences_url": preferences.preferences_url()}


def _key_used(dedupe_key: str) -> bool:
    statement = select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    return db_session().scalar(statement) is not None


def _insert_once(values: dict[str, Any]):
    """INSERT ... ON CONFLICT (dedupe_key) DO NOTHING, where the database has it."""
    dialect = db_session().get_bind().dialect.name
    if values["dedupe_key"] is not None and dialect in ("postgresql", "sqlite"):
        module = postgresql if dialect == "postgresql" else sqlite
        return (
            module.insert(OutboxMessage)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
    return insert(OutboxMessage).values(**values)


def render_message(
    template: str, context: dict[str, Any], person: Person | None, recipient_name: str | None = None
) -> tuple[str, str, str]:
    """Subject (one line), text and HTML of ``template``; the host's templates come first."""
    config = current_app.config
    values = {
        "department": department_name(),
        "site_name": config["LMS_SITE_NAME"],
        "recipient": person,
        "recipient_name": recipient_name or (person.full_name if person is not None else None),
        **context,
    }
    subject = " ".join(render_template(f"lms/mail/{template}.subject.txt", **values).split())
    if not subject:
        raise MailError(f"the mail template {template!r} gave an empty subject")
    text = render_template(f"lms/mail/{template}.txt", **values)
    html = render_template(f"lms/mail/{template}.html", **values)
    return subject, text, html


# --- waking the worker ------------------------------------------------------------------


def wake_after_commit() -> None:
    """Wake a worker when this transaction commits; forget it if it rolls back."""
    session: Session = db_session()()  # the scoped session's current Session
    session.info["lms_mail_queued"] = True
    if session.info.get("lms_mail_hooked"):
        return
    session.info["lms_mail_hooked"] = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    event.listen(session, "after_commit", partial(_after_commit, app))
    event.listen(session, "after_rollback", _after_rollback)


def _after_commit(app, session: Session) -> None:
    if session.info.pop("lms_mail_queued", False):
        wake_worker(app)


def _after_rollback(session: Session) -> None:
    session.info.pop("lms_mail_queued", None)


# --- an administrator's actions ---------------------------------------------------------


def retry_message(message: OutboxMessage, *, actor: Person) -> None:
    """Queue a failed message again, due now, with a fresh count of tries (audited)."""
    if message.state is not MailState.FAILED:
        raise MailError(f"Only a failed message can be sent again; this one is {message.state}.")
    previous_answer = message.answer
    message.state = MailState.QUEUED
    message.attempts = 0
    message.manual_retries += 1
    message.next_attempt_at = utcnow()
    audit(
        "mail.retried",
        message,
        actor=actor,
        details={
            "person_id": message.recipient_person_id,
            "recipient": message.recipient_address,
            "subject": message.subject,
            "previous_answer": previous_answer,
        },
    )
    db_session().flush()
    wake_after_commit()


def queue_test_message(address: str, *, actor: Person) -> OutboxMessage:
    """A short message to ``address`` that shows mail reaches people (audited)."""
    message = queue_mail(
        address,
        "test_message",
        {"sent_by": actor},
        category=MailCategory.TRANSACTIONAL,
    )
    assert message is not None  # an address and no dedupe key: always queued
    audit(
        "mail.test_queued",
        message,
        actor=actor,
        details={"recipient": address, "subject": message.subject},
    )
    return message


def queue_demo_message() -> str | None:
    """A test message from the first administrator to themselves, so a new demo's Outbox
    shows mail working; their address, or None without an administrator with one."""
    admin = db_session().scalar(
        select(Person)
        .join(Person.roles)
        .where(RoleAssignment.role == Role.ADMIN, Person.email.is_not(None))
        .order_by(Person.id)
        .limit(1)
    )
    if admin is None:
        return None
    return queue_test_message(admin.email, actor=admin).recipient_address
