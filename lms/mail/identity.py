"""Who the LMS's mail comes from: the From and Reply-To headers, the envelope, Message-IDs."""

from __future__ import annotations

from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app

from ..core import department_name


def _configured_sender() -> tuple[str, str]:
    """(name, address) of ``LMS_MAIL_SENDER``; unset: no name, and no-reply at the host of
    ``LMS_PUBLIC_URL`` (or localhost), for .eml files."""
    config = current_app.config
    name, address = parseaddr(str(config["LMS_MAIL_SENDER"] or ""))
    if not address:
        host = urlsplit(str(config.get("LMS_PUBLIC_URL") or "")).hostname
        address = f"no-reply@{host or 'localhost'}"
    return name, address


def sender_header() -> str:
    """The From header: ``LMS_MAIL_SENDER``, named for the department (its organization's
    name, :func:`~lms.core.department_name`) when it names no one."""
    name, address = _configured_sender()
    return formataddr((name or department_name(), address))


def envelope_sender() -> str:
    """The SMTP envelope's sender (where bounces go): the From address."""
    return _configured_sender()[1]


def reply_to_header() -> str | None:
    return current_app.config["LMS_MAIL_REPLY_TO"] or None


def new_message_id() -> str:
    """A new, unique ``<...@domain>`` in the sender's domain."""
    return make_msgid(domain=envelope_sender().rpartition("@")[2])
