"""A real SMTP server for the tests (aiosmtpd, in a thread), and what it received."""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from lms.mail.delivery import deliver_due


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted: its envelope and its bytes, parsed."""

    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class Inbox:
    """The server's behaviour, set by each test, and what it accepted."""

    received: list[Received] = field(default_factory=list)
    #: address -> the answer its RCPT gets instead of 250 (e.g. "550 5.1.1 ... unknown").
    refuse: dict[str, str] = field(default_factory=dict)
    #: When set: the next DATA is kept, then sets ``stalled`` and waits for ``release``
    #: before answering.
    stall_next: bool = False
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    #: Seconds each DATA takes (a slower server).
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        # The server takes charge of the message first (as a real one writes it to its
        # queue), then answers: a client that dies in between never hears the 250.
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
            number = len(self.received)
        if self.stall_next:
            self.stall_next = False
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        if self.delay:
            await asyncio.sleep(self.delay)
        return f"250 2.0.0 Ok: queued as TEST{number:05d}"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]


class SmtpServer:
    """aiosmtpd on a free loopback port; ``inbox`` holds what it accepted."""

    def __init__(self, *, credentials: tuple[str, str] | None = None):
        self.inbox = Inbox()
        self.port = free_port()
        options = {}
        if credentials is not None:
            options = {
                "auth_required": True,
                "auth_require_tls": False,  # loopback only
                "authenticator": _authenticator(*credentials),
            }
        self.controller = Controller(
            self.inbox, hostname="127.0.0.1", port=self.port, ready_timeout=10, **options
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.inbox.release.set()
        self.controller.stop()


def _authenticator(username: str, password: str):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (username, password)
        return AuthResult(success=ok, handled=False)

    return authenticate


#: The department's name: its organization's (what mail says) and the config's agree.
DEPARTMENT = "Missoula Police Department"
SENDER = f"{DEPARTMENT} Training <training@mpd.test>"


def smtp_config(app_config: dict, server: SmtpServer) -> dict:
    """``app_config`` delivering to ``server`` in plain text on loopback.

    A feature's tests override their ``app_config`` fixture with it (the
    ``smtp_server`` fixture of tests/conftest.py gives the server), queue mail
    through the real operations and send it with ``lms.mail.delivery.deliver_due()``.
    """
    return {
        **app_config,
        "LMS_DEPARTMENT_NAME": DEPARTMENT,
        "LMS_SMTP_HOST": "127.0.0.1",
        "LMS_SMTP_PORT": server.port,
        "LMS_SMTP_SECURITY": "none",
        "LMS_SMTP_TIMEOUT_SECONDS": 5,
        "LMS_MAIL_SENDER": SENDER,
        "LMS_MAIL_MAX_ATTEMPTS": 3,
    }


def delivered_to(server: SmtpServer, to: str) -> list:
    """The messages ``server`` received for ``to`` after the worker sent everything due."""
    deliver_due()
    return [r.message for r in server.inbox.received if r.recipients == [to]]
