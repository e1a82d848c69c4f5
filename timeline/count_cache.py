"""Facet counts, totals and the chart, cached per (filter, data version); exact.

Counting every facet over every matching event costs a scan of the filtered set per
facet on each request (issue 11: 5.9 s for the newest 50 at a million events). Most
requests repeat a filter that was counted before and nothing has been written since:
those get the counts from the cache. A cached count is never served after a write:

- The data version is a single row (`timeline_dataversion`) that a database trigger on
  every table the timeline counts bumps in the same transaction as the write (per
  statement on PostgreSQL, per row on SQLite), so bulk_create, QuerySet.update(), raw
  SQL and the admin are all covered, and a version becomes visible exactly when the data
  it stands for commits. Each bump draws a new random token, so a rolled-back bump is
  never reused for different data.
- The key is (what is cached, the token, who is asking: public or staff, the request's
  query without its paging cursor). The value is computed by the exact path and kept
  for CACHE_SECONDS at most.

A new table that the facets or the chart count needs the trigger too (add it to
COUNTED_TABLES in a migration); test_count_cache checks that every table of the app has
it or is listed as not counted.

The cache is Django's default cache (CACHES; per process by default, so each gunicorn
worker counts a filter once per data version; set a shared cache to count it once).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections

T = TypeVar("T")
CACHE_SECONDS = 600
VERSION_TABLE = "timeline_dataversion"
# The timeline's tables whose writes change what a page counts.
COUNTED_TABLES = (
    "timeline_event",
    "timeline_eventactor",
    "timeline_evidence",
    "timeline_figure",
    "timeline_actor",
    "timeline_location",
    "timeline_eventtype",
    "timeline_eventsubtype",
    "timeline_article",
    "timeline_article_outlets",
    "timeline_outlet",
    "timeline_datasetrecord",
)


def current_token(*, using: str = "default") -> str | None:
    """The data version's token (None when the row is missing: then nothing is cached)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT token FROM {VERSION_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


class CountCache:
    """The cached counts of one request: one read of the data version, then lookups."""

    def __init__(self, *, query: list[tuple[str, list[str]]], staff: bool, using: str) -> None:
        self.token = current_token(using=using)
        described = repr((sorted(query), staff)).encode()
        self.request_key = hashlib.sha256(described).hexdigest()

    def get(self, what: str, compute: Callable[[], T]) -> T:
        if self.token is None or not settings.COUNT_CACHE:
            return compute()
        key = f"counts:{what}:{self.token}:{self.request_key}"
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, CACHE_SECONDS)
        return value


def for_filter(event_filter, query, *, ignore=("cursor",)) -> CountCache:
    """The CountCache of a timeline request, kept on its EventFilter for the chart tag."""
    kept = [(key, query.getlist(key)) for key in query if key not in ignore]
    counts = CountCache(query=kept, staff=event_filter.is_staff, using=event_filter.qs.db)
    event_filter.count_cache = counts
    return counts


def create_triggers_sql(vendor: str, tables=COUNTED_TABLES) -> list[str]:
    """The statements that make writes to `tables` bump the data version."""
    if vendor == "postgresql":
        statements = [
            f"""
            CREATE OR REPLACE FUNCTION timeline_bump_data_version() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE {VERSION_TABLE}
                SET version = version + 1, token = md5(random()::text || clock_timestamp())
                WHERE id = 1;
                RETURN NULL;
            END $$
            """
        ]
        for table in tables:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}",
                f"CREATE TRIGGER {table}_data_version "
                f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION timeline_bump_data_version()",
            ]
        return statements
    statements = []
    for table in tables:
        for operation in ("INSERT", "UPDATE", "DELETE"):
            name = f"{table}_data_version_{operation.lower()}"
            statements += [
                f"DROP TRIGGER IF EXISTS {name}",
                f"CREATE TRIGGER {name} AFTER {operation} ON {table} BEGIN "
                f"UPDATE {VERSION_TABLE} SET version = version + 1, "
                "token = lower(hex(randomblob(12))) WHERE id = 1; END",
            ]
    return statements
