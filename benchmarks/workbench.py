"""Time the workbench on the real ACLED file: the table view and the comparison chart beside
the timeline, in milliseconds and queries per page.

    .venv/bin/python benchmarks/workbench.py [--db /tmp/acled.sqlite3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        benchmarks/workbench.py

The seed fixtures and `import_acled` of ../shared/data/acled-gaza/*.csv.gz go into a
throwaway database (or a --db SQLite file, reused when it already holds them). Each page
is requested through Django's test Client, three times after one warm-up; the median is
printed with the number of queries.
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

ACLED_DIR = ROOT.parent / "shared" / "data" / "acled-gaza"

PAGES = [
    ("timeline (cards, newest first)", "/"),
    ("timeline, three pages", "/?pages=3"),
    ("table, by date", "/?view=table"),
    ("table, by killed", "/?view=table&sort=-killed"),
    ("table, by outlets", "/?view=table&sort=-outlets"),
    ("table, by killed, armed clashes", "/?view=table&sort=-killed&type=armed-clash"),
    ("chart split by actor", "/?split=actor"),
    ("chart split by place, killed", "/?split=location&measure=killed"),
    ("chart split by outlet", "/?split=outlet"),
    ("chart split by sub-type, per week", "/?split=sub_type&bucket=week"),
    (
        "two actors by month, side by side",
        "/?actor=hamas-movement&actor=pij-palestinian-islamic-jihad&split=actor"
        "&bucket=month&group=multiples",
    ),
    ("chart data as CSV (actors)", "/chart.csv?split=actor&measure=killed"),
    ("all actors (facet list)", "/facets/actor/"),
    ("all outlets, type-ahead", "/facets/outlet/?find_outlet=news"),
    ("map page", "/map/"),
    ("event page", "/events/acled-pse67116/"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="SQLite file to create or reuse")
    args = parser.parse_args()
    files = sorted(ACLED_DIR.glob("*.csv.gz"))
    if not files:
        print(f"No ACLED file in {ACLED_DIR}; nothing to measure.")
        return 1
    set_up_django_environment(
        ALLOWED_HOSTS="testserver",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    return run_on_throwaway_database(
        lambda label: run(files, label), prefix="timeline_bench_workbench", sqlite_file=args.db
    )


def run(files: list[Path], label: str) -> int:
    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from timeline.models import Event

    call_command("migrate", verbosity=0, interactive=False)
    print(f"{label}, Django {django.get_version()}")
    if Event.objects.filter(external_id__startswith="acled").count() < 5000:
        started = time.perf_counter()
        call_command("import_fixtures", str(ROOT / "fixtures"), stdout=StringIO())
        call_command("import_acled", *map(str, files), stdout=StringIO(), stderr=StringIO())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"  imported the seed and ACLED in {time.perf_counter() - started:.0f} s")
    print(f"  {Event.objects.count():,} events")
    print_page_timings(Client(), PAGES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
