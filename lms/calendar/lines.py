"""Content lines of an iCalendar file (RFC 5545 §3.1, §3.3): TEXT values, folding, instants.

Pure string functions that :mod:`lms.calendar.render` writes every property with.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

CRLF = "\r\n"

# RFC 5545 §3.3.11 allows no control character in a TEXT value but HTAB, and
# clients differ on that one: a tab becomes a space, and every other C0
# control, DEL and the C1 controls are dropped. Line breaks are not dropped:
# ``escape_text`` writes them as the ``\n`` escape first.
_CONTROLS = {
    **{code: None for code in (*range(0x20), *range(0x7F, 0xA0))},
    ord("\t"): " ",
}


def escape_text(value: str) -> str:
    """A TEXT value: line breaks escaped as ``\\n``, other control characters
    removed, backslash, ';' and ',' escaped (RFC 5545 §3.3.11). Every TEXT
    property (SUMMARY, DESCRIPTION, LOCATION, NAME, ...) is written through it."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
        .translate(_CONTROLS)
    )


def param_text(value: str) -> str:
    """A quoted parameter value (RFC 5545 §3.2), e.g. a CN: a DQUOTE cannot be escaped
    there, so it is dropped, as are control characters."""
    return '"' + value.replace('"', "").translate(_CONTROLS) + '"'


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line into lines of at most ``limit`` octets (RFC 5545 §3.1).

    Never splits a UTF-8 character, nor a backslash from the character it escapes.
    """
    if len(line) <= limit and line.isascii():
        return line
    data = line.encode()
    pieces: list[bytes] = []
    start, room = 0, limit
    while len(data) - start > room:
        end = start + room
        while data[end] & 0xC0 == 0x80:  # inside a UTF-8 character: cut before it
            end -= 1
        backslashes = 0
        while data[end - 1 - backslashes] == 0x5C and end - 1 - backslashes > start:
            backslashes += 1
        if backslashes % 2:  # the last backslash escapes the next character
            end -= 1
        pieces.append(data[start:end])
        start, room = end, limit - 1  # continuation lines begin with a space
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode()


def utc_stamp(moment: datetime) -> str:
    """A DATE-TIME in UTC form (``...Z``). Formatted by hand: strftime is 6x slower."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return f"{wall(moment)}Z"


def wall(m: datetime) -> str:
    """A DATE-TIME's digits as on the clock of ``m``'s own zone (TZID or Z added by callers)."""
    # %-formatting: three times quicker than an f-string with format specs here.
    return "%04d%02d%02dT%02d%02d%02d" % (m.year, m.month, m.day, m.hour, m.minute, m.second)  # noqa: UP031


def in_repeated_hour(local: datetime) -> bool:
    """True when ``local``'s clock time happens twice in its zone (the clocks going back).

    Such a time written with a TZID is read differently by different clients
    (Thunderbird's ical.js takes the second occurrence), so it is written in UTC form.
    """
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def duration(span: timedelta) -> str:
    """An RFC 5545 DURATION (e.g. PT1H, P1D, PT90M)."""
    minutes = int(span.total_seconds() // 60)
    if minutes % 1440 == 0:
        return f"P{minutes // 1440}D"
    if minutes % 60 == 0:
        return f"PT{minutes // 60}H"
    return f"PT{minutes}M"
