"""Stream every export of N events and print time and memory per format.

    .venv/bin/python benchmarks/export_memory.py [--events 100000] [--tracemalloc]
    .venv/bin/python benchmarks/export_memory.py --events 1000000 --db /tmp/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        benchmarks/export_memory.py

SQLite: a temporary file, or --db PATH to keep the data between runs (reused when it
already holds N events). PostgreSQL: a database timeline_bench_export_<pid> created on
the URL's server and dropped afterwards. The URL's own database is never touched.

Each event gets a place (nine in ten with coordinates), an actor, a figure and a quote,
written with bulk_create. Each export is requested through Django's test Client and its
streaming_content consumed without keeping it; rows/s is events exported per second,
the request included. Memory is the peak growth of the resident set over the stream
(sampled at every piece; constant memory: the same at 10,000 and at 1,000,000 events)
and, with --tracemalloc, the peak of Python allocations (tracemalloc slows the stream
several times over, so time it without).
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway_database import run_on_throwaway_database, set_up_django_environment  # noqa: E402

FORMATS = [
    ("JSON", "timeline:events-json"),
    ("CSV", "timeline:events-csv"),
    ("GeoJSON", "timeline:events-geojson"),
    ("TimelineJS", "timeline:events-timelinejs"),
    ("ACLED CSV", "timeline:events-acled"),
]
BATCH = 5000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="SQLite file to create or reuse")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python memory")
    parser.add_argument("--only", help="comma-separated formats (JSON,CSV,GeoJSON,...)")
    args = parser.parse_args()

    # The time limits of public requests are off: this measures throughput (a 100,000-row
    # export that outlasts PUBLIC_REQUEST_TIMEOUT would otherwise end "cut short").
    set_up_django_environment(
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="0",
        PUBLIC_QUERY_TIMEOUT="0",
        PUBLIC_REQUEST_TIMEOUT="0",
    )
    return run_on_throwaway_database(
        lambda label: run(args, label), prefix="timeline_bench_export", sqlite_file=args.db
    )


def run(args, label: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from timeline.models import Event

    call_command("migrate", verbosity=0, interactive=False)
    print(f"{label}, Django {django.get_version()}")
    if Event.objects.count() != args.events:
        started = time.perf_counter()
        create_events(args.events)
        print(f"  created {args.events:,} events in {time.perf_counter() - started:.0f} s")
    else:
        print(f"  reusing {args.events:,} events")
    wanted = {name.strip().lower() for name in args.only.split(",")} if args.only else None
    print(
        f"  {'format':<11} {'rows':>10} {'MiB out':>8} {'seconds':>8} {'rows/s':>9} "
        f"{'peak RSS growth':>16}" + (f" {'traced peak':>12}" if args.tracemalloc else "")
    )
    for label_, url_name in FORMATS:
        if wanted and label_.lower() not in wanted:
            continue
        stream_one(label_, url_name, args.events, trace=args.tracemalloc)
    print(f"  process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


def create_events(n: int) -> None:
    """n published events, each with a place, an actor, a figure and an evidence quote."""
    from django.db import transaction

    from timeline.models import (
        Actor,
        Article,
        Event,
        EventActor,
        EventType,
        Evidence,
        Figure,
        Location,
        content_hash,
    )

    types = list(EventType.objects.all())
    country = Location.objects.create(
        slug="bench-country", name="Bench Country", kind="country", latitude=31.5, longitude=34.5
    )
    places = [
        Location.objects.create(
            slug=f"bench-place-{i}",
            name=f"Place {i}",
            kind="city",
            parent=country,
            latitude=None if i % 10 == 0 else 31 + i / 100,
            longitude=None if i % 10 == 0 else 34 + i / 100,
        )
        for i in range(50)
    ]
    actors = [
        Actor.objects.create(slug=f"bench-actor-{i}", name=f"Actor {i}", kind="state")
        for i in range(50)
    ]
    sentences = [f"Officials said {i} people were killed in the strike." for i in range(60)]
    text = " ".join(sentences)
    articles = Article.objects.bulk_create(
        Article(
            slug=f"bench-article-{i}",
            title=f"Article {i}",
            outlet=f"Outlet {i % 7}",
            published=date(2025, 1, 1),
            text=text,
            content_hash=content_hash(f"{text} {i}"),
        )
        for i in range(200)
    )
    offsets = []
    position = 0
    for sentence in sentences:
        offsets.append((position, position + len(sentence), sentence))
        position += len(sentence) + 1
    first_day = date(2023, 1, 1)
    for batch_start in range(0, n, BATCH):
        with transaction.atomic():
            events = Event.objects.bulk_create(
                Event(
                    slug=f"bench-event-{i}",
                    type=types[i % len(types)],
                    title=f"Event {i}: strike on place {i % 50}",
                    summary="A summary of what was reported.",
                    date_start=first_day + timedelta(days=i % 900),
                    date_last=first_day + timedelta(days=i % 900),
                    date_precision="day",
                    location=places[i % len(places)],
                    status=Event.Status.PUBLISHED,
                )
                for i in range(batch_start, min(batch_start + BATCH, n))
            )
            EventActor.objects.bulk_create(
                EventActor(event=event, actor=actors[event.pk % 50], role="initiator")
                for event in events
            )
            evidence = Evidence.objects.bulk_create(
                Evidence(
                    event=event,
                    article=articles[event.pk % 200],
                    start=offsets[event.pk % 60][0],
                    end=offsets[event.pk % 60][1],
                    quote=offsets[event.pk % 60][2],
                    attributed_to="Hospital officials",
                )
                for event in events
            )
            Figure.objects.bulk_create(
                Figure(
                    event_id=quote.event_id,
                    kind="killed",
                    low=quote.event_id % 60,
                    qualifier="more-than",
                    attributed_to="Hospital officials",
                    evidence=quote,
                )
                for quote in evidence
            )


def current_rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def stream_one(label: str, url_name: str, n: int, *, trace: bool) -> None:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    gc.collect()
    before = peak = current_rss_mib()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(reverse(url_name), secure=True)
    assert response.status_code == 200, response.status_code
    assert response.streaming
    size = 0
    for piece in response.streaming_content:
        size += len(piece)
        peak = max(peak, current_rss_mib())
    response.close()
    seconds = time.perf_counter() - started
    traced = ""
    if trace:
        traced = f" {tracemalloc.get_traced_memory()[1] / 2**20:>9.1f} MiB"
        tracemalloc.stop()
    print(
        f"  {label:<11} {n:>10,} {size / 2**20:>8.1f} {seconds:>8.1f} {n / seconds:>9,.0f} "
        f"{peak - before:>12.1f} MiB" + traced,
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
