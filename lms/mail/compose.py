"""Messages as bytes, and back: the MIME renderer and the reader the Outbox page uses.

Pure functions of plain values, like the other renderers: :func:`compose`
builds the complete message (headers, text and HTML alternatives, calendar
parts, attachments) and returns its bytes; :func:`read` takes those bytes
apart again as a mail client would.

The shape, as Gmail, Outlook and Apple Mail expect it of a calendar invitation
(RFC 6047, iMIP)::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST      <- an Attachment with alternative=True
      application/ics; name=invite.ics     <- an Attachment (alternative=False)

Outlook reads iMIP data only in the first part of ``multipart/mixed``; other
clients look for an attached ``.ics``; so an invitation carries both. Without
attachments the message is just the ``multipart/alternative``.

Everything is encoded to 7-bit (quoted-printable or base64), so any SMTP
server takes it, with or without 8BITMIME.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, formataddr, parseaddr

from ..models import utcnow

#: RFC 5322 lines, CRLF, every part 7-bit.
WIRE = policy.SMTP.clone(cte_type="7bit")


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message.

    ``content_type`` is the full MIME type with its parameters, e.g.
    ``"text/calendar; method=REQUEST; charset=UTF-8"``. ``alternative``: the part
    is another rendering of the message body (an iTIP calendar part) and goes
    inside ``multipart/alternative``, without a file name; otherwise it is
    attached as a file named ``filename``.
    """

    filename: str
    content_type: str
    data: bytes
    alternative: bool = False


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom: display names and addresses as RFC 5322 header values."""

    sender: str
    to: str
    reply_to: str | None = None


def display_address(name: str | None, address: str) -> str:
    """'Name <address>' (or the bare address), with the name quoted as needed."""
    return formataddr((name, address)) if name else address


def bare_address(value: str) -> str:
    """The address of 'Name <address>'."""
    return parseaddr(value)[1]


def compose(
    envelope: Envelope,
    subject: str,
    text: str,
    html: str,
    *,
    message_id: str,
    attachments: Sequence[Attachment] = (),
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """The whole message as it goes over SMTP (CRLF line ends, 7-bit)."""
    message = EmailMessage(policy=WIRE)
    message["From"] = envelope.sender
    message["To"] = envelope.to
    if envelope.reply_to:
        message["Reply-To"] = envelope.reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in attachments:
        if attachment.alternative:
            _add(message.add_alternative, attachment)
    for attachment in attachments:
        if not attachment.alternative:
            _add(message.add_attachment, attachment, filename=attachment.filename)
    return message.as_bytes()


def _add(add, attachment: Attachment, **file) -> None:
    """Add ``attachment`` through ``add``: text with its charset, anything else as bytes."""
    holder = EmailMessage(policy=WIRE)
    holder["Content-Type"] = attachment.content_type
    maintype, subtype = holder.get_content_maintype(), holder.get_content_subtype()
    params = {k: v for k, v in holder["Content-Type"].params.items() if k != "charset"}
    charset = holder.get_content_charset()
    if maintype == "text" and charset:
        add(
            attachment.data.decode(charset),
            subtype=subtype,
            charset=charset,
            params=params,
            **file,
        )
    else:
        add(attachment.data, maintype=maintype, subtype=subtype, params=params, **file)


# --- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A part of a message other than its text and HTML bodies: an attachment or calendar."""

    number: int  # 1-based, in the order a mail client lists them
    filename: str | None
    content_type: str
    size: int
    inline: bool  # an alternative rendering (a calendar part), not a file

    @property
    def label(self) -> str:
        return self.filename or ("calendar" if "calendar" in self.content_type else "part")


@dataclass(frozen=True)
class ReadMessage:
    """A stored message as the recipient's client shows it."""

    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    parts: list[Part]

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


#: The headers a mail client shows above a message.
SHOWN_HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "Message-ID")


def _split(raw: bytes) -> tuple[EmailMessage, MIMEPart | None, MIMEPart | None, list[MIMEPart]]:
    """The parsed message, its text body, its HTML body and every other leaf part."""
    message = message_from_bytes(raw, policy=policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    others = [
        part
        for part in message.walk()
        if not part.is_multipart() and part is not text and part is not html
    ]
    return message, text, html, others


def _part(number: int, part: MIMEPart) -> Part:
    return Part(
        number,
        part.get_filename(),
        str(part["Content-Type"] or part.get_content_type()),
        len(_bytes(part)),
        part.get_content_disposition() != "attachment",
    )


def _bytes(part: MIMEPart) -> bytes:
    return part.get_payload(decode=True) or b""


def read(raw: bytes) -> ReadMessage:
    """The message's headers, text, HTML and other parts."""
    message, text, html, others = _split(raw)
    return ReadMessage(
        [(name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None],
        text.get_content() if text is not None else None,
        html.get_content() if html is not None else None,
        [_part(number, part) for number, part in enumerate(others, start=1)],
    )


def part_content(raw: bytes, number: int) -> tuple[Part, bytes] | None:
    """Part ``number`` (numbered as :func:`read` lists them) and its decoded bytes, or None."""
    others = _split(raw)[3]
    if not 1 <= number <= len(others):
        return None
    part = others[number - 1]
    return _part(number, part), _bytes(part)
