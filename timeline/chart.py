"""The chart above the timeline: events per day (week, month, year), stacked by type.

Counting happens in the database (GROUP BY bucket, type), in three queries whatever the
number of events: the span, the counts, the event types. The killed row sums, per
bucket, the *lowest* low bound of each event's `killed` figures: where sources disagree
("at least 30" from one, "12" from another) the event counts 12, the conservative rule
ACLED applies to contested fatality figures. Figures are never averaged.

The killed row says what it sums: each event's counted figure is either a dataset's coding
(ACLED's fatalities, UCDP's low estimate) or a claim a named source made, and the totals
are kept apart by that ("17,512 as coded by ACLED; 38 as claimed in sources").

Events are counted on the day they start; when the filter has a start date, events that
began earlier (and run into the range) are counted on its first day, so the chart never
shows bars outside the chosen range.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    Count,
    QuerySet,
)
from django.http import QueryDict

from timeline.models import Event, EventType, Figure

# Bar-count ceilings: a day per bar up to 120 days, then weeks (about two years), then
# months (ten years), then years. Each keeps the chart at or below ~120 bars.
MAX_DAYS = 120
MAX_WEEKS_SPAN_DAYS = 2 * 366
MAX_MONTHS_SPAN_DAYS = 10 * 366

UNIT_NOUNS = {"day": "day", "week": "week", "month": "month", "year": "year"}

# How the killed row counts, in words; the labels below name what it sums.
KILLED_RULE = "each event once, by the low bound of its lowest figure"
CLAIMS = ""  # the source key of claims; a coding's key is its dataset ("ACLED", "UCDP")

# Geometry of the SVG, in viewBox units; the SVG scales to its container's width.
WIDTH = 800
LEFT = 44
RIGHT = 6
TOP = 8
BAR_HEIGHT = 120
AXIS_GAP = 16
KILLED_TOP_GAP = 40
KILLED_HEIGHT = 36
MAX_BAR_WIDTH = 48
TICK_ROOM = 32  # about half the width of the longest tick label


def choose_unit(first: date, last: date) -> str:
    """The bucket for a span: day up to 120 days, week up to two years, month up to ten."""
    days = (last - first).days + 1
    if days <= MAX_DAYS:
        return "day"
    if days <= MAX_WEEKS_SPAN_DAYS:
        return "week"
    if days <= MAX_MONTHS_SPAN_DAYS:
        return "month"
    return "year"


def bucket_start(day: date, unit: str) -> date:
    """The first day of the bucket holding `day` (weeks start on Monday, as TruncWeek)."""
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def bucket_end(start: date, unit: str) -> date:
    """The last day (inclusive) of the bucket starting on `start`."""
    if unit == "day":
        return start
    if unit == "week":
        return start + timedelta(days=6)
    if unit == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start.replace(month=12, day=31)


def bucket_label(start: date, unit: str) -> str:
    """ "6 Jul 2025", "week of 30 Jun 2025", "July 2025", "2025"."""
    if unit == "day":
        return f"{start.day} {start:%b %Y}"
    if unit == "week":
        return f"week of {start.day} {start:%b %Y}"
    if unit == "month":
        return f"{start:%B %Y}"
    return str(start.year)


def tick_label(start: date, unit: str) -> str:
    """The short form under the axis: "6 Jul", "30 Jun", "Jul 2025", "2025"."""
    if unit in ("day", "week"):
        return f"{start.day} {start:%b}"
    if unit == "month":
        return f"{start:%b %Y}"
    return str(start.year)


@dataclass
class Segment:
    """One type's part of a bar."""

    type: EventType
    count: int
    y: float = 0.0
    height: float = 0.0


@dataclass
class Bucket:
    start: date
    end: date
    unit: str
    segments: list[Segment] = field(default_factory=list)
    killed: int | None = None  # None: no event in the bucket has a killed figure
    killed_by: dict[str, int] = field(default_factory=dict)  # by source (KilledPart.source)
    killed_cells: list[int | None] = field(default_factory=list)  # in chart.killed_parts order
    url: str = ""
    slot_x: float = 0.0  # the whole column, so that thin bars are easy to click
    x: float = 0.0
    width: float = 0.0
    killed_y: float = 0.0
    killed_height: float = 0.0

    @property
    def total(self) -> int:
        return sum(segment.count for segment in self.segments)

    @property
    def label(self) -> str:
        return bucket_label(self.start, self.unit)

    @property
    def breakdown(self) -> str:
        """ "2 military strike, 1 casualty report"."""
        return ", ".join(f"{s.count} {s.type.name.lower()}" for s in self.segments)

    @property
    def summary(self) -> str:
        """The bar's tooltip: "6 Jul 2025: 3 events (2 military strike, 1 casualty report)"."""
        text = f"{self.label}: {self.total} event{'s' if self.total != 1 else ''}"
        if self.segments:
            text += f" ({self.breakdown})"
        if self.killed:
            parts = [
                f"{n:,} {killed_source_words(source)}" for source, n in self.killed_by.items() if n
            ]
            text += f"; {self.killed:,} killed ({'; '.join(parts)}; lowest figure per event)"
        return text


def killed_source_words(source: str) -> str:
    """ "as coded by ACLED", or "as claimed in sources" for claims."""
    if source == CLAIMS:
        return "as claimed in sources"
    return f"as coded by {source}"


@dataclass
class KilledPart:
    """One source of the killed row's total: a dataset's codings, or claims."""

    source: str
    total: int
    events: int

    @property
    def words(self) -> str:
        return killed_source_words(self.source)

    @property
    def is_claims(self) -> bool:
        return self.source == CLAIMS


@dataclass
class Tick:
    x: float
    label: str
    anchor: str = "middle"


@dataclass
class EventsChart:
    unit: str
    first: date
    last: date
    buckets: list[Bucket]
    types: list[tuple[EventType, int]]  # the types present, in legend order, with totals
    max_total: int
    max_killed: int
    total_events: int
    total_killed: int
    events_with_killed: int
    killed_parts: list[KilledPart] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    height: int = 0
    killed_top: float = 0.0
    axis_y: float = 0.0
    slot: float = 0.0
    killed_bottom: float = 0.0
    top: float = TOP
    baseline: float = TOP + BAR_HEIGHT
    left: float = LEFT
    right: float = WIDTH - RIGHT
    width: int = WIDTH

    @property
    def unit_noun(self) -> str:
        return UNIT_NOUNS[self.unit]

    @property
    def filled_buckets(self) -> list[Bucket]:
        return [bucket for bucket in self.buckets if bucket.total]

    @property
    def span_label(self) -> str:
        first = bucket_label(self.first, "day")
        last = bucket_label(self.last, "day")
        return first if first == last else f"{first} – {last}"

    @property
    def column_height(self) -> float:
        """The height of a bar's click target: its whole column, killed row included."""
        return round((self.killed_bottom or self.baseline) - self.top, 2)

    @property
    def killed_label(self) -> str:
        """What the killed row sums: "Killed, as coded by ACLED (each event once, …)"."""
        sources = " or ".join(part.words for part in self.killed_parts) or "as reported"
        return f"Killed, {sources} ({KILLED_RULE})"

    @property
    def killed_summary(self) -> str:
        """ "17,512 killed as coded by ACLED; 38 as claimed in sources"."""
        pieces = [
            f"{part.total:,} {'killed ' if index == 0 else ''}{part.words}"
            for index, part in enumerate(self.killed_parts)
        ]
        return "; ".join(pieces)

    @property
    def title(self) -> str:
        return f"Events per {self.unit_noun} by type, {self.span_label}"

    @property
    def description(self) -> str:
        """What a screen reader hears instead of the bars."""
        busiest = max(self.buckets, key=lambda b: b.total)
        types = ", ".join(f"{n} {t.name.lower()}" for t, n in self.types)
        text = (
            f"{self.total_events} event{'s' if self.total_events != 1 else ''} "
            f"in {len(self.filled_buckets)} of {len(self.buckets)} {self.unit_noun}s: {types}. "
            f"Busiest: {busiest.label} with {busiest.total}."
        )
        if self.events_with_killed:
            text += (
                f" At least {self.total_killed:,} killed across {self.events_with_killed} "
                f"event{'s' if self.events_with_killed != 1 else ''} with a killed figure: "
                f"{self.killed_summary} ({KILLED_RULE})."
            )
        return text


def killed_by_day(events: QuerySet) -> list[tuple[date, str, int, int]]:
    """Per start day and source: the sum over events of each one's lowest killed figure,
    and how many events had one.

    The source is the counted figure's: a coding's dataset ("ACLED") or CLAIMS. Each event
    counts once, by its lowest figure (a coding before a claim of the same number), so the
    sources' totals add up to the row's. One pass over the killed figures of the filtered
    events. (A correlated subquery per event cost 0.8 s over 200,000 events on PostgreSQL.)
    """
    inner, params = events.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    figure, event = quote(Figure._meta.db_table), quote(Event._meta.db_table)
    sql = (
        f"SELECT e.date_start, m.source, SUM(m.low), COUNT(*) FROM ("
        f"SELECT f.event_id, f.low, "
        f"CASE WHEN f.basis = %s THEN f.attributed_to ELSE %s END AS source, "
        f"ROW_NUMBER() OVER (PARTITION BY f.event_id ORDER BY f.low, "
        f"CASE WHEN f.basis = %s THEN 0 ELSE 1 END, f.id) AS pick "
        f"FROM {figure} f WHERE f.kind = %s AND f.event_id IN ({inner})"
        f") m JOIN {event} e ON e.id = m.event_id WHERE m.pick = 1 "
        f"GROUP BY e.date_start, m.source"
    )
    coding = Figure.Basis.CODING
    with connection.cursor() as cursor:
        cursor.execute(sql, [coding, CLAIMS, coding, Figure.Kind.KILLED, *params])
        return [
            (_as_date(day), source or "", int(total), int(n))
            for day, source, total, n in cursor.fetchall()
        ]


def events_chart(
    *,
    events: QuerySet,
    query: QueryDict | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    link_base: str = "",
) -> EventsChart | None:
    """The chart for a filtered set of events, or None when there are none.

    `events` is the filtered queryset (EventFilter.qs); `query` the request's parameters,
    kept in each bar's link; `date_from` and `date_to` the filter's own range, which bars
    never widen and events are clamped into. `link_base` is the page the bars link to
    (empty: this page; an entity page's chart links to the timeline).
    """

    # Grouped by day in SQL and into buckets here: SQLite's date truncation is a Python
    # function called once per event, and a day has at most one row per type. Events
    # that began before the filter's From date count on that date.
    def counted_on(day) -> date:
        day = _as_date(day)
        return max(day, date_from) if date_from else day

    rows = events.order_by().values("date_start", "type").annotate(n=Count("id")).order_by()
    per_day = [(counted_on(row["date_start"]), row["type"], row["n"]) for row in rows]
    if not per_day:
        return None
    first = min(day for day, _, _ in per_day)
    last = max(day for day, _, _ in per_day)
    unit = choose_unit(first, last)
    counts: dict[date, dict[int, int]] = {}
    for day, event_type, n in per_day:
        per_type = counts.setdefault(bucket_start(day, unit), {})
        per_type[event_type] = per_type.get(event_type, 0) + n
    killed: dict[date, int] = {}
    killed_by: dict[date, dict[str, int]] = {}
    parts: dict[str, KilledPart] = {}
    events_with_killed = 0
    for day, source, total, n in killed_by_day(events):
        start = bucket_start(counted_on(day), unit)
        killed[start] = killed.get(start, 0) + total
        per_source = killed_by.setdefault(start, {})
        per_source[source] = per_source.get(source, 0) + total
        part = parts.setdefault(source, KilledPart(source=source, total=0, events=0))
        part.total += total
        part.events += n
        events_with_killed += n
    # Datasets' codings first (by name), claims last.
    killed_parts = sorted(parts.values(), key=lambda part: (part.is_claims, part.source))
    types = list(EventType.objects.filter(pk__in={t for c in counts.values() for t in c}))

    buckets = []
    start = bucket_start(first, unit)
    while start <= last:
        end = bucket_end(start, unit)
        per_type = counts.get(start, {})
        bucket = Bucket(
            start=start,
            end=end,
            unit=unit,
            segments=[Segment(type=t, count=per_type[t.pk]) for t in types if per_type.get(t.pk)],
            killed=killed.get(start),
            killed_by={
                part.source: killed_by.get(start, {}).get(part.source, 0) for part in killed_parts
            },
        )
        bucket.killed_cells = [
            killed_by[start].get(part.source) if start in killed_by else None
            for part in killed_parts
        ]
        if bucket.total and query is not None:
            bucket.url = link_base + narrowed_url(
                query,
                max(start, date_from) if date_from else start,
                min(end, date_to) if date_to else end,
            )
        buckets.append(bucket)
        start = end + timedelta(days=1)

    type_totals = {t.pk: sum(c.get(t.pk, 0) for c in counts.values()) for t in types}
    chart = EventsChart(
        unit=unit,
        first=first,
        last=last,
        buckets=buckets,
        types=[(t, type_totals[t.pk]) for t in types],
        max_total=max(bucket.total for bucket in buckets),
        max_killed=max(killed.values(), default=0),
        total_events=sum(type_totals.values()),
        total_killed=sum(killed.values()),
        events_with_killed=events_with_killed,
        killed_parts=killed_parts,
    )
    lay_out(chart)
    return chart


def narrowed_url(query: QueryDict, start: date, end: date) -> str:
    """This page's query with the date range set to one bucket (and no paging cursor)."""
    narrowed = query.copy()
    narrowed.pop("cursor", None)
    narrowed["from"] = start.isoformat()
    narrowed["to"] = end.isoformat()
    return f"?{narrowed.urlencode()}"


def lay_out(chart: EventsChart) -> None:
    """Positions in viewBox units for every bar, segment, killed bar and axis tick."""
    slot = (WIDTH - LEFT - RIGHT) / len(chart.buckets)
    bar_width = max(min(slot * 0.8, MAX_BAR_WIDTH), 0.5)
    bottom = TOP + BAR_HEIGHT
    for index, bucket in enumerate(chart.buckets):
        bucket.slot_x = round(LEFT + index * slot, 2)
        bucket.x = round(LEFT + index * slot + (slot - bar_width) / 2, 2)
        bucket.width = round(bar_width, 2)
        y = bottom
        for segment in bucket.segments:
            segment.height = round(segment.count / chart.max_total * BAR_HEIGHT, 2)
            y -= segment.height
            segment.y = round(y, 2)
    chart.slot = round(slot, 2)
    chart.axis_y = bottom + AXIS_GAP - 2
    chart.ticks = ticks(chart, slot)
    if chart.max_killed:
        chart.killed_top = bottom + KILLED_TOP_GAP
        killed_bottom = chart.killed_bottom = chart.killed_top + KILLED_HEIGHT
        for bucket in chart.buckets:
            if bucket.killed:
                bucket.killed_height = round(
                    max(bucket.killed / chart.max_killed * KILLED_HEIGHT, 1), 2
                )
                bucket.killed_y = round(killed_bottom - bucket.killed_height, 2)
        chart.height = int(killed_bottom + 4)
    else:
        chart.height = int(chart.axis_y + 6)


def ticks(chart: EventsChart, slot: float) -> list[Tick]:
    """Up to about eight evenly spaced date labels along the axis, first one included."""
    count = len(chart.buckets)
    step = max(1, -(-count // 8))
    placed = []
    for index in range(0, count, step):
        x = round(LEFT + index * slot + slot / 2, 2)
        anchor = "end" if x + TICK_ROOM > WIDTH else "middle"
        placed.append(
            Tick(
                x=WIDTH - RIGHT if anchor == "end" else x,
                label=tick_label(chart.buckets[index].start, chart.unit),
                anchor=anchor,
            )
        )
    return placed


def _as_date(value) -> date:
    # SQLite hands back strings for expressions over dates in some Django versions.
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
