"""Messages that carry a session's calendar invitation (iTIP by e-mail: RFC 5546, RFC 6047).

Each is queued by the operation that causes it, in its transaction: a
confirmation (or a waitlist place) when someone is enrolled, "you have a seat"
when the waitlist moves, an updated invitation to everyone seated when a
session's times or place change, a cancellation of the days taken off a
session, a cancellation when a place or the whole session is cancelled. The
calendar part holds the very events of the recipient's private feed (same
UIDs, same SEQUENCE: :func:`private_meetings`), made an iTIP ``REQUEST`` or
``CANCEL`` for that one recipient.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from email.utils import parseaddr

from flask import current_app

from ..calendar.itip import Invitation
from ..calendar.private_queries import PrivateSelection, private_meetings
from ..calendar.queries import current_window
from ..calendar.render import CalendarInfo, MeetingEntry, calendar_bytes
from ..core import NoPublicAddress, public_url
from ..enrollment.queries import session_roster
from ..models import (
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    MailCategory,
    Meeting,
    Person,
    utcnow,
)
from .identity import sender_header
from .operations import Attachment, PreparedMail, prepare_mail, queue_mail

log = logging.getLogger(__name__)

REQUEST, CANCEL = "REQUEST", "CANCEL"
#: What a person's own feed holds of their sessions (their certification dates aside).
_THEIR_EVENTS = PrivateSelection(certifications=False)


def _session_url(session_id: int) -> str:
    return public_url("lms.catalog.session_detail", session_id=session_id)


def _link_for(person: Person, session_id: int, template: str) -> str | None:
    """The session's address for ``template`` to ``person``; None when there is no one to
    write to, or no link to give (a command without ``LMS_PUBLIC_URL``: logged)."""
    if not person.email:
        return None
    try:
        return _session_url(session_id)
    except NoPublicAddress as exc:
        log.warning("%s message to person %s not queued: %s", template, person.id, exc)
        return None


def feed_entries(enrollment: Enrollment) -> list[MeetingEntry]:
    """The session's events as the person's own feed has them now."""
    return [
        entry
        for entry in private_meetings(enrollment.person_id, _THEIR_EVENTS, current_window())
        if entry.session.id == enrollment.session_id
    ]


def invitation_calendar(
    enrollment: Enrollment, method: str, entries: list[MeetingEntry] | None = None
) -> bytes | None:
    """The session's events (default: as the person's feed has them) as an iTIP
    ``method`` to them alone; None when there are none (or they have no address)."""
    person = enrollment.person
    if entries is None:
        entries = feed_entries(enrollment)
    if not entries or not person.email:
        return None
    organizer_name, organizer_address = parseaddr(sender_header())
    invitation = Invitation(
        method, organizer_name, organizer_address, person.full_name, person.email
    )
    info = CalendarInfo(timezone=current_app.config["LMS_TIMEZONE"])
    return calendar_bytes(info, entries, session_url=_session_url, invitation=invitation)


def _queue(
    enrollment: Enrollment,
    template: str,
    method: str | None,
    entries: list[MeetingEntry] | None = None,
    **context,
) -> None:
    """Queue ``template`` to the enrolled person, with the calendar as ``method`` if given
    (of ``entries``, by default the events of their feed)."""
    person: Person = enrollment.person
    session_url = _link_for(person, enrollment.session_id, template)
    if session_url is None:
        return
    data = invitation_calendar(enrollment, method, entries) if method else None
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
        word = waitlist_word(enrollment.person, enrollment.session)
        if word is not None:
            word.queue()
    else:
        _queue(enrollment, "enrollment_confirmed", REQUEST)


def waitlist_word(person: Person, session: CourseSession) -> PreparedMail | None:
    """Word of a waitlist place, built before the place exists (``.queue()`` it with the place).

    It says where to see one's place in line rather than a number, which would be
    stale the first time someone ahead cancels, and which only the seat decision
    knows: so it is built before the session's lock, not while every other
    enrollment in a rush waits for it.
    """
    session_url = _link_for(person, session.id, "enrollment_waitlisted")
    if session_url is None:
        return None
    return prepare_mail(
        person,
        "enrollment_waitlisted",
        {"session": session, "course": session.course, "session_url": session_url},
        category=MailCategory.TRANSACTIONAL,
    )


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


def _seated(session: CourseSession) -> list[Enrollment]:
    """Who holds a seat (and so was sent the invitation)."""
    return [e for e in session_roster(session).holding if e.status is EnrollmentStatus.ENROLLED]


def session_moved(session: CourseSession) -> None:
    """A session's times or place changed: an updated invitation to everyone seated."""
    for enrollment in _seated(session):
        _queue(enrollment, "session_changed", REQUEST)


#: Meetings about to be taken off a session, as each seated person's feed has them.
Withdrawn = list[tuple[Enrollment, list[MeetingEntry]]]


def meetings_to_remove(session: CourseSession, meetings: Iterable[Meeting]) -> Withdrawn:
    """Before ``meetings`` are taken off ``session``: each seated person's events of them
    (the UIDs and SEQUENCE their calendar holds), for :func:`meetings_removed`."""
    uids = {meeting.uid for meeting in meetings}
    held = []
    for enrollment in _seated(session) if uids else []:
        entries = [e for e in feed_entries(enrollment) if e.uid in uids]
        if entries:
            held.append((enrollment, entries))
    return held


def meetings_removed(withdrawn: Withdrawn) -> None:
    """Meetings were taken off a session that goes on: a CANCEL of just those events.

    Each meeting is an event of its own UID (no RRULE: a session's days are not a
    recurrence), so a REQUEST that leaves one out removes nothing from a calendar;
    only a CANCEL naming its UID, with a higher SEQUENCE, does in Outlook, Google
    Calendar and Thunderbird alike (RFC 5546 §3.2.5). The other days keep their
    events untouched.
    """
    now = utcnow()
    for enrollment, entries in withdrawn:
        cancelled = [
            entry._replace(sequence=entry.sequence + 1, stamp=now, removed=True)
            for entry in entries
        ]
        _queue(enrollment, "meeting_removed", CANCEL, cancelled, removed=cancelled)


def session_cancelled(session: CourseSession, enrollments: Iterable[Enrollment]) -> None:
    """The whole session was cancelled: its invitation withdrawn from everyone who had a place."""
    for enrollment in enrollments:
        _queue(enrollment, "session_cancelled", CANCEL, reason=session.cancel_reason)
