"""Time import_acled on the real Gaza file against a fresh, throwaway database.

    DATABASE_URL=sqlite:///x .venv/bin/python benchmarks/import_acled.py [PATH]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        benchmarks/import_acled.py [PATH]

SQLite: a temporary file (the URL's own file is never touched). PostgreSQL: a database
timeline_bench_<pid> created on the URL's server and dropped afterwards. Prints rows,
seconds, rows/s and peak memory, for a first import and for an idempotent re-import.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway_database import run_on_throwaway_database, set_up_django_environment  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "data" / "acled-gaza" / "gaza-2023-10-07_2025-06-06.csv.gz"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FILE
    if not path.exists():
        print(f"No ACLED file at {path}", file=sys.stderr)
        return 1
    set_up_django_environment()
    return run_on_throwaway_database(lambda label: _run(path, label), prefix="timeline_bench")


def _run(path: Path, label: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from timeline.datasets.acled import import_acled

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
