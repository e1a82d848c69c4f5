"""Facet counts, totals and the chart's day counts from a summary kept on write (PostgreSQL).

Counting a facet over every matching event scans the filtered set: at a million events
each facet hashed or sorted a million rows or more (issue 11). Most timeline requests
filter on nothing, or only on type, sub-type, dates and who may see what. For those, the
counts come from `timeline_facet_summary`: one row per (facet, start day, last day,
status, type, sub-type, value) with how many distinct events it holds (and, for killed
figures, their sum). A query sums the rows the filter selects: a few thousand rows
instead of a million, and the counts are the same numbers (exact), because:

- the key holds everything such a filter can select on: `status` (visibility and the
  staff's status filter), `type_id`, `sub_type_id`, and `date_start`, `date_last` (the
  date filters match on overlap: date_last >= from and date_start <= to, exactly as
  EventQuerySet.overlapping does);
- each row of a facet counts an event once per value (COUNT(DISTINCT) when written), and
  no event has two (start, last, status, type, sub-type) keys, so summing the rows of a
  value counts each of its events once;
- the rows of a start day are recomputed from the tables, never adjusted by deltas.

Keeping it current, in the writing transaction:
- statement triggers (with transition tables) on events, actor links, evidence, figures
  and article-outlet links write the start days their rows touch into
  `timeline_summary_dirty`;
- a deferred constraint trigger on that table recomputes every dirty day at COMMIT, once
  per transaction however many statements touched it (an import of a million rows
  recomputes each day once, set-based), under an advisory lock so that two committing
  writers never interleave their recomputations;
- readers use the summary only when they see no dirty day: another transaction's dirty
  rows are invisible until it commits, and then they are gone (recomputed). Inside a
  writing transaction that has not committed (a test's, say) the exact path is used.

Any writer is covered (ORM saves, bulk_create, QuerySet.update, raw SQL, COPY), so an
import needs to call nothing. `refresh_all()` recomputes everything (after restoring a
dump without triggers, say).

Filters the summary cannot express (text, actor, place, outlet, casualties,
corroboration) take the exact path (timeline.filters). SQLite always does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connections

TABLE = "timeline_facet_summary"
# The same rows summed per month of the start day and month of the last day: what the
# facets read for whole months (a tenth of a million-event timeline's day rows or less).
MONTHS = "timeline_facet_summary_month"
DIRTY = "timeline_summary_dirty"
# The tables whose rows a summary row counts, and how a changed row finds its event's day.
WATCHED = {
    "timeline_event": "SELECT c.date_start FROM changed c",
    "timeline_eventactor": (
        "SELECT e.date_start FROM changed c JOIN timeline_event e ON e.id = c.event_id"
    ),
    "timeline_evidence": (
        "SELECT e.date_start FROM changed c JOIN timeline_event e ON e.id = c.event_id"
    ),
    "timeline_figure": (
        "SELECT e.date_start FROM changed c JOIN timeline_event e ON e.id = c.event_id"
    ),
    "timeline_article_outlets": (
        "SELECT e.date_start FROM changed c "
        "JOIN timeline_evidence ev ON ev.article_id = c.article_id "
        "JOIN timeline_event e ON e.id = ev.event_id"
    ),
}
REFRESH_LOCK = 7_340_111  # pg_advisory_xact_lock key of the recomputation
# The killed figure an event counts, picked by MIN() of each figure's sort key: a low
# bound zero-padded to LOW_DIGITS, then "0" and the coder for a coding or "1" for a claim.
# timeline.chart picks it the same way from the figures (it imports these).
LOW_DIGITS = 10  # a figure's low bound is a PositiveIntegerField: at most 2,147,483,647


def killed_sort_key(coding: str) -> str:
    """The SQL of a figure's (alias f) sort key; `coding` is the SQL of the coding basis
    (a literal or a placeholder)."""
    return (
        f"LPAD(CAST(f.low AS TEXT), {LOW_DIGITS}, '0') || "
        f"CASE WHEN f.basis = {coding} THEN '0' || f.attributed_to ELSE '1' END"
    )


KEY = "e.date_start, e.date_last, e.status, e.type_id, e.sub_type_id"


def _table_sql(name: str, first: str, last: str) -> str:
    """A summary table: the day rows, or the same summed per month (`first`, `last`: the
    columns of the start and last day, or month)."""
    return f"""
        CREATE TABLE {name} (
            facet char(1) NOT NULL,
            {first} date NOT NULL,
            {last} date NOT NULL,
            status varchar(10) NOT NULL,
            type_id bigint NOT NULL,
            sub_type_id bigint,
            value_id bigint,
            label text,
            n integer NOT NULL,
            total bigint
        )
        """


def create_sql() -> list[str]:
    """The tables, functions and triggers (PostgreSQL), and the first computation."""
    days = "e.date_start = ANY(days)"
    pick = killed_sort_key("'coding'")
    statements = [
        _table_sql(TABLE, "date_start", "date_last"),
        f"CREATE INDEX {TABLE}_facet_day ON {TABLE} (facet, date_start)",
        f"CREATE INDEX {TABLE}_facet_last ON {TABLE} (facet, date_last)",
        # The recomputation deletes a day's rows whatever their facet.
        f"CREATE INDEX {TABLE}_day ON {TABLE} (date_start)",
        _table_sql(MONTHS, "month_start", "month_last"),
        f"CREATE INDEX {MONTHS}_facet_month ON {MONTHS} (facet, month_start)",
        f"CREATE TABLE {DIRTY} (day date NOT NULL)",
        f"CREATE INDEX {DIRTY}_day ON {DIRTY} (day)",
        f"""
        CREATE OR REPLACE FUNCTION timeline_summary_refresh(days date[]) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock({REFRESH_LOCK});
            DELETE FROM {TABLE} WHERE date_start = ANY(days);
            INSERT INTO {TABLE} (facet, date_start, date_last, status, type_id, sub_type_id,
                                 value_id, n)
            SELECT 'e', {KEY}, NULL, COUNT(*) FROM timeline_event e
            WHERE {days} GROUP BY {KEY};
            INSERT INTO {TABLE} (facet, date_start, date_last, status, type_id, sub_type_id,
                                 value_id, n)
            SELECT 'l', {KEY}, e.location_id, COUNT(*) FROM timeline_event e
            WHERE {days} AND e.location_id IS NOT NULL GROUP BY {KEY}, e.location_id;
            INSERT INTO {TABLE} (facet, date_start, date_last, status, type_id, sub_type_id,
                                 value_id, n)
            SELECT 'a', {KEY}, ea.actor_id, COUNT(DISTINCT e.id)
            FROM timeline_event e JOIN timeline_eventactor ea ON ea.event_id = e.id
            WHERE {days} GROUP BY {KEY}, ea.actor_id;
            INSERT INTO {TABLE} (facet, date_start, date_last, status, type_id, sub_type_id,
                                 value_id, n)
            SELECT 'o', {KEY}, ao.outlet_id, COUNT(DISTINCT e.id)
            FROM timeline_event e
            JOIN timeline_evidence ev ON ev.event_id = e.id
            JOIN timeline_article_outlets ao ON ao.article_id = ev.article_id
            WHERE {days} GROUP BY {KEY}, ao.outlet_id;
            INSERT INTO {TABLE} (facet, date_start, date_last, status, type_id, sub_type_id,
                                 label, n, total)
            SELECT 'k', {KEY}, SUBSTR(m.pick, {LOW_DIGITS + 1}), COUNT(*),
                SUM(CAST(SUBSTR(m.pick, 1, {LOW_DIGITS}) AS bigint))
            FROM (
                SELECT f.event_id, MIN({pick}) AS pick
                FROM timeline_figure f JOIN timeline_event e ON e.id = f.event_id
                WHERE f.kind = 'killed' AND {days} GROUP BY f.event_id
            ) m JOIN timeline_event e ON e.id = m.event_id
            GROUP BY {KEY}, SUBSTR(m.pick, {LOW_DIGITS + 1});
            -- The months of those days, summed again from their day rows.
            DELETE FROM {MONTHS} WHERE month_start IN (
                SELECT DISTINCT date_trunc('month', d)::date FROM unnest(days) d);
            INSERT INTO {MONTHS} (facet, month_start, month_last, status, type_id,
                                  sub_type_id, value_id, label, n, total)
            SELECT facet, date_trunc('month', date_start)::date,
                date_trunc('month', date_last)::date, status, type_id, sub_type_id,
                value_id, label, SUM(n), SUM(total)
            FROM {TABLE}
            WHERE date_start >= (SELECT date_trunc('month', MIN(d))::date FROM unnest(days) d)
              AND date_trunc('month', date_start)::date IN (
                SELECT DISTINCT date_trunc('month', d)::date FROM unnest(days) d)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
        END $$
        """,
        f"""
        CREATE OR REPLACE FUNCTION timeline_summary_refresh_dirty() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            days date[];
        BEGIN
            -- The first dirty row's trigger recomputes every dirty day of the transaction;
            -- the others find nothing left.
            WITH gone AS (DELETE FROM {DIRTY} RETURNING day)
            SELECT array_agg(DISTINCT day) INTO days FROM gone;
            IF days IS NOT NULL THEN
                PERFORM timeline_summary_refresh(days);
            END IF;
            RETURN NULL;
        END $$
        """,
        f"""
        CREATE CONSTRAINT TRIGGER timeline_summary_dirty_refresh AFTER INSERT ON {DIRTY}
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        EXECUTE FUNCTION timeline_summary_refresh_dirty()
        """,
        f"""
        CREATE OR REPLACE FUNCTION timeline_summary_truncated() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM {TABLE};
            DELETE FROM {MONTHS};
            INSERT INTO {DIRTY} (day) SELECT DISTINCT date_start FROM timeline_event;
            RETURN NULL;
        END $$
        """,
    ]
    for table, days_of_changed in WATCHED.items():
        function = f"{table}_summary_dirty"
        statements.append(
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO {DIRTY} (day)
                SELECT DISTINCT d.date_start FROM ({days_of_changed}) d
                WHERE NOT EXISTS (SELECT 1 FROM {DIRTY} x WHERE x.day = d.date_start);
                RETURN NULL;
            END $$
            """
        )
        # A trigger with transition tables has one event; an update is seen as both
        # its old rows (the days it leaves) and its new rows (the days it enters).
        for name, event, transition in (
            ("insert", "INSERT", "NEW"),
            ("delete", "DELETE", "OLD"),
            ("update_old", "UPDATE", "OLD"),
            ("update_new", "UPDATE", "NEW"),
        ):
            statements.append(
                f"CREATE TRIGGER {table}_summary_{name} AFTER {event} ON {table} "
                f"REFERENCING {transition} TABLE AS changed "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        statements.append(
            f"CREATE TRIGGER {table}_summary_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION timeline_summary_truncated()"
        )
    statements.append(
        "SELECT timeline_summary_refresh(ARRAY(SELECT DISTINCT date_start FROM timeline_event))"
    )
    return statements


def drop_sql() -> list[str]:
    statements = []
    for table in WATCHED:
        for name in ("insert", "delete", "update_old", "update_new", "truncate"):
            statements.append(f"DROP TRIGGER IF EXISTS {table}_summary_{name} ON {table}")
        statements.append(f"DROP FUNCTION IF EXISTS {table}_summary_dirty()")
    statements += [
        f"DROP TABLE IF EXISTS {DIRTY}",
        f"DROP TABLE IF EXISTS {TABLE}",
        f"DROP TABLE IF EXISTS {MONTHS}",
        "DROP FUNCTION IF EXISTS timeline_summary_truncated()",
        "DROP FUNCTION IF EXISTS timeline_summary_refresh_dirty()",
        "DROP FUNCTION IF EXISTS timeline_summary_refresh(date[])",
    ]
    return statements


def refresh_all(*, using: str = "default") -> None:
    """Recompute the whole summary now (it is kept current by triggers otherwise)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT timeline_summary_refresh(ARRAY(SELECT DISTINCT date_start FROM timeline_event))"
        )


# -- reading ------------------------------------------------------------------------------
# The filters the summary can express, and the display parameters that filter nothing.
EXPRESSIBLE = {"type", "sub_type", "from", "to", "status"}
NOT_FILTERS = {"sort", "view", "pages", "split", "measure", "bucket", "group"}


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Selection:
    """What a filter the summary can express selects: a status (None: every status), any
    of some types and any of some sub-types (empty: all), and a date range (overlap)."""

    status: str | None = None
    types: tuple[int, ...] = ()
    sub_types: tuple[int, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def key_clauses(self) -> tuple[list[str], list]:
        clauses, params = [], []
        if self.status is not None:
            clauses.append("status = %s")
            params.append(self.status)
        if self.types:
            clauses.append("type_id = ANY(%s)")
            params.append(list(self.types))
        if self.sub_types:
            clauses.append("sub_type_id = ANY(%s)")
            params.append(list(self.sub_types))
        return clauses, params

    def day_where(self) -> tuple[str, list]:
        """The day rows this selection matches (every one of them)."""
        clauses, params = self.key_clauses()
        if self.date_from is not None:
            clauses.append("date_last >= %s")
            params.append(self.date_from)
        if self.date_to is not None:
            clauses.append("date_start <= %s")
            params.append(self.date_to)
        return " AND ".join(clauses) or "TRUE", params

    def split_where(self) -> tuple[tuple[str, list], tuple[str, list] | None]:
        """(month rows wholly inside the range, day rows at its edges or None).

        An event overlaps [from, to] when date_last >= from and date_start <= to. A month
        row decides that for all its events when its last-day month starts on or after
        `lower` and its start-day month starts before `upper`: `lower` is from's month
        when from is its first day, else the month after; `upper` the month after to's
        when to is its month's last day, else to's month. The day rows of the other
        overlapping events (last day in from's month before `lower`, or start day in
        to's month from `upper` on) are read apart.
        """
        clauses, params = self.key_clauses()
        month_clauses, month_params = list(clauses), list(params)
        edges, edge_params = [], []
        lower = upper = None
        if self.date_from is not None:
            start = _month(self.date_from)
            lower = start if self.date_from == start else _next_month(start)
            month_clauses.append("month_last >= %s")
            month_params.append(lower)
            if lower != self.date_from:
                edges.append("date_last < %s")
                edge_params.append(lower)
        if self.date_to is not None:
            after = _next_month(self.date_to)
            upper = after if self.date_to == after - timedelta(days=1) else _month(self.date_to)
            month_clauses.append("month_start < %s")
            month_params.append(upper)
            if upper == _month(self.date_to):
                edges.append("date_start >= %s")
                edge_params.append(upper)
        months = (" AND ".join(month_clauses) or "TRUE", month_params)
        if not edges:
            return months, None
        day_condition, day_params = self.day_where()
        days = (f"{day_condition} AND ({' OR '.join(edges)})", day_params + edge_params)
        return months, days


def _rows(using: str, sql: str, params: list) -> list[tuple]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def usable(*, using: str) -> bool:
    """Whether the summary is there and current for this connection: PostgreSQL, and no
    dirty day visible (one this transaction wrote and has not yet committed)."""
    if connections[using].vendor != "postgresql":
        return False
    return not _rows(using, f"SELECT EXISTS (SELECT 1 FROM {DIRTY})", [])[0][0]


def _summed_sql(selection: Selection, facet: str, columns: str) -> tuple[str, list]:
    """SELECT k0, k1, …, n: one facet's rows the selection matches, summed by `columns`."""
    (month_condition, month_params), days = selection.split_where()
    aliased = _aliased(columns)
    parts = [f"SELECT {aliased}, n FROM {MONTHS} WHERE facet = %s AND {month_condition}"]
    params = [facet, *month_params]
    if days is not None:
        parts.append(f"SELECT {aliased}, n FROM {TABLE} WHERE facet = %s AND {days[0]}")
        params += [facet, *days[1]]
    keys = ", ".join(f"k{i}" for i in range(columns.count(",") + 1))
    sql = f"SELECT {keys}, SUM(n) AS n FROM ({' UNION ALL '.join(parts)}) s GROUP BY {keys}"
    return sql, params


def _summed(selection: Selection, facet: str, columns: str, *, using: str) -> list[tuple]:
    """(columns..., events) of one facet's rows the selection matches, summed."""
    sql, params = _summed_sql(selection, facet, columns)
    return [(*row[:-1], int(row[-1])) for row in _rows(using, sql, params)]


def _aliased(columns: str) -> str:
    return ", ".join(f"{c.strip()} AS k{i}" for i, c in enumerate(columns.split(",")))


def value_counts(selection: Selection, facet: str, *, using: str) -> dict[int, int]:
    """{actor, place or outlet id: distinct events} ('a', 'l', 'o')."""
    return dict(_summed(selection, facet, "value_id", using=using))


def named_value_counts(
    selection: Selection, facet: str, table: str, *, using: str
) -> list[tuple[int, str, str, int]]:
    """(id, slug, name, events) of one facet's values, their names from `table`."""
    sql, params = _summed_sql(selection, facet, "value_id")
    sql = f"SELECT s.k0, t.slug, t.name, s.n FROM ({sql}) s JOIN {table} t ON t.id = s.k0"
    return [(pk, slug, name, int(n)) for pk, slug, name, n in _rows(using, sql, params)]


def type_and_sub_type_counts(selection: Selection, *, using: str) -> tuple[dict, dict]:
    """({type id: events}, {sub-type id: events}) from one read of the event rows."""
    types: dict[int, int] = {}
    sub_types: dict[int, int] = {}
    for type_id, sub_type_id, n in _summed(selection, "e", "type_id, sub_type_id", using=using):
        types[type_id] = types.get(type_id, 0) + n
        if sub_type_id is not None:
            sub_types[sub_type_id] = sub_types.get(sub_type_id, 0) + n
    return types, sub_types


def total(selection: Selection, *, using: str) -> int:
    return sum(n for _, n in _summed(selection, "e", "type_id", using=using))


def by_day(selection: Selection, column: str, *, using: str) -> list[tuple[date, object, int]]:
    """(start day, type or sub-type id, events): the chart's counts per day."""
    condition, params = selection.day_where()
    sql = (
        f"SELECT date_start, {column}, SUM(n) FROM {TABLE} WHERE facet = 'e' AND {condition} "
        "GROUP BY 1, 2"
    )
    return [(day, value, int(n)) for day, value, n in _rows(using, sql, params)]


def killed_by_day(selection: Selection, *, using: str) -> list[tuple[date, str, int, int]]:
    """(start day, source key, killed, events), as timeline.chart.killed_by_day reads them
    from the figures."""
    condition, params = selection.day_where()
    sql = (
        f"SELECT date_start, label, SUM(total), SUM(n) FROM {TABLE} WHERE facet = 'k' "
        f"AND {condition} GROUP BY 1, 2"
    )
    return [(day, label, int(t), int(n)) for day, label, t, n in _rows(using, sql, params)]
