"""Dates as they are known: an event's span rendered at its precision.

"6 Jul 2025", "6–7 Jul 2025", "week of 30 Jun 2025", "March 2025", "2025",
"about 2 Mar – 19 May 2025". Used by pages and exports alike.
"""

from __future__ import annotations

from datetime import date


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def _day_range(start: date, end: date) -> str:
    if start.year != end.year:
        return f"{_day(start)} – {_day(end)}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {_day(end)}"
    return f"{start.day}–{_day(end)}"


def describe_span(start: date, end: date | None, precision: str) -> str:
    """The human form of a date span at the given precision."""
    if end is None or end == start:
        end = start
    if precision == "year":
        return str(start.year) if start.year == end.year else f"{start.year}–{end.year}"
    if precision == "month":
        if (start.year, start.month) == (end.year, end.month):
            return f"{start:%B %Y}"
        if start.year == end.year:
            return f"{start:%B} – {end:%B %Y}"
        return f"{start:%B %Y} – {end:%B %Y}"
    if precision == "week":
        return f"week of {_day(start)}"
    if precision == "approximate":
        return "about " + (_day(start) if start == end else _day_range(start, end))
    return _day(start) if start == end else _day_range(start, end)


def is_fuzzy(precision: str) -> bool:
    """Whether the date is known less exactly than a day."""
    return precision != "day"
