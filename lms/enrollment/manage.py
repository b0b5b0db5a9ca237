"""Manage links: a public registrant sees and cancels their booking without an account.

A link is made with each public registration (and again when the same address
registers again) and mailed with the confirmation (:mod:`lms.mail.public_registration`).
Only its SHA-256 is kept (:class:`~lms.models.ManageLink`). It shows the booking
until the session ends; its cancel action works once. Operations flush and
audit; the caller commits.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from ..auth.links import TOKEN_SHAPE
from ..auth.operations import token_hash
from ..core import db_session, public_url
from ..models import Enrollment, ManageLink, utcnow
from .operations import cancel_enrollment
from .places import EnrollmentError


class ManageLinkGone(EnrollmentError):
    """The link's cancel action was used, or its session is over."""


def new_manage_token() -> str:
    """A new manage link's secret, to mail; :func:`issue_manage_link` keeps its hash."""
    return secrets.token_urlsafe(32)


def issue_manage_link(enrollment: Enrollment, token: str | None = None) -> str:
    """A fresh manage link's token for ``enrollment`` (the secret: mail it, never keep it)."""
    token = token or new_manage_token()
    db_session().add(ManageLink(enrollment_id=enrollment.id, token_hash=token_hash(token)))
    db_session().flush()
    return token


def manage_url(token: str) -> str:
    """The address of the manage page ``token`` opens, for a message."""
    return public_url("lms.enrollment.manage_booking", token=token)


def find_manage_link(token: str) -> ManageLink | None:
    """The manage link ``token`` opens, live or not; None: no such link."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return db_session().scalar(select(ManageLink).where(ManageLink.token_hash == token_hash(token)))


def cancel_by_link(link: ManageLink, reason: str | None = None) -> Enrollment:
    """Cancel the booking ``link`` opens, as its person; the link's cancel action is then used.

    A used or expired link raises :class:`ManageLinkGone`; a place that can no
    longer be cancelled (past the cut-off) raises :class:`EnrollmentError`, and
    the link stays usable for when it can.
    """
    if not link.is_live:
        raise ManageLinkGone("This link was already used to cancel, or the session is over.")
    used = db_session().execute(
        update(ManageLink)
        .where(ManageLink.id == link.id, ManageLink.cancel_used_at.is_(None))
        .values(cancel_used_at=utcnow())
    )
    if used.rowcount != 1:
        raise ManageLinkGone("This link was just used to cancel.")
    enrollment = link.enrollment
    return cancel_enrollment(enrollment.id, enrollment.person, reason, enforce_cutoff=True)
