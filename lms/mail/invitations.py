"""Messages that carry a session's calendar invitation (iTIP by e-mail: RFC 5546, RFC 6047).

Each is queued by the operation that causes it, in its transaction: a
confirmation (or a waitlist place) when someone is enrolled, "you have a seat"
when the waitlist moves, an updated invitation to everyone seated when a
session's times or place change, a cancellation when a place or the whole
session is cancelled. The calendar part holds the very events of the
recipient's private feed (same UIDs, same SEQUENCE: :func:`private_meetings`),
made an iTIP ``REQUEST`` or ``CANCEL`` for that one recipient.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.utils import parseaddr

from flask import current_app

from ..calendar.itip import Invitation
from ..calendar.private_queries import PrivateSelection, private_meetings
from ..calendar.queries import current_window
from ..calendar.render import CalendarInfo, calendar_bytes
from ..core import NoPublicAddress, public_url
from ..enrollment.queries import session_roster, waitlist_position
from ..models import CourseSession, Enrollment, EnrollmentStatus, MailCategory, Person
from .identity import sender_header
from .operations import Attachment, queue_mail

log = logging.getLogger(__name__)

REQUEST, CANCEL = "REQUEST", "CANCEL"
#: What a person's own feed holds of their sessions (their certification dates aside).
_THEIR_EVENTS = PrivateSelection(certifications=False)


def _session_url(session_id: int) -> str:
    return public_url("lms.catalog.session_detail", session_id=session_id)


def invitation_calendar(enrollment: Enrollment, method: str) -> bytes | None:
    """The session's events as the person's feed has them, as an iTIP ``method`` to them
    alone; None when their feed shows none of its meetings (or they have no address)."""
    person = enrollment.person
    entries = [
        entry
        for entry in private_meetings(person.id, _THEIR_EVENTS, current_window())
        if entry.session.id == enrollment.session_id
    ]
    if not entries or not person.email:
        return None
    organizer_name, organizer_address = parseaddr(sender_header())
    invitation = Invitation(
        method, organizer_name, organizer_address, person.full_name, person.email
    )
    info = CalendarInfo(timezone=current_app.config["LMS_TIMEZONE"])
    return calendar_bytes(info, entries, session_url=_session_url, invitation=invitation)


def _queue(enrollment: Enrollment, template: str, method: str | None, **context) -> None:
    """Queue ``template`` to the enrolled person, with the calendar as ``method`` if given."""
    person: Person = enrollment.person
    if not person.email:
        return
    try:
        session_url = _session_url(enrollment.session_id)
    except NoPublicAddress as exc:  # a command, without LMS_PUBLIC_URL: no links to give
        log.warning("%s message to person %s not queued: %s", template, person.id, exc)
        return
    data = invitation_calendar(enrollment, method) if method else None
    attachments = []
    if data is not None:
        # The iTIP part for clients that act on it, the same file for those that look
        # for an attachment (see lms.mail.compose).
        filename = "cancel.ics" if method == CANCEL else "invite.ics"
        attachments = [
            Attachment(filename, f"text/calendar; method={method}; charset=UTF-8", data, True),
            Attachment(filename, "application/ics", data),
        ]
    session = enrollment.session
    queue_mail(
        person,
        template,
        {
            "enrollment": enrollment,
            "session": session,
            "course": session.course,
            "session_url": session_url,
            "has_calendar": data is not None,
            **context,
        },
        category=MailCategory.TRANSACTIONAL,
        attachments=attachments,
    )


def enrollment_created(enrollment: Enrollment) -> None:
    """A confirmation with the invitation, or word of a waitlist place (no invitation yet)."""
    if enrollment.is_waitlisted:
        position = waitlist_position(enrollment)
        _queue(enrollment, "enrollment_waitlisted", None, position=position)
    else:
        _queue(enrollment, "enrollment_confirmed", REQUEST)


def seat_given(enrollment: Enrollment) -> None:
    """A waitlisted person has a seat: "you have a seat", with the invitation."""
    _queue(enrollment, "waitlist_promoted", REQUEST)


def place_cancelled(enrollment: Enrollment, actor: Person | None) -> None:
    """One place was cancelled, by its holder or by staff: the invitation withdrawn."""
    by_themselves = actor is not None and actor.id == enrollment.person_id
    _queue(
        enrollment,
        "enrollment_cancelled",
        CANCEL,
        by_themselves=by_themselves,
        reason=None if by_themselves else enrollment.cancel_reason,
    )


def session_moved(session: CourseSession) -> None:
    """A session's times or place changed: an updated invitation to everyone seated."""
    for enrollment in session_roster(session).holding:
        if enrollment.status is EnrollmentStatus.ENROLLED:
            _queue(enrollment, "session_changed", REQUEST)


def session_cancelled(session: CourseSession, enrollments: Iterable[Enrollment]) -> None:
    """The whole session was cancelled: its invitation withdrawn from everyone who had a place."""
    for enrollment in enrollments:
        _queue(enrollment, "session_cancelled", CANCEL, reason=session.cancel_reason)
