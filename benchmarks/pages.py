"""Time the analyst's pages over N events and print milliseconds and queries per page.

    .venv/bin/python benchmarks/pages.py [--events 200000] [--db /tmp/bench.sqlite3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        benchmarks/pages.py --events 200000

The events are the export benchmark's (benchmarks/export_memory.py: a place, an actor, a
figure and a quote each), created in a throwaway database or reused from --db. Each page
is requested through Django's test Client, three times after one warm-up; the median
is printed with the number of queries.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from page_timing import print_page_timings  # noqa: E402
from throwaway_database import run_on_throwaway_database, set_up_django_environment  # noqa: E402

PAGES = [
    ("timeline", "/"),
    ("timeline, newest first", "/?sort=-date"),
    ("timeline, one type", "/?type=military-strike"),
    ("timeline, place and dates", "/?location=bench-place-3&from=2023-06-01&to=2023-06-30"),
    ("timeline, text search (all match)", "/?q=officials%20killed"),
    ("timeline, text search (111 match)", "/?q=Event%201234"),
    ("timeline, htmx fragment", "/?type=negotiation"),
    ("map data, world", "/map/data.json?bbox=-180,-90,180,90&zoom=2"),
    ("map data, zoomed in", "/map/data.json?bbox=34.0,31.0,34.2,31.2&zoom=12"),
    ("map page", "/map/"),
    ("actor page", "/actors/bench-actor-1/"),
    ("location page", "/locations/bench-country/"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--db", type=Path, help="SQLite file to create or reuse")
    args = parser.parse_args()
    set_up_django_environment(
        ALLOWED_HOSTS="testserver",
        # Pages render static URLs: plain storage, as the manifest needs collectstatic.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    return run_on_throwaway_database(
        lambda label: run(args, label), prefix="timeline_bench_pages", sqlite_file=args.db
    )


def run(args, label: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from export_memory import create_events

    from timeline.models import Event

    call_command("migrate", verbosity=0, interactive=False)
    print(f"{label}, Django {django.get_version()}")
    if Event.objects.count() != args.events:
        started = time.perf_counter()
        create_events(args.events)
        print(f"  created {args.events:,} events in {time.perf_counter() - started:.0f} s")
        # Planner statistics, as autovacuum (PostgreSQL) or an operator (SQLite) would keep.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        print(f"  reusing {args.events:,} events")
    pages = [
        (name, path, {"HTTP_HX_REQUEST": "true"} if "htmx" in name else {}) for name, path in PAGES
    ]
    print_page_timings(Client(), pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
