"""Time the seed's merges on the real Gaza file against a fresh, throwaway database.

    DATABASE_URL=sqlite:///x .venv/bin/python benchmarks/merge_entities.py [PATH]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        benchmarks/merge_entities.py [PATH]

Imports the ACLED file, then the seed fixtures (whose `merge:` folds ACLED's Hamas and
Israeli forces actors into the curated ones), and prints the seconds each step took, the
merges made, the queries the outlet-filtered timeline needs and the events it finds.
"""

from __future__ import annotations

import re
import sys
import time
from io import StringIO
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
    set_up_django_environment(
        ALLOWED_HOSTS="testserver",
        # Pages render static URLs: plain storage, as the manifest needs collectstatic.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
    )
    return run_on_throwaway_database(lambda label: _run(path, label), prefix="timeline_bench")


def _run(path: Path, label: str) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from timeline.datasets.acled import import_acled

    call_command("migrate", verbosity=0, interactive=False)
    print(f"{label}: {path.name}")
    started = time.perf_counter()
    import_acled(path=path)
    print(f"  import_acled: {time.perf_counter() - started:.2f} s")
    for attempt in ("fixtures with merges", "fixtures again"):
        out = StringIO()
        started = time.perf_counter()
        call_command("import_fixtures", str(ROOT / "fixtures"), stdout=out)
        print(f"  {attempt}: {time.perf_counter() - started:.2f} s")
        print(f"    {out.getvalue().strip()}")
    client = Client()
    for params in ({"actor": "hamas"}, {"actor": "israel"}, {"actor": "hamas-movement"}):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get("/", params, secure=True)
            seconds = time.perf_counter() - started
        (name, value), shown = (
            next(iter(params.items())),
            re.search(r">(\d+) events?<", response.text),
        )
        print(
            f"  /?{name}={value}: status {response.status_code}, "
            f"{shown[1] if shown else '?'} events, {len(captured)} queries, {seconds * 1000:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
