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

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache, lru_cache

from ..models import utcnow


class _HeaderClasses(HeaderRegistry):
    """The ``email`` package's header registry, keeping the class it makes for each kind
    of header, and the parsed headers most messages share (MIME-Version, the parts'
    Content-Type and Content-Transfer-Encoding, the sender). The package makes a new
    class for every header of every message (with ``type()``) and parses each value
    anew: together about half the time :func:`compose` took
    (``benchmarks/compose_bench.py``). Header classes hold no state of their own, and
    a parsed header is immutable (a ``str``; a message changes a header by
    replacing it)."""

    @cache  # noqa: B019 (one registry per process, never freed)
    def __getitem__(self, name: str) -> type:
        return super().__getitem__(name)

    @lru_cache(maxsize=512)  # noqa: B019
    def __call__(self, name: str, value: str):
        return super().__call__(name, value)


_HEADERS = _HeaderClasses()
#: RFC 5322 lines, CRLF, every part 7-bit.
WIRE = policy.SMTP.clone(cte_type="7bit", header_factory=_HEADERS)
#: How a mail client reads a message (``policy.default``), with the same header classes.
READING = policy.default.clone(header_factory=_HEADERS)
#: RFC 5322 §2.1.1: a line SHOULD be at most 78 characters (CRLF aside).
LINE = 78
#: RFC 2047 §2: an encoded word is at most 75 characters.
ENCODED_WORD = 75


def _encoded_words(value: str, first: int) -> list[str]:
    """``value`` as RFC 2047 encoded words (UTF-8, base64) of whole characters, each with
    its spaces inside, on lines of at most :data:`LINE` (the first after ``first``
    characters, the others after one space of folding)."""
    whole = value.encode("utf-8")
    if len(base64.b64encode(whole)) <= min(LINE - first, ENCODED_WORD) - len("=?utf-8?b??="):
        return [f"=?utf-8?b?{base64.b64encode(whole).decode()}?="]  # one word: most names
    chunks, chunk = [], b""
    for character in value:
        encoded = character.encode("utf-8")
        room = min(LINE - (first if not chunks else 1), ENCODED_WORD) - len("=?utf-8?b??=")
        if chunk and len(base64.b64encode(chunk + encoded)) > room:
            chunks.append(chunk)
            chunk = b""
        chunk += encoded
    chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode()}?=" for chunk in chunks]


def folded_header(name: str, value: str) -> str:
    """``value`` as the body of the unstructured header ``name`` (Subject): 7-bit lines of
    at most :data:`LINE` characters (with ``"name: "`` on the first) that unfold to
    exactly ``value``.

    The ``email`` package's folder loses or adds a space where it folds between
    encoded words (a long non-ASCII subject read back with a space dropped or
    doubled), so headers are folded here. Printable ASCII words separated by single
    spaces are folded before a space (RFC 5322 §2.2.3: unfolding removes only the
    CRLF). Anything else is written as encoded words with every space inside one:
    a reader drops the folding white space between two encoded words, so it joins
    them back to ``value`` exactly.
    """
    if not value:
        return ""
    words = value.split(" ")
    first = len(name) + 2
    if all(word and word.isascii() and word.isprintable() for word in words) and (
        "=?" not in value and max(first + len(words[0]), *map(len, words[1:] or [""])) < LINE
    ):
        lines = [words[0]]
        for word in words[1:]:
            width = len(lines[-1]) + (first if len(lines) == 1 else 0)
            if width + 1 + len(word) <= LINE:
                lines[-1] += " " + word
            else:
                lines.append(" " + word)
        return "\r\n".join(lines)
    return "\r\n ".join(_encoded_words(value, first))


def address_header(name: str, display_name: str | None, address: str) -> str:
    """``display_name <address>`` as the body of the address header ``name`` (From, To),
    folded like :func:`folded_header`: an ASCII name before a space (inside its
    quotes if it needs them), any other name as encoded words.

    Mail clients join the encoded words of a long name as RFC 2047 §6.2 says (as does
    the ``email`` package's ``decode_header``); the package's address parser keeps
    the space between two of them, so it reads such a name with an extra space where
    it was folded. A name that fits one encoded word (about 45 UTF-8 bytes) reads
    back exactly everywhere.
    """
    plain = formataddr((display_name, address)) if display_name else address
    first = len(name) + 2
    if display_name and (not plain.isascii() or "=?" in plain):
        words = _encoded_words(display_name, first)
        last = len(words[-1]) + (first if len(words) == 1 else 1)
        glue = " " if last + len(address) + 3 <= LINE else "\r\n "
        return "\r\n ".join(words) + f"{glue}<{address}>"
    if first + len(plain) <= LINE:
        return plain
    return folded_header(name, plain)


@lru_cache(maxsize=1024)  # the sender's and Reply-To are the same for every message
def header_address(value: str) -> tuple[str, str]:
    """(display name, address) of a header value such as ``'Name <address>'``, its name
    decoded if it was written in encoded words."""
    parsed = READING.header_factory("To", value)
    if not parsed.addresses:
        raise ValueError(f"not an address: {value!r}")
    return parsed.addresses[0].display_name, parsed.addresses[0].addr_spec


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
    # Stored as folded here (see folded_header), not re-folded by the policy.
    message.set_raw("From", address_header("From", *header_address(envelope.sender)))
    message.set_raw("To", address_header("To", *header_address(envelope.to)))
    if envelope.reply_to:
        message.set_raw("Reply-To", address_header("Reply-To", *header_address(envelope.reply_to)))
    message.set_raw("Subject", folded_header("Subject", subject))
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
    message = message_from_bytes(raw, policy=READING)
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
