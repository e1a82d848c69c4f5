"""The comparison chart above the timeline: events (or killed) per day, week, month or
year, split by type, sub-type, actor, place or outlet.

Parameters (all in the permalink, validated by the EventFilter): `split` (type default,
sub_type, actor, location, outlet: the top few values and "other"), `measure` (count
default, killed), `bucket` (day, week, month, year; chosen from the span by default),
`group` (stacked default; multiples draws one small chart per value, side by side, on
one scale). When the filter already names values of the split (two actors, say), those
are the ones compared.

Counting happens in the database, in a fixed number of queries whatever the number of
events: the counts grouped by (day, value), the names of the values shown, and (when
counting events) the killed row. Days are put into buckets here: SQLite's date
truncation is a Python function called once per event, and a day has at most one row per
value. The killed figure of an event is the *lowest* low bound of its `killed` figures:
where sources disagree ("at least 30" from one, "12" from another) the event counts 12,
the conservative rule ACLED applies to contested fatality figures. Figures are never
averaged. An event with two of the compared actors (or outlets) counts for each of them.

The killed row says what it sums: each event's counted figure is either a dataset's coding
(ACLED's fatalities, UCDP's low estimate) or a claim a named source made, and the totals
are kept apart by that ("17,512 as coded by ACLED; 38 as claimed in sources").

Events are counted on the day they start; when the filter has a start date, events that
began earlier (and run into the range) are counted on its first day, so the chart never
shows bars outside the chosen range. Buckets follow the calendar (weeks start on Monday,
months on the 1st) and the first bar is the bucket of the first event.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db import connections
from django.db.models import Count, IntegerField, Min, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict

from timeline import facet_summary
from timeline.models import Actor, Event, EventSubType, EventType, Figure, Location, Outlet

# Bar-count ceilings for the automatic bucket: a day per bar up to 92 days, weeks up to
# a year, months up to ten years, then years.
MAX_DAYS = 92
MAX_WEEKS_SPAN_DAYS = 366
MAX_MONTHS_SPAN_DAYS = 10 * 366
# A chosen bucket that would draw more bars than this is widened (say, days over years).
MAX_BARS = 400

UNIT_NOUNS = {"day": "day", "week": "week", "month": "month", "year": "year"}
SPLIT_NOUNS = {
    "type": "type",
    "sub_type": "sub-type",
    "actor": "actor",
    "location": "place",
    "outlet": "outlet",
}
# The filter parameter that narrows to one value of each split.
SPLIT_PARAMETERS = {
    "type": "type",
    "sub_type": "sub_type",
    "actor": "actor",
    "location": "location",
    "outlet": "outlet",
}
TOP_VALUES = 6  # values drawn on their own; the rest are "other"
TOP_MULTIPLES = 4  # small charts side by side
SERIES_COLOURS = 7  # .series-0 … .series-6 in the stylesheet (Okabe–Ito)

# How the killed row counts, in words; the labels below name what it sums.
KILLED_RULE = "each event once, by the low bound of its lowest figure"
CLAIMS = ""  # the source key of claims; a coding's key is its dataset ("ACLED", "UCDP")
UNNAMED_CODER = "an unnamed dataset"  # a coding whose attributed_to is blank

# Geometry of the SVG, in viewBox units; the SVG scales to its container's width.
WIDTH = 800
MULTIPLE_WIDTH = 400
LEFT = 44
RIGHT = 6
TOP = 8
BAR_HEIGHT = 120
MULTIPLE_BAR_HEIGHT = 90
AXIS_GAP = 16
KILLED_TOP_GAP = 40
KILLED_HEIGHT = 36
MAX_BAR_WIDTH = 48
TICK_ROOM = 40  # about half the width of the longest tick label


def choose_unit(first: date, last: date) -> str:
    """The bucket for a span: day up to 92 days, week up to a year, month up to ten."""
    days = (last - first).days + 1
    if days <= MAX_DAYS:
        return "day"
    if days <= MAX_WEEKS_SPAN_DAYS:
        return "week"
    if days <= MAX_MONTHS_SPAN_DAYS:
        return "month"
    return "year"


def bars_in(first: date, last: date, unit: str) -> int:
    days = (last - first).days + 1
    return {"day": days, "week": days // 7 + 1, "month": days // 28 + 1, "year": 1}[unit]


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
    """ "6 Jul 2025", "30 Jun – 6 Jul 2025", "July 2025", "2025"."""
    if unit == "day":
        return f"{start.day} {start:%b %Y}"
    if unit == "week":
        end = bucket_end(start, unit)
        if start.year != end.year:
            return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
        if start.month != end.month:
            return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
        return f"{start.day}–{end.day} {end:%b %Y}"
    if unit == "month":
        return f"{start:%B %Y}"
    return str(start.year)


def tick_label(start: date, unit: str, *, with_year: bool) -> str:
    """The short form under the axis: "6 Jul", "6 Jul 2025", "Jul", "Jul 2025", "2025"."""
    if unit in ("day", "week"):
        return f"{start.day} {start:%b %Y}" if with_year else f"{start.day} {start:%b}"
    if unit == "month":
        return f"{start:%b %Y}" if with_year else f"{start:%b}"
    return str(start.year)


@dataclass
class Series:
    """One value of the split: a type, a sub-type, an actor, a place or an outlet."""

    key: object  # the database key (pk or outlet name); None for "other"
    label: str
    css: str  # the class that colours it: "type-<slug>", "series-<n>", "series-other"
    parameter: str = ""  # the filter parameter narrowing to it ("" for "other")
    value: str = ""  # that parameter's value
    symbol: str = ""
    total: int = 0


@dataclass
class Segment:
    """One value's part of a bar."""

    series: Series
    count: int
    url: str = ""
    y: float = 0.0
    height: float = 0.0


@dataclass
class Bucket:
    start: date
    end: date
    unit: str
    measure: str = "count"
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
        return ", ".join(f"{s.count:,} {s.series.label}" for s in self.segments)

    @property
    def summary(self) -> str:
        """The bar's tooltip: "6 Jul 2025: 3 events (2 military strike, 1 casualty report)"."""
        noun = "killed" if self.measure == "killed" else "event" + ("s" if self.total != 1 else "")
        text = f"{self.label}: {self.total:,} {noun}"
        if self.segments:
            text += f" ({self.breakdown})"
        if self.killed and self.measure == "count":
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
class Panel:
    """One set of bars: the whole chart, or one value's small chart side by side."""

    buckets: list[Bucket]
    series: Series | None = None
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT
    max_total: int = 0
    max_killed: int = 0
    ticks: list[Tick] = field(default_factory=list)
    height: int = 0
    killed_top: float = 0.0
    axis_y: float = 0.0
    slot: float = 0.0
    killed_bottom: float = 0.0
    top: float = TOP
    left: float = LEFT

    @property
    def baseline(self) -> float:
        return TOP + self.bar_height

    @property
    def right(self) -> float:
        return self.width - RIGHT

    @property
    def column_height(self) -> float:
        """The height of a bar's click target: its whole column, killed row included."""
        return round((self.killed_bottom or self.baseline) - self.top, 2)

    @property
    def title(self) -> str:
        return self.series.label if self.series else ""


@dataclass
class EventsChart:
    unit: str
    first: date
    last: date
    split: str
    measure: str
    group: str
    series: list[Series]  # legend order, with totals
    panels: list[Panel]
    total_events: int
    total_killed: int
    events_with_killed: int
    killed_parts: list[KilledPart] = field(default_factory=list)
    width: int = WIDTH

    @property
    def buckets(self) -> list[Bucket]:
        """The buckets of the first panel (all panels share their dates)."""
        return self.panels[0].buckets

    @property
    def types(self) -> list[tuple[Series, int]]:
        return [(s, s.total) for s in self.series]

    @property
    def max_total(self) -> int:
        return max(panel.max_total for panel in self.panels)

    @property
    def max_killed(self) -> int:
        return max(panel.max_killed for panel in self.panels)

    @property
    def unit_noun(self) -> str:
        return UNIT_NOUNS[self.unit]

    @property
    def split_noun(self) -> str:
        return SPLIT_NOUNS[self.split]

    @property
    def measure_noun(self) -> str:
        return "Killed" if self.measure == "killed" else "Events"

    @property
    def filled_buckets(self) -> list[Bucket]:
        return [bucket for bucket in self.buckets if bucket.total or bucket.killed]

    @property
    def rows(self) -> list[dict]:
        """The data table: one row per bucket with a value per series (all panels)."""
        rows = []
        for index, bucket in enumerate(self.buckets):
            if not any(panel.buckets[index].total for panel in self.panels) and not bucket.killed:
                continue
            values = {}
            for panel in self.panels:
                for segment in panel.buckets[index].segments:
                    values[id(segment.series)] = segment
            rows.append(
                {
                    "bucket": bucket,
                    "total": sum(s.count for s in values.values()),
                    "cells": [values.get(id(s)) for s in self.series],
                }
            )
        return rows

    @property
    def span_label(self) -> str:
        first = bucket_label(self.first, "day")
        last = bucket_label(self.last, "day")
        return first if first == last else f"{first} – {last}"

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
        what = "Killed" if self.measure == "killed" else "Events"
        return f"{what} per {self.unit_noun} by {self.split_noun}, {self.span_label}"

    @property
    def description(self) -> str:
        """What a screen reader hears instead of the bars."""
        busiest = max(self.buckets, key=lambda b: b.total)
        values = ", ".join(f"{s.total:,} {s.label}" for s in self.series)
        noun = "killed" if self.measure == "killed" else "events"
        text = (
            f"{self.total_events:,} event{'s' if self.total_events != 1 else ''} "
            f"in {len(self.filled_buckets)} of {len(self.buckets)} {self.unit_noun}s; "
            f"{noun} by {self.split_noun}: {values}. "
            f"Busiest: {busiest.label} with {busiest.total:,}."
        )
        if self.events_with_killed:
            text += (
                f" At least {self.total_killed:,} killed across {self.events_with_killed:,} "
                f"event{'s' if self.events_with_killed != 1 else ''} with a killed figure: "
                f"{self.killed_summary} ({KILLED_RULE})."
            )
        return text


def killed_by_day(events: QuerySet) -> list[tuple[date, str, int, int]]:
    """Per start day and source: the sum over events of each one's lowest killed figure,
    and how many events had one.

    The source is the counted figure's: a coding's dataset ("ACLED") or CLAIMS. Each event
    counts once, by its lowest figure (a coding before a claim of the same number), so the
    sources' totals add up to the row's.

    One grouped pass over the killed figures of the filtered events, as before sources were
    told apart: each figure becomes a sort key, its low bound zero-padded then "0" and the
    coder's name for a coding or "1" for a claim, and MIN() of the keys is the counted
    figure with its source. (A correlated subquery per event cost 0.8 s over 200,000 events
    on PostgreSQL. Over 50,000, a ROW_NUMBER() window took 1.0-1.3 s on SQLite where this
    takes 0.6 s, and no less on PostgreSQL.)
    """
    inner, params = events.order_by().values("pk").query.sql_with_params()
    # The database the router reads these events from (a replica, on a public page).
    connection = connections[events.db]
    quote = connection.ops.quote_name
    figure, event = quote(Figure._meta.db_table), quote(Event._meta.db_table)
    # LPAD is PostgreSQL's, and Django provides it on SQLite.
    key = facet_summary.killed_sort_key("%s")
    sql = (
        f"SELECT e.date_start, m.pick FROM ("
        f"SELECT f.event_id, MIN({key}) AS pick FROM {figure} f "
        f"WHERE f.kind = %s AND f.event_id IN ({inner}) GROUP BY f.event_id"
        f") m JOIN {event} e ON e.id = m.event_id"
    )
    sql = (
        f"SELECT d.date_start, SUBSTR(d.pick, {facet_summary.LOW_DIGITS + 1}), "
        f"SUM(CAST(SUBSTR(d.pick, 1, {facet_summary.LOW_DIGITS}) AS INTEGER)), COUNT(*) "
        f"FROM ({sql}) d GROUP BY 1, 2"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [Figure.Basis.CODING, Figure.Kind.KILLED, *params])
        rows = cursor.fetchall()
    return [(_as_date(day), _source_of(key), int(total), int(n)) for day, key, total, n in rows]


def _source_of(key: str) -> str:
    """The source from the end of a sort key: "0ACLED" is ACLED's coding, "1" a claim."""
    if key.startswith("0"):
        return key[1:] or UNNAMED_CODER
    return CLAIMS


# What each split groups the events by.
SPLIT_FIELDS = {
    "type": "type",
    "sub_type": "sub_type",
    "actor": "event_actors__actor",
    "location": "location",
    "outlet": "evidence__article__outlets",
}


def counts_by_day(events: QuerySet, split: str, measure: str) -> list[tuple[date, object, int]]:
    """(start day, split key, value) rows: events counted (or killed summed) per day and key.

    Grouped in the database; an event counts once per key even if joined twice to it.
    """
    key = SPLIT_FIELDS[split]
    rows = events.order_by()
    if measure == "killed":
        lowest = (
            Figure.objects.filter(event=OuterRef("pk"), kind=Figure.Kind.KILLED)
            .order_by()
            .values("event")
            .annotate(lowest=Min("low"))
            .values("lowest")
        )
        rows = rows.annotate(
            lowest_killed=Coalesce(Subquery(lowest), Value(0), output_field=IntegerField())
        )
        grouped = rows.values("date_start", key).annotate(n=Sum("lowest_killed"))
    else:
        distinct = split in ("actor", "outlet")
        grouped = rows.values("date_start", key).annotate(n=Count("id", distinct=distinct))
    return [(row["date_start"], row[key], row["n"] or 0) for row in grouped.order_by()]


def series_for(
    split: str, totals: dict, chosen: list, *, top: int
) -> tuple[list[Series], dict[object, Series]]:
    """The values drawn on their own (the chosen ones, else the top `top`), and "other".

    One query for the names of the values shown.
    """
    if chosen:
        keys = [item.pk if hasattr(item, "pk") else item for item in chosen]
    else:
        ranked = sorted((k for k in totals if totals[k]), key=lambda k: -totals[k])
        keys = ranked[:top]
    shown: list[Series] = []
    if split == "type":
        by_pk = {t.pk: t for t in EventType.objects.filter(pk__in=[k for k in keys if k])}
        for k in keys:
            if k in by_pk:
                t = by_pk[k]
                shown.append(Series(k, t.name, f"type-{t.slug}", "type", t.slug, t.symbol))
    elif split in ("sub_type", "actor", "location", "outlet"):
        model = {
            "sub_type": EventSubType,
            "actor": Actor,
            "location": Location,
            "outlet": Outlet,
        }[split]
        by_pk = {o.pk: o for o in model.objects.filter(pk__in=[k for k in keys if k])}
        for k in keys:
            if k in by_pk:
                o = by_pk[k]
                shown.append(Series(k, o.name, "", SPLIT_PARAMETERS[split], o.slug))
            elif k is None and split == "sub_type":
                shown.append(Series(None, "no sub-type", ""))
    for index, series in enumerate(shown):
        if not series.css:
            series.css = f"series-{index % SERIES_COLOURS}"
    by_key = {series.key: series for series in shown}
    return shown, by_key


def events_chart(
    *,
    events: QuerySet,
    query: QueryDict | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    link_base: str = "",
    split: str = "",
    measure: str = "",
    bucket: str = "",
    group: str = "",
    chosen: list | None = None,
    summary=None,
    counted=None,
) -> EventsChart | None:
    """The chart for a filtered set of events, or None when there are none.

    `events` is the filtered queryset (EventFilter.qs); `query` the request's parameters,
    kept in each bar's link; `date_from` and `date_to` the filter's own range, which bars
    never widen and events are clamped into. `link_base` is the page the bars link to
    (empty: this page; an entity page's chart links to the timeline). `chosen` are the
    values of the split the filter already names (they are compared rather than the top).
    `summary`: the filter's timeline.facet_summary Selection when the summary can count
    it; the counts by type or sub-type and the killed totals then come from there.
    `counted`: (rows by day, killed rows) already counted for this chart's split, as
    counts_by_day and killed_by_day would count them, with the killed rows' source still
    the raw sort key's end (EventFilter.chart_rows: the facets' statement counts them).
    """
    split = split or "type"
    measure = measure or "count"
    multiples = group == "multiples"

    def counted_on(day) -> date:
        day = _as_date(day)
        return max(day, date_from) if date_from else day

    if summary is not None and split in ("type", "sub_type") and measure == "count":
        column = "type_id" if split == "type" else "sub_type_id"
        rows = facet_summary.by_day(summary, column, using=events.db)
    elif counted is not None:
        rows = counted[0]
    else:
        rows = counts_by_day(events, split, measure)
    per_day = [(counted_on(day), key, n) for day, key, n in rows]
    if not per_day:
        return None
    first = min(day for day, _, _ in per_day)
    last = max(day for day, _, _ in per_day)
    unit = bucket or choose_unit(first, last)
    if bars_in(first, last, unit) > MAX_BARS:
        unit = choose_unit(first, last)
    totals: dict[object, int] = {}
    for _, key, n in per_day:
        totals[key] = totals.get(key, 0) + n
    top = TOP_MULTIPLES if multiples else TOP_VALUES
    shown, by_key = series_for(split, totals, chosen or [], top=top)
    other = Series(None, "other", "series-other")
    if split == "sub_type" and None in by_key:
        other = Series("__other__", "other", "series-other")
    counts: dict[date, dict[int, int]] = {}
    for day, key, n in per_day:
        series = by_key.get(key, other)
        per_series = counts.setdefault(bucket_start(day, unit), {})
        per_series[id(series)] = per_series.get(id(series), 0) + n
        series.total += n
    # Values the filter names are compared on their own: events of theirs that other
    # values share are not "other" events.
    show_other = other.total and not multiples and not chosen
    legend = [s for s in shown if s.total] + ([other] if show_other else [])

    killed: dict[date, int] = {}
    killed_by: dict[date, dict[str, int]] = {}
    parts: dict[str, KilledPart] = {}
    events_with_killed = 0
    if measure == "count":
        if summary is not None:
            killed_rows = [
                (_as_date(day), _source_of(key), total, n)
                for day, key, total, n in facet_summary.killed_by_day(summary, using=events.db)
            ]
        elif counted is not None:
            killed_rows = [(day, _source_of(key), total, n) for day, key, total, n in counted[1]]
        else:
            killed_rows = killed_by_day(events)
        for day, source, total, n in killed_rows:
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
    panel_series = [[s] for s in legend] if multiples else [legend]
    panels = [
        Panel(
            buckets=make_buckets(
                first,
                last,
                unit,
                measure,
                members,
                counts,
                {} if multiples else killed,
                {} if multiples else killed_by,
                killed_parts,
                query,
                link_base,
                date_from,
                date_to,
            ),
            series=members[0] if multiples else None,
            width=MULTIPLE_WIDTH if multiples else WIDTH,
            bar_height=MULTIPLE_BAR_HEIGHT if multiples else BAR_HEIGHT,
        )
        for members in panel_series
    ]
    if not panels:
        return None
    chart = EventsChart(
        unit=unit,
        first=first,
        last=last,
        split=split,
        measure=measure,
        group="multiples" if multiples else "stacked",
        series=legend,
        panels=panels,
        total_events=events.count()
        if measure == "killed" or split in ("actor", "outlet")
        else sum(totals.values()),
        total_killed=sum(killed.values()) if measure == "count" else sum(totals.values()),
        events_with_killed=events_with_killed,
        killed_parts=killed_parts,
        width=panels[0].width,
    )
    scale = max(max((b.total for b in p.buckets), default=0) for p in panels) or 1
    for panel in panels:
        lay_out(panel, scale, unit)
    return chart


def make_buckets(
    first,
    last,
    unit,
    measure,
    members,
    counts,
    killed,
    killed_by,
    killed_parts,
    query,
    link_base,
    date_from,
    date_to,
) -> list[Bucket]:
    buckets = []
    narrower = Narrower(query) if query is not None else None
    start = bucket_start(first, unit)
    while start <= last:
        end = bucket_end(start, unit)
        per_series = counts.get(start, {})
        bucket = Bucket(
            start=start,
            end=end,
            unit=unit,
            measure=measure,
            segments=[Segment(s, per_series[id(s)]) for s in members if per_series.get(id(s))],
            killed=killed.get(start),
            killed_by={
                part.source: killed_by.get(start, {}).get(part.source, 0) for part in killed_parts
            },
        )
        bucket.killed_cells = [
            killed_by[start].get(part.source) if start in killed_by else None
            for part in killed_parts
        ]
        if query is not None and (bucket.total or bucket.killed):
            narrowed_from = max(start, date_from) if date_from else start
            narrowed_to = min(end, date_to) if date_to else end
            bucket.url = link_base + narrower.url(narrowed_from, narrowed_to)
            for segment in bucket.segments:
                if segment.series.parameter:
                    segment.url = link_base + narrower.url(
                        narrowed_from,
                        narrowed_to,
                        parameter=segment.series.parameter,
                        value=segment.series.value,
                    )
                else:
                    segment.url = bucket.url
        buckets.append(bucket)
        start = end + timedelta(days=1)
    return buckets


class Narrower:
    """This page's query with the dates set to one bucket (and no paging), and optionally
    narrowed to one value of the split: `url()`, for every bar and segment of a chart.

    The same string as copying the QueryDict, setting from, to and the parameter and
    encoding it (a set key keeps its place; a new one comes last), with the parameters
    that stay the same encoded once rather than once per bar (hundreds of bars).
    """

    def __init__(self, query: QueryDict) -> None:
        self.keys = [key for key in query if key not in ("cursor", "pages")]
        self.encoded = {
            key: urlencode([(key, value) for value in query.getlist(key)]) for key in self.keys
        }

    def url(self, start: date, end: date, *, parameter: str = "", value: str = "") -> str:
        changed = {"from": start.isoformat(), "to": end.isoformat()}
        if parameter:
            changed[parameter] = value
        parts = [
            urlencode([(key, changed.pop(key))]) if key in changed else self.encoded[key]
            for key in self.keys
        ]
        parts += [urlencode([(key, value)]) for key, value in changed.items()]
        return "?" + "&".join(part for part in parts if part)


def narrowed_url(
    query: QueryDict, start: date, end: date, *, parameter: str = "", value: str = ""
) -> str:
    """One narrowed query (Narrower.url) for `query`."""
    return Narrower(query).url(start, end, parameter=parameter, value=value)


def lay_out(panel: Panel, scale: int, unit: str) -> None:
    """Positions in viewBox units for every bar, segment, killed bar and axis tick."""
    panel.max_total = max((bucket.total for bucket in panel.buckets), default=0)
    panel.max_killed = max((bucket.killed or 0 for bucket in panel.buckets), default=0)
    # Small multiples share one scale, so their bars compare; the axis shows it.
    panel.max_total = scale
    slot = (panel.width - LEFT - RIGHT) / len(panel.buckets)
    bar_width = max(min(slot * 0.8, MAX_BAR_WIDTH), 0.5)
    bottom = panel.baseline
    for index, bucket in enumerate(panel.buckets):
        bucket.slot_x = round(LEFT + index * slot, 2)
        bucket.x = round(LEFT + index * slot + (slot - bar_width) / 2, 2)
        bucket.width = round(bar_width, 2)
        y = bottom
        for segment in bucket.segments:
            segment.height = round(segment.count / scale * panel.bar_height, 2)
            y -= segment.height
            segment.y = round(y, 2)
    panel.slot = round(slot, 2)
    panel.axis_y = bottom + AXIS_GAP - 2
    panel.ticks = ticks(panel, slot, unit)
    if panel.max_killed:
        panel.killed_top = bottom + KILLED_TOP_GAP
        killed_bottom = panel.killed_bottom = panel.killed_top + KILLED_HEIGHT
        for bucket in panel.buckets:
            if bucket.killed:
                bucket.killed_height = round(
                    max(bucket.killed / panel.max_killed * KILLED_HEIGHT, 1), 2
                )
                bucket.killed_y = round(killed_bottom - bucket.killed_height, 2)
        panel.height = int(killed_bottom + 4)
    else:
        panel.height = int(panel.axis_y + 6)


def ticks(panel: Panel, slot: float, unit: str) -> list[Tick]:
    """Evenly spaced date labels along the axis, first one included.

    The year is shown on the first label and wherever it changes, so a span across a
    new year always says which year each label is in.
    """
    count = len(panel.buckets)
    room = max(2, int((panel.width - LEFT - RIGHT) // (TICK_ROOM * 2.5)))
    step = max(1, -(-count // room))
    placed = []
    previous_year = None
    for index in range(0, count, step):
        start = panel.buckets[index].start
        x = round(LEFT + index * slot + slot / 2, 2)
        anchor = "end" if x + TICK_ROOM > panel.width else "middle"
        if anchor == "middle" and x - TICK_ROOM < 0:
            anchor = "start"
        placed.append(
            Tick(
                x=panel.width - RIGHT if anchor == "end" else x,
                label=tick_label(start, unit, with_year=start.year != previous_year),
                anchor=anchor,
            )
        )
        previous_year = start.year
    return placed


def _as_date(value) -> date:
    # SQLite hands back strings for expressions over dates in some Django versions.
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
