"""Time pages through Django's test Client: the median of a few requests after a warm-up,
with the number of SQL queries of the last one. Shared by the page benchmarks.

Call it after django.setup(), with the client already signed in where the pages need it.
"""

from __future__ import annotations

import statistics
import time


def print_page_timings(client, pages, *, repeat: int = 3) -> None:
    """pages: (name, path) or (name, path, headers) tuples; prints one line each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    width = max(len(page[0]) for page in pages) + 2
    print(f"  {'page':<{width}} {'status':>6} {'median ms':>10} {'queries':>8}")
    for name, path, *rest in pages:
        headers = rest[0] if rest else {}
        client.get(path, secure=True, **headers)  # warm-up
        times = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(path, secure=True, **headers)
                times.append((time.perf_counter() - started) * 1000)
        print(
            f"  {name:<{width}} {response.status_code:>6} {statistics.median(times):>10.0f} "
            f"{len(queries):>8}",
            flush=True,
        )
