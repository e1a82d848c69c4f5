"""Fresh planner statistics after bulk writes: one place that decides and does it.

Right after a large import PostgreSQL's statistics still describe the tables as they were
(often empty), and with them the planner picks nested loops and per-row scans that take a
search or a facet from milliseconds to minutes. SQLite's ANALYZE feeds its planner the
same way. The dataset imports call ``refresh_after_import`` themselves (so a test or a
script that imports needs nothing more); the import commands' lock
(timeline.management.exclusive_import) and the search documents' rebuild use
``analyze_tables``.

ANALYZE inside a transaction is allowed on both databases, and on PostgreSQL it samples
the rows the transaction itself inserted.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps
from django.db import connections

# Rows written (created or updated) by one import from which the tables are ANALYZEd: any.
# A re-import that changed nothing leaves the statistics as they were.
ANALYZE_AFTER = 1


def analyze_tables(tables: Iterable[str] | None = None, *, using: str = "default") -> None:
    """ANALYZE these tables (every table of the timeline app with None)."""
    connection = connections[using]
    if tables is None:
        tables = [model._meta.db_table for model in apps.get_app_config("timeline").get_models()]
    tables = list(tables)
    if not tables:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(quote(table) for table in tables))
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {quote(table)}")


def refresh_after_import(rows_written: int, *, using: str = "default") -> bool:
    """ANALYZE every timeline table when an import wrote anything; whether it did."""
    if rows_written < ANALYZE_AFTER:
        return False
    analyze_tables(using=using)
    return True
