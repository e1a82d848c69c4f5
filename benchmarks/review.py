"""Time the review queue (/review/) with N proposals waiting; print median ms and queries.

    .venv/bin/python benchmarks/review.py [--proposals 10000] [--db /tmp/bench-review.sqlite3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        benchmarks/review.py --proposals 10000

Twice as many events as proposals are made with the export benchmark's generator
(benchmarks/export_memory.py: a place, an actor, a figure and a quote each); every other
one is then a proposal, so each proposal has published events of its type around it to
score as duplicates. Each page is requested through Django's test Client by a reviewer,
five times after one warm-up; the median is printed with the number of queries.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="SQLite file to create or reuse")
    args = parser.parse_args()
    set_up_django_environment(
        ALLOWED_HOSTS="testserver",
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    return run_on_throwaway_database(
        lambda label: run(args, label), prefix="timeline_bench_review", sqlite_file=args.db
    )


def run(args, label: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from export_memory import create_events

    from timeline.models import Event
    from timeline.roles import make_editor

    call_command("migrate", verbosity=0, interactive=False)
    print(f"{label}, Django {django.get_version()}")
    total = args.proposals * 2
    if Event.objects.count() != total:
        started = time.perf_counter()
        create_events(total)
        ids = list(Event.objects.order_by("pk").values_list("pk", flat=True))[::2]
        for offset in range(0, len(ids), 5000):
            Event.objects.filter(pk__in=ids[offset : offset + 5000]).update(status="proposed")
        print(f"  created {total:,} events in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    waiting = Event.objects.filter(status="proposed").count()
    print(f"  {waiting:,} proposals waiting")
    middle = (
        Event.objects.filter(status="proposed")
        .order_by("pk")
        .values_list("pk", flat=True)[waiting // 2]
    )
    first_type = Event.objects.filter(status="proposed").order_by("pk").first().type.slug
    reviewer, _ = make_editor(username="bench-reviewer", reviewer=True)
    client = Client()
    client.force_login(reviewer)
    pages = [
        ("queue, first page", "/review/", {}),
        ("queue, page from the middle", f"/review/?after={middle}", {}),
        ("queue, one type", f"/review/?type={first_type}", {}),
        ("queue, date range", "/review/?date_from=2024-01-01&date_to=2024-03-31", {}),
        ("queue, htmx fragment", "/review/", {"HTTP_HX_REQUEST": "true"}),
    ]
    print_page_timings(client, pages, repeat=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
