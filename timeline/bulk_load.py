"""A very large import's foreign keys, checked once at its end rather than row by row.

PostgreSQL checks a foreign key for every row written (a deferred trigger per row and per
key, run at COMMIT): an ACLED row writes an event, an article, its evidence, a figure, a
record, its actor links and its cited outlets, some fourteen checks, which cost more than
writing the row itself. ``suspend_foreign_keys`` drops the foreign keys of the tables an
import writes, inside its transaction; ``restore_foreign_keys`` adds them back, exactly as
they were (pg_get_constraintdef), before the transaction commits. Adding a foreign key
checks every row in one join, and a row that breaks it fails the ALTER TABLE, and with it
the whole import: nothing is written, as before.

The price: ALTER TABLE ... DROP CONSTRAINT holds an ACCESS EXCLUSIVE lock on those tables
(and the tables they point at) until COMMIT, so the site's reads of them wait for the
import. Only an import that writes very many rows does this (timeline.datasets.base
BULK_ROWS); the DDL is transactional, so a failed import leaves the keys as they were.
SQLite: nothing to do (its imports check no foreign keys row by row during the import).

``suspend_indexes`` / ``restore_indexes`` do the same for the secondary indexes (not
unique, backing no constraint) that the import itself does not read: building an index
once over a million rows costs a fraction of a million inserts into it, at random places
(slugs, hashes, dates) once the index outgrows memory.
"""

from __future__ import annotations

from django.db import connections

ForeignKey = tuple[str, str, str]  # (table, constraint name, definition)


def suspend_foreign_keys(tables: list[str], *, using: str = "default") -> list[ForeignKey]:
    """Drop the foreign keys of these tables (PostgreSQL); what restore_foreign_keys needs."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not tables:
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, k.conname, pg_get_constraintdef(k.oid)
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE k.contype = 'f' AND c.relname = ANY(%s)
              AND c.relnamespace = to_regnamespace(current_schema())
            ORDER BY c.relname, k.conname
            """,
            [list(tables)],
        )
        keys = [tuple(row) for row in cursor.fetchall()]
        # A table with checks still deferred (rows written earlier in the transaction)
        # cannot be altered: run them now, and defer what follows as before.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    return keys


def restore_foreign_keys(keys: list[ForeignKey], *, using: str = "default") -> None:
    """Add back the foreign keys suspend_foreign_keys dropped; each checks every row."""
    connection = connections[using]
    if not keys:
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")


Index = tuple[str, str]  # (index name, its CREATE INDEX statement)


def suspend_indexes(
    tables: list[str], *, keep: set[tuple[str, str]], using: str = "default"
) -> list[Index]:
    """Drop the secondary indexes of these tables (PostgreSQL) but those whose (table,
    first column) is in keep; what restore_indexes needs."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not tables:
        return []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, a.attname, i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
            WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary
              AND t.relnamespace = to_regnamespace(current_schema())
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
            ORDER BY t.relname, i.relname
            """,
            [list(tables)],
        )
        indexes = [
            (name, definition)
            for table, column, name, definition in cursor.fetchall()
            if (table, column) not in keep
        ]
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
    return indexes


def restore_indexes(indexes: list[Index], *, using: str = "default") -> None:
    """Build again the indexes suspend_indexes dropped, each in one pass over its table."""
    connection = connections[using]
    if not indexes:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
