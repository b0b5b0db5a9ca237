"""Signals the LMS sends, so a host can react without patching.

Every signal is sent with the Flask app as sender and domain objects as
keyword arguments. Receivers run inside the transaction that caused them;
they must not commit.
"""

from blinker import Namespace

_signals = Namespace()

account_created = _signals.signal("account-created")
"""A person was created. Kwargs: ``person``, ``actor``."""

account_claimed = _signals.signal("account-claimed")
"""A person without a login set a password through a claim link. Kwargs: ``person``."""

signed_in = _signals.signal("signed-in")
"""A person signed in. Kwargs: ``person``."""

signed_out = _signals.signal("signed-out")
"""A person signed out. Kwargs: ``person``."""

password_changed = _signals.signal("password-changed")
"""A password changed and every other sign-in ended. Kwargs: ``person``."""

account_link_issued = _signals.signal("account-link-issued")
"""An invitation or password-reset link was made. Kwargs: ``link``
(:class:`lms.auth.links.AccountLink`: person, purpose, url, expiry, the message's
template and context). Its URL is the secret: a receiver may send it to the person
(a host with its own mailer does), and must never log or store it."""

account_deactivated = _signals.signal("account-deactivated")
"""An account was deactivated: its sign-ins, feed link and unused links ended.
Kwargs: ``person``, ``actor`` (None from the command line), ``reason``."""

account_reactivated = _signals.signal("account-reactivated")
"""A deactivated account may sign in again. Kwargs: ``person``, ``actor``, ``reason``."""

session_scheduled = _signals.signal("session-scheduled")
"""A session was created. Kwargs: ``session``, ``actor``."""

session_changed = _signals.signal("session-changed")
"""A session's time, place or capacity changed. Kwargs: ``session``, ``actor``, ``changes``."""

session_cancelled = _signals.signal("session-cancelled")
"""A session was cancelled with its enrollments. Kwargs: ``session``, ``actor``, ``reason``."""

enrollment_created = _signals.signal("enrollment-created")
"""A person was enrolled or waitlisted. Kwargs: ``enrollment``, ``actor``."""

enrollment_cancelled = _signals.signal("enrollment-cancelled")
"""An enrollment was cancelled. Kwargs: ``enrollment``, ``actor``, ``reason``."""

waitlist_promoted = _signals.signal("waitlist-promoted")
"""A waitlisted person got a seat. Kwargs: ``enrollment``."""

attendance_recorded = _signals.signal("attendance-recorded")
"""Attendance was marked for a meeting. Kwargs: ``session``, ``meeting``, ``actor``."""

roster_finalized = _signals.signal("roster-finalized")
"""A roster was finalized and its completion rule applied. Kwargs: ``session``, ``actor``."""

course_completed = _signals.signal("course-completed")
"""A completion was recorded. Kwargs: ``completion``."""

completion_revoked = _signals.signal("completion-revoked")
"""A roster correction revoked a completion. Kwargs: ``completion``, ``actor``, ``reason``."""

certification_granted = _signals.signal("certification-granted")
"""A certification cycle was granted or renewed. Kwargs: ``certification``."""

certification_revoked = _signals.signal("certification-revoked")
"""A cycle was revoked with its completion. Kwargs: ``certification``, ``actor``, ``reason``."""

certificate_issued = _signals.signal("certificate-issued")
"""A certificate was issued. Kwargs: ``certificate``, ``actor``."""

certificate_revoked = _signals.signal("certificate-revoked")
"""A certificate was revoked. Kwargs: ``certificate``, ``actor``, ``reason``."""

certificate_superseded = _signals.signal("certificate-superseded")
"""A certificate was replaced by a correction. Kwargs: ``old``, ``new``, ``actor``."""

transcript_issued = _signals.signal("transcript-issued")
"""A signed transcript was issued. Kwargs: ``transcript``, ``actor``."""

organization_changed = _signals.signal("organization-changed")
"""An organization was created, edited, deactivated or reactivated. Kwargs:
``organization``, ``actor``, ``change`` ("created", "edited", "deactivated",
"reactivated") and ``reason`` (for (de)activation, else None)."""

mail_queued = _signals.signal("mail-queued")
"""A message was put in the outbox, in the transaction that caused it (a worker delivers it
after the commit). Kwargs: ``message``."""

mail_failed = _signals.signal("mail-failed")
"""A message failed for good: refused, or out of tries (sent by the worker, which commits
after the receivers ran). Kwargs: ``message`` (its ``answer`` says why)."""
