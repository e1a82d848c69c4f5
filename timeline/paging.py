"""Keyset (cursor) paging over the timeline order (date_start, id).

A cursor names the last event shown ("2025-07-06.42"); the next page starts after it.
Unlike OFFSET, pages neither skip nor repeat events when rows are added meanwhile, and
the cost of a page does not grow with how deep it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d{1,18})$")
# Relevance order has no key to seek from; its pages are offsets ("@50"), bounded by the
# number of matches that are ranked at all.
OFFSET_CURSOR = re.compile(r"^@(\d{1,6})$")


def parse_cursor(value: str) -> tuple[date, int] | None:
    match = CURSOR.match(value or "")
    if not match:
        return None
    try:
        return date.fromisoformat(match[1]), int(match[2])
    except ValueError:
        return None


def parse_offset_cursor(value: str, *, limit: int) -> int | None:
    match = OFFSET_CURSOR.match(value or "")
    if not match or int(match[1]) > limit:
        return None
    return int(match[1])


def make_offset_cursor(offset: int) -> str:
    return f"@{offset}"


def make_cursor(event) -> str:
    return f"{event.date_start.isoformat()}.{event.pk}"


@dataclass
class Page:
    items: QuerySet
    size: int

    def next_cursor(self, events: list) -> str | None:
        """The cursor after the last event, if there is another page."""
        if len(events) > self.size:
            del events[self.size :]
            return make_cursor(events[-1])
        return None


def page_after(
    ordered: QuerySet, cursor: tuple[date, int] | None, size: int, *, newest_first: bool
) -> Page:
    """One page of `ordered` after `cursor` (one extra row tells if there is more)."""
    return Page(items=after(ordered, cursor, newest_first=newest_first)[: size + 1], size=size)


def after(ordered: QuerySet, cursor: tuple[date, int] | None, *, newest_first: bool) -> QuerySet:
    """The events of `ordered` that come after `cursor` in timeline order."""
    if cursor is None:
        return ordered
    day, pk = cursor
    # The plain range on date_start lets the database seek the index; the OR then only
    # sorts out the events on that same day.
    if newest_first:
        return ordered.filter(date_start__lte=day).filter(Q(date_start__lt=day) | Q(pk__lt=pk))
    return ordered.filter(date_start__gte=day).filter(Q(date_start__gt=day) | Q(pk__gt=pk))
