"""Messages to people who registered on the public page, without an account.

- :func:`prepare_registration_confirmation`: the booking (a seat, or the
  waitlist) with the manage link where the person sees it, gets the calendar
  file and cancels; built before the session's lock is taken, queued under it.
- :func:`queue_known_address_notice`: the typed address belongs to someone the
  LMS already knows, who is not enrolled by a stranger's form: they are told
  how to enroll instead (the page the registrant sees says nothing different).

Called from :mod:`lms.enrollment.public` inside its transaction.
"""

from __future__ import annotations

from ..core import public_url
from ..models import CourseSession, MailCategory, OutboxMessage, Person
from .operations import PreparedMail, prepare_mail, queue_mail


def _session_context(session: CourseSession) -> dict:
    return {
        "session": session,
        "course": session.course,
        "session_url": public_url("lms.catalog.session_detail", session_id=session.id),
    }


def prepare_registration_confirmation(
    person: Person, session: CourseSession, *, waitlisted: bool, manage_url: str
) -> PreparedMail | None:
    """The confirmation of a public registration, with its manage link (queue it: ``.queue()``)."""
    return prepare_mail(
        person,
        "public_registration",
        {
            **_session_context(session),
            "name": person.full_name,
            "waitlisted": waitlisted,
            "manage_url": manage_url,
        },
        category=MailCategory.TRANSACTIONAL,
    )


def queue_known_address_notice(person: Person, session: CourseSession) -> OutboxMessage | None:
    """Tell ``person`` that their address was used to register for ``session``, and how to enroll.

    Once per person and session: a stranger retyping the address sends nothing more.
    """
    return queue_mail(
        person,
        "registration_known_address",
        {
            **_session_context(session),
            "name": person.full_name,
            "has_login": person.has_login,
            "sign_in_url": public_url("lms.auth.sign_in"),
        },
        category=MailCategory.TRANSACTIONAL,
        dedupe_key=f"known-address:{person.id}:{session.id}",
    )
