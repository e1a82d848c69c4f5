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


def parse_cursor(value: str) -> tuple[date, int] | None:
    match = CURSOR.match(value or "")
    if not match:
        return None
    try:
        return date.fromisoformat(match[1]), int(match[2])
    except ValueError:
        return None


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
    if cursor is not None:
        day, pk = cursor
        if newest_first:
            ordered = ordered.filter(Q(date_start__lt=day) | Q(date_start=day, pk__lt=pk))
        else:
            ordered = ordered.filter(Q(date_start__gt=day) | Q(date_start=day, pk__gt=pk))
    return Page(items=ordered[: size + 1], size=size)
