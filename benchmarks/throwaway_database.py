"""The database a benchmark runs on: never the one DATABASE_URL names.

PostgreSQL (DATABASE_URL=postgres://…): a database `<prefix>_<pid>` created on that
server and dropped afterwards. SQLite: the file given (kept, so data can be reused
between runs), or a temporary file.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def set_up_django_environment(**extra: str) -> None:
    """Production settings with no query log (DEBUG off), plus any overrides."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ.update(extra)


def run_on_throwaway_database(
    run: Callable[[str], int], *, prefix: str, sqlite_file: Path | None = None
) -> int:
    """Point DATABASE_URL at a throwaway database and call run(label) there."""
    url = os.environ.get("DATABASE_URL", "sqlite:///")
    if url.startswith("postgres"):
        import psycopg

        name = f"{prefix}_{os.getpid()}"
        admin = psycopg.connect(url, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
        try:
            return run(f"PostgreSQL ({name})")
        finally:
            from django.db import connections

            connections.close_all()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()
    if sqlite_file is not None:
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_file.resolve()}"
        return run(f"SQLite ({sqlite_file})")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        return run("SQLite (temporary file)")
