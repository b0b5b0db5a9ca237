"""The message that tells a person their certificate was issued, with its links."""

from __future__ import annotations

import logging

from ..core import NoPublicAddress, public_url
from ..credentials.printing import verify_url
from ..models import Certificate, MailCategory
from .operations import queue_mail

log = logging.getLogger(__name__)


def certificate_issued(certificate: Certificate) -> None:
    """Queue "your certificate is issued" to its holder: where to download it, where anyone
    can check it (the verify page printed on it), and what it replaces, if a correction."""
    person = certificate.person
    if person is None or not person.email:
        return
    try:
        download_url = public_url(
            "lms.credentials.certificate_pdf", serial=certificate.display_serial
        )
    except NoPublicAddress as exc:  # a command, without LMS_PUBLIC_URL: no links to give
        log.warning("certificate message to person %s not queued: %s", person.id, exc)
        return
    queue_mail(
        person,
        "certificate_issued",
        {
            "certificate": certificate,
            "download_url": download_url,
            "verify_url": verify_url(certificate),
            "replaces": certificate.supersedes,
        },
        category=MailCategory.TRANSACTIONAL,
        dedupe_key=f"certificate-issued:{certificate.serial}",
    )
