"""Exports of the current filter: JSON, CSV, GeoJSON, TimelineJS JSON, ACLED and UCDP CSV.

Each writer is a generator of text pieces for a StreamingHttpResponse, so an export of a
million events runs in constant memory. The events are read as plain values, not model
instances (issue 11: instances and their prefetches cost ~350 µs an event), in chunks by
keyset over the timeline order (date_start, id): every chunk is a short query of its own
that starts after the last event of the one before, then one query each for the chunk's
actors, figures and evidence (with the article). Neither the queries per chunk nor the
cost of a chunk grow with how far into the export it is.

Why keyset rather than a server-side cursor (``QuerySet.iterator(chunk_size=...)``): on
PostgreSQL the iterator holds one cursor open for the whole download (it breaks behind a
transaction-pooling pgbouncer; Django's WITH HOLD cursor runs the whole query at once,
under one statement timeout), and on SQLite it keeps a statement open, and under one
statement deadline (timeline/query_deadline.py), while the client reads. Keyset chunks
hold nothing between queries, each gets its own deadline, the request's time budget is
checked at each, and they use the (date_start, id) index the timeline pages use.

The rows are ExportEvent objects: the attributes the writers read, with the model's own
properties (Figure.display, Event.killed_bounds) borrowed, so the text is the same as
from model instances. A dataset export reads the stored row (DatasetRecord.row) in the
chunk's query; only events not imported from that dataset (mapped by the dataset's
mapping, which walks places, actors and outlets) are loaded as instances, per chunk.

On PostgreSQL the CSV and JSON are written by the database instead, one statement per
chunk (timeline/database_exports.py), the same bytes; the writers here stay the reference
those are tested against, and the path on SQLite and for the other formats.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from django.db import connections
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import escape

from timeline import database_exports, paging
from timeline.datasets.base import (
    DatasetFormat,
    attach_location_parents,
    dataset_row,
    stored_row,
)
from timeline.date_display import describe_span
from timeline.models import Event, EventActor, EventQuerySet, Evidence, Figure

CHUNK_SIZE = 1000
# What an export cut short by a failure ends with (README: "Exports cut short").
CUT_SHORT = "EXPORT CUT SHORT"

logger = logging.getLogger(__name__)

CSV_COLUMNS = [
    "slug",
    "type",
    "title",
    "date_start",
    "date_end",
    "date_precision",
    "date_display",
    "location",
    "location_name",
    "latitude",
    "longitude",
    "actors",
    "figures",
    # The figures as numbers (lowest low, highest high over the sources; an empty high
    # is open-ended, "at least"), for spreadsheets.
    "killed_low",
    "killed_high",
    "injured_low",
    "injured_high",
    "evidence_quotes",
    "evidence_urls",
    "url",
    "summary",
    "reported_on",
    "status",
]
LIST_SEPARATOR = "; "


# -- reading events in chunks ---------------------------------------------------------------


class _Many(list):
    """A prefetched relation's stand-in: `.all()` gives the list."""

    __slots__ = ()

    def all(self) -> _Many:
        return self


class _Row:
    """A related row (type, place, actor, article): only the attributes set."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


class _Link:
    """An actor's part in an event (EventActor) as read for an export."""

    __slots__ = ("actor", "role")

    def __init__(self, actor: _Row, role: str) -> None:
        self.actor, self.role = actor, role


class _Evidence:
    """An evidence quote as read for an export, with its article."""

    __slots__ = ("article", "attributed_to", "pk", "quote")

    def __init__(self, pk: int, quote: str, attributed_to: str, article: _Row) -> None:
        self.pk, self.quote, self.attributed_to, self.article = pk, quote, attributed_to, article


# Many events share a span: each distinct one is described once per process.
_describe_span = functools.lru_cache(maxsize=8192)(describe_span)

_KIND_LABELS = dict(Figure.Kind.choices)
_QUALIFIER_LABELS = dict(Figure.Qualifier.choices)


_FIGURE_FIELDS = ("pk", "kind", "basis", "low", "best", "high", "qualifier", "attributed_to")


class ExportFigure:
    """A figure as read for an export; its text comes from Figure's own properties."""

    __slots__ = ("attributed_to", "basis", "best", "high", "kind", "low", "pk", "qualifier")
    Qualifier = Figure.Qualifier
    high_bound = Figure.high_bound
    amount = Figure.amount
    display = Figure.display

    def get_kind_display(self) -> str:
        return _KIND_LABELS.get(self.kind, self.kind)

    def get_qualifier_display(self) -> str:
        return _QUALIFIER_LABELS.get(self.qualifier, self.qualifier)


class ExportEvent:
    """An event as read for an export: its fields, type, place and related rows."""

    __slots__ = (
        "date_end",
        "date_precision",
        "date_start",
        "event_actors",
        "evidence",
        "figures",
        "location",
        "pk",
        "reported_on",
        "slug",
        "status",
        "stored_row",
        "summary",
        "title",
        "type",
    )
    figure_bounds = Event.figure_bounds
    killed_bounds = Event.killed_bounds
    injured_bounds = Event.injured_bounds


_EVENT_FIELDS = (
    "id",
    "date_start",
    "slug",
    "title",
    "summary",
    "date_end",
    "date_precision",
    "reported_on",
    "status",
    "type__slug",
    "type__name",
    "location_id",
    "location__slug",
    "location__name",
    "location__latitude",
    "location__longitude",
)


def value_chunks(
    queryset: EventQuerySet, fields: tuple[str, ...], *, newest_first: bool, chunk_size: int
) -> Iterator[list[tuple]]:
    """The filter's rows as value tuples in timeline order, by keyset, `chunk_size` at a
    time. fields start with "id", "date_start" (the keyset)."""
    ordered = queryset.prefetch_related(None).in_timeline_order(newest_first=newest_first)
    last = None
    while True:
        chunk = paging.after(ordered, last, newest_first=newest_first)
        rows = list(chunk.values_list(*fields)[:chunk_size])
        if not rows:
            return
        yield rows
        if len(rows) < chunk_size:
            return
        last = (rows[-1][1], rows[-1][0])


def _events(rows: list[tuple]) -> list[ExportEvent]:
    events = []
    places: dict[int, _Row] = {}
    types: dict[str, _Row] = {}
    for row in rows:
        event = ExportEvent()
        (
            event.pk,
            event.date_start,
            event.slug,
            event.title,
            event.summary,
            event.date_end,
            event.date_precision,
            event.reported_on,
            event.status,
            type_slug,
            type_name,
            location_id,
            *place,
        ) = row[: len(_EVENT_FIELDS)]
        event.type = types.get(type_slug) or types.setdefault(
            type_slug, _Row(slug=type_slug, name=type_name)
        )
        if location_id is None:
            event.location = None
        else:
            event.location = places.get(location_id) or places.setdefault(
                location_id,
                _Row(slug=place[0], name=place[1], latitude=place[2], longitude=place[3]),
            )
        event.event_actors, event.figures, event.evidence = _Many(), _Many(), _Many()
        events.append(event)
    return events


def _of_events(queryset, ids: list[int]):
    """queryset's rows whose event_id is one of ids, passed as one parameter (an array on
    PostgreSQL, a JSON list on SQLite) rather than one parameter per id."""
    table = queryset.model._meta.db_table
    if connections[queryset.db].vendor == "postgresql":
        return queryset.extra(where=[f'"{table}"."event_id" = ANY(%s)'], params=[ids])
    if connections[queryset.db].vendor == "sqlite":
        return queryset.extra(
            where=[f'"{table}"."event_id" IN (SELECT value FROM json_each(%s))'],
            params=[json.dumps(ids)],
        )
    return queryset.filter(event_id__in=ids)


def _attach_related(events: list[ExportEvent]) -> None:
    """The chunk's actors, figures and evidence: one query each, in the timeline's order."""
    by_id = {event.pk: event for event in events}
    ids = list(by_id)
    actors: dict[int, _Row] = {}
    for event_id, role, actor_id, slug, name in (
        _of_events(EventActor.objects.all(), ids)
        .order_by("role", "id")
        .values_list("event_id", "role", "actor_id", "actor__slug", "actor__name")
    ):
        actor = actors.get(actor_id) or actors.setdefault(actor_id, _Row(slug=slug, name=name))
        by_id[event_id].event_actors.append(_Link(actor, role))
    for event_id, *values in (
        _of_events(Figure.objects.all(), ids)
        .order_by("kind", "id")
        .values_list("event_id", *_FIGURE_FIELDS)
    ):
        figure = ExportFigure()
        (
            figure.pk,
            figure.kind,
            figure.basis,
            figure.low,
            figure.best,
            figure.high,
            figure.qualifier,
            figure.attributed_to,
        ) = values
        by_id[event_id].figures.append(figure)
    articles: dict[int, _Row] = {}
    for event_id, pk, quote, attributed_to, article_id, slug, title, outlet in (
        _of_events(Evidence.objects.all(), ids)
        .order_by("id")
        .values_list(
            "event_id",
            "id",
            "quote",
            "attributed_to",
            "article_id",
            "article__slug",
            "article__title",
            "article__outlet",
        )
    ):
        article = articles.get(article_id) or articles.setdefault(
            article_id, _Row(slug=slug, title=title, outlet=outlet)
        )
        by_id[event_id].evidence.append(_Evidence(pk, quote, attributed_to, article))


def event_chunks(
    queryset: EventQuerySet,
    *,
    newest_first: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[list[ExportEvent]]:
    """The events of `queryset` in timeline order, `chunk_size` at a time, as ExportEvents
    with their actors, figures and evidence."""
    for rows in value_chunks(
        queryset, _EVENT_FIELDS, newest_first=newest_first, chunk_size=chunk_size
    ):
        events = _events(rows)
        _attach_related(events)
        yield events


def marked_if_cut_short(pieces: Iterator[str], *, as_csv: bool) -> Iterator[str]:
    """The pieces, then, if reading fails mid-stream, a last line saying the file is cut.

    The status (200) and the start of the file are already sent, so the only honest
    thing left is to say so inside the file: JSON (and GeoJSON, TimelineJS) ends with a
    line that leaves it invalid on purpose, so no parser takes a part for the whole; a CSV
    ends with one row whose single cell starts "#EXPORT CUT SHORT". The error is then
    raised again, so the server logs it and ends the response without its last chunk.
    """
    try:
        yield from pieces
    except Exception as error:
        from timeline.query_deadline import is_cancelled_query

        reason = (
            "the database did not answer in time; narrow the filter"
            if is_cancelled_query(error)
            else "the server failed while reading the events"
        )
        logger.exception("Export cut short")
        notice = f"{CUT_SHORT}: {reason}. This file is incomplete."
        if as_csv:
            yield _csv_rows([[f"#{notice}"]])
        else:
            yield f"\n{notice} (Invalid JSON on purpose.)\n"
        raise


# -- links ----------------------------------------------------------------------------------


def _path_maker(name: str) -> Callable[[str], str]:
    """A fast slug -> path function for a one-slug URL (reverse() once, not per event)."""
    prefix, suffix = reverse(name, args=["0"]).rsplit("0", 1)

    def path(slug: str) -> str:
        # An ASCII slug (nearly all) quotes to itself: skip quote() for it.
        quoted = slug if _UNQUOTED.fullmatch(slug) else url_quote(slug, safe="")
        return f"{prefix}{quoted}{suffix}"

    return path


# What urllib.parse.quote(safe="") leaves as it is.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")


@dataclass(frozen=True)
class Links:
    """Paths to our pages, and absolute permalinks when we know the site's origin."""

    origin: str
    event_path: Callable[[str], str]
    article_path: Callable[[str], str]

    @classmethod
    def for_request(cls, request: HttpRequest | None) -> Links:
        origin = request.build_absolute_uri("/").rstrip("/") if request is not None else ""
        return cls(
            origin=origin,
            event_path=_path_maker("timeline:event"),
            article_path=_path_maker("timeline:article"),
        )

    def event(self, event: Event) -> str:
        return self.event_path(event.slug)

    def evidence(self, evidence: Evidence) -> str:
        """The evidence mark in the article reader."""
        return f"{self.article_path(evidence.article.slug)}#ev-{evidence.pk}"

    def absolute(self, path: str) -> str:
        return self.origin + path


# -- one event as data ----------------------------------------------------------------------


def figure_text(figure: Figure) -> str:
    """'more than 30 killed (Hospital officials in Gaza)'."""
    if figure.attributed_to:
        return f"{figure.display} ({figure.attributed_to})"
    return figure.display


def event_record(event: Event, links: Links) -> dict:
    """One event as the JSON export writes it (also the GeoJSON feature's properties)."""
    location = event.location
    actor_links = list(event.event_actors.all())
    return {
        "slug": event.slug,
        "type": event.type.slug,
        "type_name": event.type.name,
        "title": event.title,
        "summary": event.summary,
        "date_start": event.date_start.isoformat(),
        "date_end": event.date_end.isoformat() if event.date_end else None,
        "date_precision": event.date_precision,
        "date_display": _describe_span(event.date_start, event.date_end, event.date_precision),
        "reported_on": event.reported_on.isoformat() if event.reported_on else None,
        "location": location.slug if location else None,
        "location_name": location.name if location else None,
        "latitude": location.latitude if location else None,
        "longitude": location.longitude if location else None,
        # An actor may hold two roles in one event; list it once.
        "actors": list(dict.fromkeys(link.actor.slug for link in actor_links)),
        "actor_roles": [
            {"actor": link.actor.slug, "name": link.actor.name, "role": link.role}
            for link in actor_links
        ],
        "figures": [
            {
                "kind": figure.kind,
                "low": figure.low,
                "high": figure.high,
                "qualifier": figure.qualifier,
                "attributed_to": figure.attributed_to,
                "display": figure.display,
            }
            for figure in event.figures.all()
        ],
        "evidence": [
            {
                "article": evidence.article.slug,
                "article_title": evidence.article.title,
                "outlet": evidence.article.outlet,
                "quote": evidence.quote,
                "attributed_to": evidence.attributed_to,
                "url": links.evidence(evidence),
                "permalink": links.absolute(links.evidence(evidence)),
            }
            for evidence in event.evidence.all()
        ],
        "url": links.event(event),
        "permalink": links.absolute(links.event(event)),
        "status": event.status,
    }


# -- JSON -----------------------------------------------------------------------------------


# One encoder for every item (json.dumps would build one per call with these options).
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json_array(items: Iterable[Iterable[str]]) -> Iterator[str]:
    """Pieces of a JSON array, one piece per chunk of already-serialised items."""
    first = True
    for chunk in items:
        pieces = list(chunk)
        if not pieces:
            continue
        yield ("" if first else ",") + ",".join(pieces)
        first = False


def write_json(
    queryset: EventQuerySet,
    *,
    links: Links,
    newest_first: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[str]:
    """{"count": N, "events": [...]}: the count first (one COUNT query), then the events."""
    yield f'{{"count":{queryset.count()},"events":['
    if database_exports.formats_in_database(queryset):
        yield from _json_array(
            [piece]
            for piece in database_exports.formatted_chunks(
                queryset,
                form="json",
                origin=links.origin,
                newest_first=newest_first,
                chunk_size=database_exports.SQL_CHUNK_SIZE,
            )
        )
        yield "]}\n"
        return
    chunks = event_chunks(queryset, newest_first=newest_first, chunk_size=chunk_size)
    yield from _json_array(
        (_dumps(event_record(event, links)) for event in chunk) for chunk in chunks
    )
    yield "]}\n"


# -- GeoJSON (RFC 7946) ---------------------------------------------------------------------


def write_geojson(
    queryset: EventQuerySet,
    *,
    links: Links,
    newest_first: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[str]:
    """A FeatureCollection of Point features, one per event whose place has coordinates.

    Events without coordinates are left out; how many is the foreign member
    "excluded_without_coordinates" (RFC 7946 §6.1 allows foreign members).
    """
    placed = Q(location__latitude__isnull=False, location__longitude__isnull=False)
    excluded = queryset.exclude(placed).count()
    yield _dumps({"type": "FeatureCollection", "excluded_without_coordinates": excluded})[:-1]
    yield ',"features":['
    chunks = event_chunks(queryset.filter(placed), newest_first=newest_first, chunk_size=chunk_size)
    yield from _json_array((_dumps(_feature(event, links)) for event in chunk) for chunk in chunks)
    yield "]}\n"


def _feature(event: Event, links: Links) -> dict:
    location = event.location
    return {
        "type": "Feature",
        "id": event.slug,
        # RFC 7946: longitude first.
        "geometry": {"type": "Point", "coordinates": [location.longitude, location.latitude]},
        "properties": event_record(event, links),
    }


# -- TimelineJS 3 ---------------------------------------------------------------------------


def timelinejs_date(day, precision: str) -> dict[str, int]:
    """A TimelineJS date object (numbers, as its JSON format asks) at the event's precision."""
    if precision == "year":
        return {"year": day.year}
    if precision == "month":
        return {"year": day.year, "month": day.month}
    return {"year": day.year, "month": day.month, "day": day.day}


def timelinejs_slide(event: Event, links: Links) -> dict:
    """One event as a TimelineJS slide. TimelineJS renders headline and text as HTML."""
    slide = {
        "start_date": timelinejs_date(event.date_start, event.date_precision),
        "text": {"headline": escape(event.title), "text": _timelinejs_text(event, links)},
        "group": event.type.name,
        "display_date": describe_span(event.date_start, event.date_end, event.date_precision),
        "unique_id": event.slug,
    }
    if event.date_end and event.date_end != event.date_start:
        end = timelinejs_date(event.date_end, event.date_precision)
        if end != slide["start_date"]:
            slide["end_date"] = end
    return slide


def _timelinejs_text(event: Event, links: Links) -> str:
    parts = []
    if event.summary:
        parts.append(f"<p>{escape(event.summary)}</p>")
    for evidence in event.evidence.all():
        source = escape(evidence.article.title)
        if evidence.article.outlet:
            source += f" ({escape(evidence.article.outlet)})"
        said = f"{escape(evidence.attributed_to)}, in " if evidence.attributed_to else "In "
        parts.append(
            f"<blockquote>“{escape(evidence.quote)}”</blockquote>"
            f'<p>— {said}<a href="{escape(links.absolute(links.evidence(evidence)))}">'
            f"{source}</a></p>"
        )
    figures = [escape(figure_text(figure)) for figure in event.figures.all()]
    if figures:
        parts.append("<ul>" + "".join(f"<li>{figure}</li>" for figure in figures) + "</ul>")
    if event.location:
        parts.append(f"<p>In {escape(event.location.name)}</p>")
    parts.append(f'<p><a href="{escape(links.absolute(links.event(event)))}">Event page</a></p>')
    return "".join(parts)


def write_timelinejs(
    queryset: EventQuerySet,
    *,
    links: Links,
    title: str = "Conflict events",
    newest_first: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[str]:
    """TimelineJS 3 JSON: a title slide, then one slide per event."""
    count = queryset.count()
    noun = "event" if count == 1 else "events"
    title_slide = {
        "text": {"headline": escape(title), "text": f"<p>{count:,} {noun}</p>"},
    }
    yield f'{{"title":{_dumps(title_slide)},"events":['
    chunks = event_chunks(queryset, newest_first=newest_first, chunk_size=chunk_size)
    yield from _json_array(
        (_dumps(timelinejs_slide(event, links)) for event in chunk) for chunk in chunks
    )
    yield "]}\n"


# -- CSV ------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


def safe_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula.

    Article text is hostile input: a cell starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe, unless it is a plain number such as -31.5.
    """
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_START) and not NUMBER.match(text):
        return "'" + text
    return text


def _csv_rows(rows: Iterable[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(
        [
            cell if type(cell) is str and not cell.startswith(FORMULA_START) else safe_cell(cell)
            for cell in row
        ]
        for row in rows
    )
    return buffer.getvalue()


def csv_row(event: Event, links: Links) -> list:
    """One event as a row of CSV_COLUMNS; links are absolute (a CSV leaves the site)."""
    record = event_record(event, links)
    return [
        record["slug"],
        record["type"],
        record["title"],
        record["date_start"],
        record["date_end"],
        record["date_precision"],
        record["date_display"],
        record["location"],
        record["location_name"],
        record["latitude"],
        record["longitude"],
        LIST_SEPARATOR.join(record["actors"]),
        LIST_SEPARATOR.join(figure_text(figure) for figure in event.figures.all()),
        *event.killed_bounds,
        *event.injured_bounds,
        LIST_SEPARATOR.join(evidence["quote"] for evidence in record["evidence"]),
        LIST_SEPARATOR.join(evidence["permalink"] for evidence in record["evidence"]),
        record["permalink"],
        record["summary"],
        record["reported_on"],
        record["status"],
    ]


def write_csv(
    queryset: EventQuerySet,
    *,
    links: Links,
    newest_first: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[str]:
    """The JSON fields flattened, lists joined with "; ", a header row always."""
    yield _csv_rows([CSV_COLUMNS])
    if database_exports.formats_in_database(queryset):
        yield from database_exports.formatted_chunks(
            queryset,
            form="csv",
            origin=links.origin,
            newest_first=newest_first,
            chunk_size=database_exports.SQL_CHUNK_SIZE,
        )
        return
    for chunk in event_chunks(queryset, newest_first=newest_first, chunk_size=chunk_size):
        yield _csv_rows(csv_row(event, links) for event in chunk)


# -- A dataset's own CSV (ACLED, UCDP GED) ------------------------------------------------


def _mapped_events(ids: list[int]) -> dict[int, Event]:
    """Events not imported from the exported dataset, as instances with what the dataset's
    mapping reads: the timeline's prefetches, the sub-type, the record, the outlets each
    article cites and the places' ancestors."""
    events = list(
        Event.objects.filter(pk__in=ids)
        .for_timeline()
        .select_related("dataset_record", "sub_type")
        .prefetch_related("evidence__article__outlets")
    )
    attach_location_parents(events)
    return {event.pk: event for event in events}


def write_dataset(
    fmt: DatasetFormat,
    queryset: EventQuerySet,
    *,
    date_format: str = "iso",
    newest_first: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[str]:
    """The dataset's columns in its order, one row per event (see datasets/base.py): the
    stored row of an event imported from this dataset, read with the filter's own query;
    any other event mapped from its instance, loaded per chunk."""
    yield _dataset_csv_rows([(fmt.columns, True)])
    fields = ("id", "date_start", "dataset_record__dataset", "dataset_record__row")
    for chunk in value_chunks(queryset, fields, newest_first=newest_first, chunk_size=chunk_size):
        others = [pk for pk, _, dataset, _ in chunk if dataset != fmt.key]
        mapped = _mapped_events(others) if others else {}
        yield _dataset_csv_rows(
            (stored_row(fmt, values, date_format), True)
            if dataset == fmt.key
            else dataset_row(fmt, mapped[pk], date_format)
            for pk, _, dataset, values in chunk
        )


# A cell a spreadsheet would run as a formula call or a DDE link: a leading = + - @ (or tab,
# CR) and a "(" or "|". A row given back as the dataset wrote it is guarded against these
# only, so its own values ("@MimiMefoInfo", "-12.5") go out as they came in; our own cells
# (the mapped rows) get safe_cell's stricter guard, as in every other export.
_FORMULA_CALL = re.compile(r"^[=+\-@\t\r].*[(|]", re.DOTALL)


def _dataset_csv_rows(rows: Iterable[tuple[list[str], bool]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(
        [
            "'" + cell if cell.startswith(FORMULA_START) and _FORMULA_CALL.match(cell) else cell
            for cell in row
        ]
        if as_read
        else [safe_cell(cell) for cell in row]
        for row, as_read in rows
    )
    return buffer.getvalue()


# -- the comparison chart's data ------------------------------------------------------------

CHART_COLUMNS = [
    "bucket_start",
    "bucket_end",
    "bucket",
    "split",
    "value",
    "label",
    "measure",
    "amount",
]


def write_chart_csv(chart) -> Iterator[str]:
    """One row per bucket and value drawn (zeros left out), in the chart's order."""
    yield _csv_rows([CHART_COLUMNS])
    if chart is None:
        return
    rows = []
    for panel in chart.panels:
        for bucket in panel.buckets:
            for segment in bucket.segments:
                rows.append(
                    [
                        bucket.start.isoformat(),
                        bucket.end.isoformat(),
                        chart.unit,
                        chart.split,
                        segment.series.value,
                        segment.series.label,
                        chart.measure,
                        segment.count,
                    ]
                )
    rows.sort(key=lambda row: row[0])
    yield _csv_rows(rows)
