"""The input boundary: what a value from outside must look like before anything reads it.

One place for the rules every path, query string, form and CSV importer
shares, so that no view needs a fix of its own:

- ids fit the database's integer column (1 .. 2**31-1); anything else is "not found";
- text holds no NUL or other control characters (tab and line breaks only where
  a field takes several lines);
- names also hold no bidirectional overrides or invisible format characters,
  which could make a name on a roster or certificate read as something else;
- dates lie between 1900 and 2200.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from flask import request
from werkzeug.routing import BaseConverter, ValidationError

#: The largest id a database integer column holds (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
#: The range of whole numbers a form may send to an integer column.
MIN_INT, MAX_INT = -(2**31), 2**31 - 1
#: The dates a person may type: before or after this is a typing error.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2200, 12, 31)
#: Characters that change how text around them is ordered or shown, unseen.
_BIDI_AND_INVISIBLE = set(
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/joiners, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # isolates
    "\u061c\ufeff\u180e"  # Arabic letter mark, BOM, Mongolian vowel separator
)
_LINE_BREAKS = "\n\r\t"


def parse_id(value: object) -> int | None:
    """``value`` as a database id, or None when it is not one (not a number, out of range)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def query_text(name: str) -> str:
    """The query-string parameter ``name`` as one line of text; "" when absent or not text.

    For the few parameters a view reads without a form (a form's fields are checked
    by :mod:`lms.forms`): a value with control characters is never looked up.
    """
    value = request.args.get(name, "")
    return "" if text_problem(value) else value


#: Unicode's control characters (category Cc, fixed by its stability policy): a quick test
#: that lets the common, clean value through without a look at each character.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def describe_character(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how a message names a character."""
    name = unicodedata.name(char, None)
    return f"U+{ord(char):04X}" + (f" {name}" if name else "")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text (a control character), or None."""
    if not _CONTROL.search(value):
        return None
    allowed = _LINE_BREAKS if multiline else ""
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in allowed:
            if char == "\x00":
                return "Remove the NUL character (U+0000) from this text."
            return f"Remove the control character {describe_character(char)} from this text."
    return None


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a person's or organization's name, or None.

    Besides control characters, refuses the invisible characters that reorder or
    hide text (U+202E RIGHT-TO-LEFT OVERRIDE makes "Smith" print as "htimS").
    Joiners that scripts need inside words (ZWJ, ZWNJ) are refused too: names
    print correctly without them.
    """
    problem = text_problem(value)
    if problem:
        return problem
    for char in value:
        if char in _BIDI_AND_INVISIBLE or unicodedata.category(char) == "Cf":
            return (
                f"Remove the invisible character {describe_character(char)}: it changes how "
                "the name reads on rosters and certificates."
            )
    return None


def date_problem(value: object) -> str | None:
    """Why ``value`` is outside the dates anyone types for training, or None."""
    if not isinstance(value, date):  # None, or a time of day
        return None
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}."
    return None


# --- URL converters -----------------------------------------------------------------


class IdConverter(BaseConverter):
    """``<lms_id:name>``: a positive id that fits the database, else the route does not match."""

    regex = r"\d{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


class TextConverter(BaseConverter):
    """``<lms_text:name>``: one path segment of printable text, at most 200 characters."""

    regex = r"[^/\x00-\x1f\x7f]{1,200}"
    part_isolating = True

    def to_python(self, value: str) -> str:
        if text_problem(value) or name_problem(value):
            raise ValidationError()
        return value


CONVERTERS = {"lms_id": IdConverter, "lms_text": TextConverter}
