"""Keyset (cursor) paging over an ordered list of events: (key, id).

A cursor names the last event shown by its sort key and id ("2025-07-06.42" in date
order, "12.42" by killed); the next page starts after it. Unlike OFFSET, pages neither
skip nor repeat events when rows are added meanwhile, and the cost of a page does not
grow with how deep it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

DATE_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")
NUMBER_CURSOR = re.compile(r"^(-?\d{1,18})\.(\d{1,18})$")


@dataclass(frozen=True)
class Order:
    """A list order: a key (a field or an annotation), its direction, id breaking ties."""

    key: str
    descending: bool
    numeric: bool = False

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.descending:
            return queryset.order_by(f"-{self.key}", "-id")
        return queryset.order_by(self.key, "id")

    def parse_cursor(self, value: str) -> tuple[date | int, int] | None:
        match = (NUMBER_CURSOR if self.numeric else DATE_CURSOR).match(value or "")
        if not match:
            return None
        try:
            key = int(match[1]) if self.numeric else date.fromisoformat(match[1])
        except ValueError:
            return None
        return key, int(match[2])

    def cursor_for(self, event) -> str:
        value = getattr(event, self.key)
        return f"{value if self.numeric else value.isoformat()}.{event.pk}"

    def after(self, ordered: QuerySet, cursor: tuple | None) -> QuerySet:
        """The events of `ordered` that come after `cursor` in this order."""
        if cursor is None:
            return ordered
        value, pk = cursor
        # The plain range on the key lets the database seek an index; the OR then only
        # sorts out the events with that same key.
        if self.descending:
            return ordered.filter(**{f"{self.key}__lte": value}).filter(
                Q(**{f"{self.key}__lt": value}) | Q(pk__lt=pk)
            )
        return ordered.filter(**{f"{self.key}__gte": value}).filter(
            Q(**{f"{self.key}__gt": value}) | Q(pk__gt=pk)
        )


NEWEST_FIRST = Order("date_start", descending=True)
OLDEST_FIRST = Order("date_start", descending=False)


def date_order(newest_first: bool) -> Order:
    return NEWEST_FIRST if newest_first else OLDEST_FIRST


# Relevance order has no key to seek from; its pages are offsets ("@50"), bounded by the
# number of matches that are ranked at all.
OFFSET_CURSOR = re.compile(r"^@(\d{1,6})$")


def parse_cursor(value: str) -> tuple[date, int] | None:
    """A date-order cursor ("2025-07-06.42"), or None."""
    return OLDEST_FIRST.parse_cursor(value)


def parse_offset_cursor(value: str, *, limit: int) -> int | None:
    match = OFFSET_CURSOR.match(value or "")
    if not match or int(match[1]) > limit:
        return None
    return int(match[1])


def make_offset_cursor(offset: int) -> str:
    return f"@{offset}"


def make_cursor(event) -> str:
    return OLDEST_FIRST.cursor_for(event)


@dataclass
class Page:
    items: QuerySet
    size: int
    order: Order = OLDEST_FIRST

    def next_cursor(self, events: list) -> str | None:
        """The cursor after the last event, if there is another page."""
        if len(events) > self.size:
            del events[self.size :]
            return self.order.cursor_for(events[-1])
        return None


def page_after(
    ordered: QuerySet,
    cursor: tuple | None,
    size: int,
    *,
    newest_first: bool = False,
    order: Order | None = None,
) -> Page:
    """One page of `ordered` after `cursor` (one extra row tells if there is more)."""
    order = order or date_order(newest_first)
    return Page(items=order.after(ordered, cursor)[: size + 1], size=size, order=order)


def after(ordered: QuerySet, cursor: tuple[date, int] | None, *, newest_first: bool) -> QuerySet:
    """The events of `ordered` that come after `cursor` in timeline (date) order."""
    return date_order(newest_first).after(ordered, cursor)
