"""The CSV and JSON exports written by PostgreSQL: the same bytes as exports.py's Python
writers, formatted by the database (issue 11 asks ≥ 50,000 rows/s; README has what it
gives).

Reading values was no longer the cost of an export; formatting each row in Python was
(describe_span, Figure.display, the links, csv.writer, json): about 4,000 rows/s. Here
one statement per chunk of events has PostgreSQL build every row's text (a CSV line, or
a JSON object) and join the chunk into one string, so Python only passes it on.

Each chunk is one query, by keyset over the timeline order (date_start, id) as in
exports.value_chunks, so the query deadline (timeline/query_deadline.py) and the
request's time budget apply per chunk and nothing is held open between chunks; a chunk
is at most SQL_CHUNK_SIZE events, so memory stays bounded.

Every rule of the Python path is spelled here once more in SQL and must stay in step
with it (test_database_exports.py compares both paths byte for byte over hostile data):
- safe_cell's guard: a cell starting with = + - @ tab or CR gets an apostrophe unless it
  is a plain number (NUMBER, whose \\d is any Unicode decimal digit and whose $ also
  matches before a final newline, as in Python's re);
- csv.writer's minimal quoting (a cell with a comma, quote, CR or LF is quoted, quotes
  doubled), "\\r\\n" after each row;
- describe_span, Figure.amount/display/high_bound, Event.figure_bounds, Links (paths
  with urllib's quote(safe="") of the slug, absolute permalinks);
- Python's float repr for coordinates ("34.0" where PostgreSQL writes "34");
- json.dumps(ensure_ascii=False, separators=(",", ":")): to_json escapes a string as
  Python does (\\" \\\\ \\b \\f \\n \\r \\t, other controls \\u00xx, nothing else).
An empty text and NULL both give an empty cell, as csv.writer writes "" and None alike.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from django.db import connections
from django.urls import reverse

from timeline import paging
from timeline.models import EventQuerySet, Figure

# Events per statement: 10,000 held ~90 MiB at the peak of a JSON export (the text in
# the driver, in Python and encoded), 5,000 about 40 at the same speed; below that the
# planning of each statement (~20 ms) starts to show.
SQL_CHUNK_SIZE = 5_000


def formats_in_database(queryset: EventQuerySet) -> bool:
    """Whether the CSV and JSON exports of queryset are written by its database."""
    return connections[queryset.db].vendor == "postgresql"


def _literal(text: str) -> str:
    """A constant of ours as an SQL string literal ('%' doubled: the SQL has parameters)."""
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def _labels(column: str, labels: dict[str, str]) -> str:
    """get_FOO_display() in SQL: the label of the column's value, or the value itself."""
    cases = " ".join(
        f"WHEN {_literal(value)} THEN {_literal(label)}" for value, label in labels.items()
    )
    return f"(CASE {column} {cases} ELSE {column} END)"


_PLANES_WITH_DIGITS = 0x20000


@functools.cache
def _number_pattern() -> str:
    """safe_cell's NUMBER as a PostgreSQL regular expression.

    Python's \\d is every Unicode decimal digit (category Nd); PostgreSQL's is 0-9 only
    in our C.UTF-8 databases, so the digits are listed as ranges. Planes 0 and 1 hold
    every decimal digit Unicode has (planes 2 and 3 are ideographs, 14 tags and
    selectors, 15 and 16 private use), and reading 128 K characters rather than 1.1 M
    takes 50 ms rather than 500 at the first export.
    """
    every_character = "".join(map(chr, range(_PLANES_WITH_DIGITS)))
    ranges = [(run[0], run[-1]) for run in re.findall(r"\d+", every_character)]
    digit = "[" + "".join(f"{low}-{high}" for low, high in ranges) + "]"
    return f"^[+-]?{digit}+([.]{digit}+)?([eE][+-]?{digit}+)?(\n)?$"


def _quoted(value: str) -> str:
    """csv.writer's QUOTE_MINIMAL in SQL, for a text expression that is not NULL."""
    return (
        f"(CASE WHEN {value} ~ '[\",\\r\\n]' "
        f"THEN '\"' || replace({value}, '\"', '\"\"') || '\"' ELSE {value} END)"
    )


def _cell(value: str) -> str:
    """A text cell as _csv_rows writes it: NULL as an empty cell, safe_cell's guard (an
    apostrophe before a formula start that is not a plain number), then quoted. Each
    branch evaluates the value once or twice, not the guard inside the quoting."""
    guarded = f"'''' || {value}"
    return (
        f"(CASE WHEN {value} IS NULL THEN '' "
        f"WHEN left({value}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"AND {value} !~ {_literal(_number_pattern())} THEN {_quoted(guarded)} "
        f"ELSE {_quoted(value)} END)"
    )


def _plain_cell(value: str) -> str:
    """A cell that can need neither guard nor quotes (a date, an integer, a coordinate)."""
    return f"coalesce({value}, '')"


def _json(value: str) -> str:
    """A value as json.dumps writes it, null for NULL."""
    return f"coalesce(to_json({value})::text, 'null')"


def _iso(day: str) -> str:
    return f"to_char({day}, 'YYYY-MM-DD')"


def _float(value: str) -> str:
    """repr() of a float (31.0, not PostgreSQL's 31), or NULL."""
    return (
        f"(CASE WHEN ({value})::text ~ '^-?[0-9]+$' THEN ({value})::text || '.0' "
        f"ELSE ({value})::text END)"
    )


def _thousands(number: str) -> str:
    """f"{number:,}" for a non-negative integer."""
    return f"to_char({number}, 'FM9,999,999,999,999')"


def _day(day: str) -> str:
    return f"to_char({day}, 'FMDD Mon YYYY')"


def _span(start: str, end: str, precision: str) -> str:
    """describe_span (timeline/date_display.py) in SQL; end is the end or the start."""
    day_range = (
        f"(CASE WHEN {start} = {end} THEN {_day(start)} "
        f"WHEN date_part('year', {start}) <> date_part('year', {end}) "
        f"THEN {_day(start)} || ' – ' || {_day(end)} "
        f"WHEN date_part('month', {start}) <> date_part('month', {end}) "
        f"THEN to_char({start}, 'FMDD Mon') || ' – ' || {_day(end)} "
        f"ELSE to_char({start}, 'FMDD') || '–' || {_day(end)} END)"
    )
    start_year, end_year = f"date_part('year', {start})", f"date_part('year', {end})"
    month = "'FMMonth YYYY'"
    return (
        f"(CASE {precision} "
        f"WHEN 'year' THEN (CASE WHEN {start_year} = {end_year} THEN {start_year}::text "
        f"ELSE {start_year}::text || '–' || {end_year}::text END) "
        f"WHEN 'month' THEN (CASE "
        f"WHEN date_trunc('month', {start}) = date_trunc('month', {end}) "
        f"THEN to_char({start}, {month}) "
        f"WHEN {start_year} = {end_year} "
        f"THEN to_char({start}, 'FMMonth') || ' – ' || to_char({end}, {month}) "
        f"ELSE to_char({start}, {month}) || ' – ' || to_char({end}, {month}) END) "
        f"WHEN 'week' THEN 'week of ' || {_day(start)} "
        f"WHEN 'approximate' THEN 'about ' || {day_range} "
        f"ELSE {day_range} END)"
    )


def _path(prefix: str, slug: str, suffix: str) -> str:
    """Links' path for a slug: prefix, urllib's quote(slug, safe=""), suffix."""
    encoded = (
        "(SELECT string_agg(CASE WHEN byte BETWEEN 48 AND 57 OR byte BETWEEN 65 AND 90 "
        "OR byte BETWEEN 97 AND 122 OR byte IN (45, 46, 95, 126) THEN chr(byte) "
        "ELSE '%%' || upper(lpad(to_hex(byte), 2, '0')) END, '' ORDER BY i) "
        f"FROM (SELECT i, get_byte(convert_to({slug}, 'UTF8'), i) AS byte "
        f"FROM generate_series(0, octet_length({slug}) - 1) AS i) AS bytes)"
    )
    quoted = f"(CASE WHEN {slug} ~ '^[A-Za-z0-9_.~-]*$' THEN {slug} ELSE {encoded} END)"
    return f"{prefix} || {quoted} || {suffix}"


def _path_parts(name: str) -> tuple[str, str]:
    """The fixed text before and after the slug in a one-slug URL (as Links uses)."""
    prefix, suffix = reverse(name, args=["0"]).rsplit("0", 1)
    return prefix, suffix


# The links' fixed parts, the first parameters of every statement (the origin comes
# from the request's host: a parameter, never spliced into the SQL).
_CONSTANTS = (
    "constants (origin, event_prefix, event_suffix, article_prefix, article_suffix) AS "
    "(SELECT %s::text, %s::text, %s::text, %s::text, %s::text)"
)


def _constant_params(origin: str) -> list[str]:
    return [origin, *_path_parts("timeline:event"), *_path_parts("timeline:article")]


def _figure_columns() -> str:
    """Each figure of the page's events with its display text and high bound."""
    qualifier = _labels("f.qualifier", dict(Figure.Qualifier.choices))
    number = (
        f"(CASE WHEN f.high IS NOT NULL AND f.high <> f.low "
        f"THEN {_thousands('f.low')} || '–' || {_thousands('f.high')} "
        f"ELSE {_thousands('f.low')} END)"
    )
    up_to, exact = _literal(Figure.Qualifier.UP_TO), _literal(Figure.Qualifier.EXACT)
    amount = (
        f"(CASE WHEN f.qualifier = {up_to} "
        f"THEN 'up to ' || {_thousands('coalesce(f.high, f.low)')} "
        f"WHEN f.qualifier = {exact} THEN {number} ELSE {qualifier} || ' ' || {number} END)"
    )
    kind = _labels("f.kind", dict(Figure.Kind.choices))
    open_ended = ", ".join(
        _literal(q) for q in (Figure.Qualifier.AT_LEAST, Figure.Qualifier.MORE_THAN)
    )
    return (
        "SELECT f.id, f.event_id, f.kind, f.low, f.high, f.qualifier, f.attributed_to, "
        f"{amount} || ' ' || {kind} AS display, "
        "(CASE WHEN f.high IS NOT NULL THEN f.high "
        f"WHEN f.qualifier IN ({open_ended}) THEN NULL ELSE f.low END) AS high_bound "
        "FROM timeline_figure f WHERE f.event_id = ANY(ARRAY(SELECT id FROM page))"
    )


def _bounds(kind: str) -> str:
    """Event.figure_bounds(kind): lowest low, highest high (NULL if one is open-ended)."""
    only = f"FILTER (WHERE f.kind = {_literal(kind)})"
    return (
        f"min(f.low) {only} AS {kind}_low, "
        f"(CASE WHEN bool_or(f.high_bound IS NULL) {only} THEN NULL "
        f"ELSE max(f.high_bound) {only} END) AS {kind}_high"
    )


def _actor_links() -> str:
    """Each actor link of the page's events; `first` marks an actor's first role."""
    return (
        "SELECT ea.event_id, ea.id, ea.role, a.slug, a.name, row_number() OVER "
        "(PARTITION BY ea.event_id, ea.actor_id ORDER BY ea.role, ea.id) = 1 AS first "
        "FROM timeline_eventactor ea JOIN timeline_actor a ON a.id = ea.actor_id "
        "WHERE ea.event_id = ANY(ARRAY(SELECT id FROM page))"
    )


def _evidence_rows() -> str:
    """Each evidence quote of the page's events, with its article and its path."""
    path = _path("c.article_prefix", "ar.slug", "c.article_suffix")
    return (
        "SELECT v.event_id, v.id, v.quote, v.attributed_to, ar.slug, ar.title, ar.outlet, "
        f"{path} || '#ev-' || v.id AS url, c.origin "
        "FROM timeline_evidence v JOIN timeline_article ar ON ar.id = v.article_id "
        "CROSS JOIN constants c WHERE v.event_id = ANY(ARRAY(SELECT id FROM page))"
    )


def _event_joins(actors: str, figures: str, evidence: str) -> str:
    """The page's events (e) with their links (c) and, per event, its actors, figures and
    evidence aggregated by a lateral subquery: an index lookup per event, so a chunk
    costs the same however far into the export it is (a merge join read the related
    tables from their start every chunk)."""
    return (
        "FROM page e CROSS JOIN constants c "
        f"LEFT JOIN (SELECT x.event_id, {actors} FROM ({_actor_links()}) x "
        "GROUP BY x.event_id) actors ON actors.event_id = e.id "
        f"LEFT JOIN (SELECT f.event_id, {figures} FROM ({_figure_columns()}) f "
        "GROUP BY f.event_id) figures ON figures.event_id = e.id "
        f"LEFT JOIN (SELECT v.event_id, {evidence} FROM ({_evidence_rows()}) v "
        "GROUP BY v.event_id) evidence ON evidence.event_id = e.id"
    )


def _event_url() -> str:
    return _path("c.event_prefix", "e.slug", "c.event_suffix")


def _csv_line() -> tuple[str, str]:
    """(one event's CSV line, the joins it reads), the columns of exports.CSV_COLUMNS."""
    actors = "string_agg(x.slug, '; ' ORDER BY x.role, x.id) FILTER (WHERE x.first) AS slugs"
    figures = (
        "string_agg(CASE WHEN f.attributed_to <> '' "
        "THEN f.display || ' (' || f.attributed_to || ')' ELSE f.display END, '; ' "
        f"ORDER BY f.kind, f.id) AS texts, {_bounds('killed')}, {_bounds('injured')}"
    )
    evidence = (
        "string_agg(v.quote, '; ' ORDER BY v.id) AS quotes, "
        "string_agg(v.origin || v.url, '; ' ORDER BY v.id) AS permalinks"
    )
    end = "coalesce(e.date_end, e.date_start)"
    cells = [
        _cell("e.slug"),
        _cell("e.type_slug"),
        _cell("e.title"),
        _plain_cell(_iso("e.date_start")),
        _plain_cell(_iso("e.date_end")),
        _cell("e.date_precision"),
        _cell(_span("e.date_start", end, "e.date_precision")),
        _cell("e.location_slug"),
        _cell("e.location_name"),
        _plain_cell(_float("e.location_latitude")),
        _plain_cell(_float("e.location_longitude")),
        _cell("actors.slugs"),
        _cell("figures.texts"),
        _plain_cell("figures.killed_low::text"),
        _plain_cell("figures.killed_high::text"),
        _plain_cell("figures.injured_low::text"),
        _plain_cell("figures.injured_high::text"),
        _cell("evidence.quotes"),
        _cell("evidence.permalinks"),
        _cell(f"c.origin || {_event_url()}"),
        _cell("e.summary"),
        _plain_cell(_iso("e.reported_on")),
        _cell("e.status"),
    ]
    return " || ',' || ".join(cells) + " || chr(13) || chr(10)", _event_joins(
        actors, figures, evidence
    )


def _json_record() -> tuple[str, str]:
    """(one event's JSON object as exports.event_record gives it, the joins it reads)."""
    actors = (
        "string_agg(to_json(x.slug)::text, ',' ORDER BY x.role, x.id) "
        "FILTER (WHERE x.first) AS slugs, "
        """string_agg('{"actor":' || to_json(x.slug)::text || ',"name":' """
        """|| to_json(x.name)::text || ',"role":' || to_json(x.role)::text || '}', ',' """
        "ORDER BY x.role, x.id) AS roles"
    )
    figures = (
        """string_agg('{"kind":' || to_json(f.kind)::text || ',"low":' || f.low """
        """|| ',"high":' || coalesce(f.high::text, 'null') """
        """|| ',"qualifier":' || to_json(f.qualifier)::text """
        """|| ',"attributed_to":' || to_json(f.attributed_to)::text """
        """|| ',"display":' || to_json(f.display)::text || '}', ',' """
        "ORDER BY f.kind, f.id) AS objects"
    )
    evidence = (
        """string_agg('{"article":' || to_json(v.slug)::text """
        """|| ',"article_title":' || to_json(v.title)::text """
        """|| ',"outlet":' || to_json(v.outlet)::text """
        """|| ',"quote":' || to_json(v.quote)::text """
        """|| ',"attributed_to":' || to_json(v.attributed_to)::text """
        """|| ',"url":' || to_json(v.url)::text """
        """|| ',"permalink":' || to_json(v.origin || v.url)::text || '}', ',' """
        "ORDER BY v.id) AS objects"
    )
    end = "coalesce(e.date_end, e.date_start)"
    fields = [
        ("slug", _json("e.slug")),
        ("type", _json("e.type_slug")),
        ("type_name", _json("e.type_name")),
        ("title", _json("e.title")),
        ("summary", _json("e.summary")),
        ("date_start", _json(_iso("e.date_start"))),
        ("date_end", _json(_iso("e.date_end"))),
        ("date_precision", _json("e.date_precision")),
        ("date_display", _json(_span("e.date_start", end, "e.date_precision"))),
        ("reported_on", _json(_iso("e.reported_on"))),
        ("location", _json("e.location_slug")),
        ("location_name", _json("e.location_name")),
        ("latitude", f"coalesce({_float('e.location_latitude')}, 'null')"),
        ("longitude", f"coalesce({_float('e.location_longitude')}, 'null')"),
        ("actors", "'[' || coalesce(actors.slugs, '') || ']'"),
        ("actor_roles", "'[' || coalesce(actors.roles, '') || ']'"),
        ("figures", "'[' || coalesce(figures.objects, '') || ']'"),
        ("evidence", "'[' || coalesce(evidence.objects, '') || ']'"),
        ("url", _json(_event_url())),
        ("permalink", _json(f"c.origin || {_event_url()}")),
        ("status", _json("e.status")),
    ]
    members = " || ',' || ".join(f"'\"{name}\":' || {value}" for name, value in fields)
    return f"'{{' || {members} || '}}'", _event_joins(actors, figures, evidence)


# What a chunk's page query reads of each event (its type and place joined by Django),
# and the names the SQL above gives them.
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
    "location__slug",
    "location__name",
    "location__latitude",
    "location__longitude",
)
_PAGE_COLUMNS = [field.replace("__", "_") for field in _EVENT_FIELDS]


@functools.cache
def _statement(form: str, newest_first: bool) -> str:
    """The SQL around a chunk's page of events: {page} is the keyset query of the page."""
    piece, joins = _csv_line() if form == "csv" else _json_record()
    separator = "''" if form == "csv" else "','"
    order = "DESC" if newest_first else "ASC"
    back = "ASC" if newest_first else "DESC"
    return (
        f"WITH {_CONSTANTS}, page ({', '.join(_PAGE_COLUMNS)}) AS MATERIALIZED ({{page}}) "
        f"SELECT string_agg({piece}, {separator} ORDER BY e.date_start {order}, e.id {order}), "
        "count(*), "
        f"(SELECT id FROM page ORDER BY date_start {back}, id {back} LIMIT 1), "
        f"(SELECT date_start FROM page ORDER BY date_start {back}, id {back} LIMIT 1) "
        f"{joins}"
    )


def formatted_chunks(
    queryset: EventQuerySet, *, form: str, origin: str, newest_first: bool, chunk_size: int
) -> Iterator[str]:
    """The events of queryset in timeline order as text written by the database, one
    piece per chunk: CSV lines (form "csv") or JSON objects joined by commas ("json")."""
    ordered = queryset.prefetch_related(None).in_timeline_order(newest_first=newest_first)
    connection = connections[queryset.db]
    last = None
    while True:
        page = paging.after(ordered, last, newest_first=newest_first)
        page_sql, page_params = page.values_list(*_EVENT_FIELDS)[
            :chunk_size
        ].query.sql_with_params()
        sql = _statement(form, newest_first).replace("{page}", page_sql)
        with connection.cursor() as cursor:
            cursor.execute(sql, [*_constant_params(origin), *page_params])
            text, count, last_id, last_day = cursor.fetchone()
        if not count:
            return
        yield text
        if count < chunk_size:
            return
        last = (last_day, last_id)
