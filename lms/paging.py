"""One page of a list that grows with the program: the rows of the page asked, and how many.

A statewide program has hundreds of coming classes; a list of all of them costs a
page in proportion (a coordinator's group page with 190 classes took about 80 ms
of CPU) and is no use on a phone. A paged list reads one page of rows and their
count: two statements, whatever the number of rows. The page number comes from
the query string (``?page=2``); a page past the last shows the last, and a page
number that is not a whole number from 1 is refused with a 400 that says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import abort, request
from sqlalchemy import Select, func, select

from .core import db_session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of one page, the page's number and the count of all rows."""

    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_row(self) -> int:
        """The place of the page's first row among all, from 1 (0 when there is none)."""
        return (self.number - 1) * self.size + 1 if self.items else 0

    @property
    def last_row(self) -> int:
        return (self.number - 1) * self.size + len(self.items)


def page_number() -> int:
    """The page this request asks for (``?page=``), 1 when it asks none."""
    raw = request.args.get("page", "")
    if raw == "":
        return 1
    # The length first: int() refuses a string of more than 4,300 digits with an error.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6 and int(raw) >= 1):
        abort(400, description="The page number must be a whole number from 1.")
    return int(raw)


def page_of(
    query: Select, number: int, size: int, rows: Callable[[Select], list[T]] | None = None
) -> Page[T]:
    """Page ``number`` of ``query``'s rows (``size`` a page); past the last, the last.

    ``query`` must be ordered; ``rows`` reads a page of it (default: its scalars),
    for a query with eager loads to apply or rows to make unique.
    """
    read = rows or (lambda page: list(db_session().scalars(page)))
    total = db_session().scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    last = max(1, -(-total // size))
    number = min(number, last)
    items = read(query.limit(size).offset((number - 1) * size))  # asked even when empty:
    # a page's statements are the same whatever the data holds
    return Page(items, number, size, total)
