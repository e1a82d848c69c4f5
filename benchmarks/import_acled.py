"""Time import_acled on the real Gaza file against a fresh, throwaway database.

    DATABASE_URL=sqlite:///x .venv/bin/python benchmarks/import_acled.py [PATH]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        benchmarks/import_acled.py [PATH]

SQLite: a temporary file (the URL's own file is never touched). PostgreSQL: a database
timeline_bench_<pid> created on the URL's server and dropped afterwards. Prints rows,
seconds, rows/s and peak memory, for a first import and for an idempotent re-import.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "data" / "acled-gaza" / "gaza-2023-10-07_2025-06-06.csv.gz"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    if not path.exists():
        print(f"No ACLED file at {path}", file=sys.stderr)
        return 1
    url = os.environ.get("DATABASE_URL", "sqlite:///")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"  # no query log: measure the importer, not DEBUG's bookkeeping

    if url.startswith("postgres"):
        name = f"timeline_bench_{os.getpid()}"
        admin = _psycopg_connect(url)
        admin.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(url)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        try:
            return _run(path, f"PostgreSQL ({name})")
        finally:
            from django.db import connections

            connections.close_all()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.close()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        return _run(path, "SQLite (temporary file)")


def _psycopg_connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def _run(path: Path, label: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from timeline.importing.acled import import_acled

    call_command("migrate", verbosity=0, interactive=False)
    print(f"{label}: {path.name}")
    print(f"  peak RSS before importing {_peak_rss_mib():.0f} MiB")
    # tracemalloc slows the import several times over, so timing runs are untraced and
    # memory is the process's peak resident set (ru_maxrss) after each run.
    for attempt in ("first import", "re-import"):
        started = time.perf_counter()
        result = import_acled(path=path)
        seconds = time.perf_counter() - started
        print(
            f"  {attempt}: {result.rows:,} rows ({result.created:,} created, "
            f"{result.unchanged:,} unchanged) in {seconds:.2f} s = "
            f"{result.rows / seconds:,.0f} rows/s; peak RSS {_peak_rss_mib():.0f} MiB"
        )
    return 0


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


if __name__ == "__main__":
    sys.exit(main())
