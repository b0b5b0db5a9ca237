"""How a message's bytes leave: over SMTP (smtplib), or into an .eml file when no server is set.

A transport sends one stored message and returns the answer to record, or
raises :class:`Refused` (this message cannot go: permanently, or for now) or
:class:`Unavailable` (the server cannot take anything now: no connection, TLS
or sign-in failed, the connection dropped). It keeps one SMTP connection open
across the messages of a batch.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Outgoing:
    """What a transport needs of a claimed message."""

    id: int
    recipient: str
    raw: bytes


class Refused(Exception):
    """The server refused this message; ``permanent`` for a 5xx answer."""

    def __init__(self, answer: str, permanent: bool):
        super().__init__(answer)
        self.answer, self.permanent = answer, permanent


class Unavailable(Exception):
    """No message can be sent now (connection, TLS, authentication, a dropped connection)."""

    def __init__(self, answer: str):
        super().__init__(answer)
        self.answer = answer


class Transport(Protocol):
    def send(self, message: Outgoing) -> str: ...

    def close(self) -> None: ...


def smtp_answer(code: int, reply: bytes | str) -> str:
    """'550 5.1.1 <x@y>: Recipient address rejected' on one line."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {' '.join(text.split())}".strip()


def _problem(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return smtp_answer(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, TimeoutError):
        return "no answer from the SMTP server in time"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class SmtpTransport:
    """Delivery to one SMTP server, one connection for many messages."""

    DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}

    def __init__(self, config: dict[str, Any], envelope_sender: str):
        self.host = str(config["LMS_SMTP_HOST"])
        self.security = config["LMS_SMTP_SECURITY"]
        self.port = int(config["LMS_SMTP_PORT"] or self.DEFAULT_PORTS[self.security])
        username, password = config["LMS_SMTP_USERNAME"], config["LMS_SMTP_PASSWORD"]
        self.credentials = (str(username), str(password)) if username else None
        self.timeout = float(config["LMS_SMTP_TIMEOUT_SECONDS"])
        self.sender = envelope_sender
        self._smtp: smtplib.SMTP | None = None

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        # Certificates are checked against the system's authorities (made only for TLS).
        context = ssl.create_default_context() if self.security != "none" else None
        try:
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.credentials:
                smtp.login(*self.credentials)
        except (OSError, smtplib.SMTPException) as exc:
            where = f"{self.host}:{self.port}"
            raise Unavailable(f"could not connect to {where}: {_problem(exc)}") from None
        self._smtp = smtp
        return smtp

    def send(self, message: Outgoing) -> str:
        smtp = self._connection()
        options = []
        if not message.recipient.isascii():
            if not smtp.has_extn("smtputf8"):
                raise Refused(
                    "the SMTP server cannot deliver to an address with non-ASCII "
                    "characters (it does not offer SMTPUTF8)",
                    permanent=True,
                )
            options.append("SMTPUTF8")
        try:
            code, reply = smtp.mail(self.sender, options)
            if code != 250:
                self._reset()
                raise Unavailable(f"the server refused the sender: {smtp_answer(code, reply)}")
            code, reply = smtp.rcpt(message.recipient)
            if code not in (250, 251):
                self._reset()
                raise Refused(smtp_answer(code, reply), permanent=code >= 500)
            code, reply = smtp.data(message.raw)
        except smtplib.SMTPDataError as exc:
            self._reset()
            raise Refused(_problem(exc), permanent=exc.smtp_code >= 500) from None
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            self.close()
            raise Unavailable(f"the connection failed while sending: {_problem(exc)}") from None
        if code != 250:
            self._reset()
            raise Refused(smtp_answer(code, reply), permanent=code >= 500)
        return smtp_answer(code, reply)

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()


class EmlTransport:
    """No SMTP server: each message becomes ``<folder>/<id>.eml``, as it would have been sent."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: Outgoing) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{message.id:08d}.eml"
            partial = path.with_suffix(".eml.partial")
            partial.write_bytes(message.raw)
            os.replace(partial, path)  # a file is either whole or absent
        except OSError as exc:
            raise Unavailable(f"could not write the .eml file: {exc}") from None
        return f"written to {path} (no SMTP server is configured)"

    def close(self) -> None:
        pass
