"""One import at a time, and fresh planner statistics after each.

``exclusive_import()`` wraps every import command (import_fixtures, import_acled,
import_ucdp). While one import runs, another waits up to ``--wait`` seconds for it and
then gives up with a clear message, instead of failing half-way on a unique key
(PostgreSQL) or "database is locked" (SQLite).

- PostgreSQL: a session-level advisory lock, shared by every import command. The server
  drops it when the holding connection ends, so a killed import never leaves it behind.
- SQLite: an exclusive ``flock`` on ``<database file>.import-lock`` beside the database,
  which the kernel drops when the holding process ends. An in-memory database belongs to
  one process and needs no lock.

After an import that succeeded, the timeline's tables are ANALYZEd
(timeline.table_statistics.analyze_tables) unless analyze=False: the dataset imports
refresh the statistics themselves (table_statistics.refresh_after_import), so their
commands pass analyze=False.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections

from timeline.table_statistics import analyze_tables

# Any 64-bit number no other application on the same server uses for an advisory lock.
ADVISORY_LOCK_KEY = 0x54494D454C494E45  # "TIMELINE"
DEFAULT_WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.2


class ImportBusy(Exception):
    """Another import held the lock for longer than this one would wait."""


def busy_message(waited: float) -> str:
    return (
        f"Another import is running on this database (waited {waited:g} s for it). "
        "import_fixtures, import_acled and import_ucdp take turns: try again when it has "
        "finished, or pass --wait SECONDS to wait longer. Nothing was imported."
    )


@contextmanager
def exclusive_import(
    *,
    wait: float = DEFAULT_WAIT_SECONDS,
    using: str = "default",
    on_wait: Callable[[], None] | None = None,
    analyze: bool = True,
) -> Iterator[None]:
    """Hold the import lock for the block; ANALYZE the timeline's tables if it succeeds.

    Raises ImportBusy when the lock is still held by another import after `wait`
    seconds; `on_wait` is called once, when this import starts waiting.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        lock = _advisory_lock(connection, wait, on_wait)
    else:
        lock = _lock_file(_lock_path(connection), wait, on_wait)
    with lock:
        yield
        if analyze:
            analyze_tables(using=using)


def _waited(started: float) -> float:
    return round(time.monotonic() - started, 1)


@contextmanager
def _advisory_lock(connection, wait: float, on_wait) -> Iterator[None]:
    started = time.monotonic()
    told = False
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() - started >= wait:
                raise ImportBusy(busy_message(_waited(started)))
            if on_wait and not told:
                on_wait()
                told = True
            time.sleep(_POLL_SECONDS)
    try:
        yield
    finally:
        if connection.connection is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def _lock_path(connection) -> Path | None:
    """The lock file beside an SQLite database file; None for an in-memory database."""
    if connection.is_in_memory_db():
        return None
    return Path(f"{connection.settings_dict['NAME']}.import-lock")


@contextmanager
def _lock_file(path: Path | None, wait: float, on_wait) -> Iterator[None]:
    if path is None:
        yield
        return
    started = time.monotonic()
    told = False
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - started >= wait:
                    raise ImportBusy(busy_message(_waited(started))) from None
                if on_wait and not told:
                    on_wait()
                    told = True
                time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
