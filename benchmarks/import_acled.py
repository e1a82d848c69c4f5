"""Time import_acled against fresh, throwaway databases: a first import and a re-import.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \\
        benchmarks/import_acled.py [--rows N] [--bulk] [--compare-with DIR] [PATH]
    DATABASE_URL=sqlite:///x .venv/bin/python benchmarks/import_acled.py [PATH]

PATH is an ACLED CSV (default: the real Gaza file, ../shared/data/acled-gaza). With
--rows N the file is N ACLED rows generated from the real file's, deterministically, by
benchmarks/against_datasette.py's generator (copy k of each row gets the id "<id>-k" and
its date moved back (k * 73) % 3650 days); it is written once into --cache and reused.

Each import runs in a process of its own, so its peak memory (the process's peak resident
set, ru_maxrss) is its own. With --compare-with DIR (a checkout of another version, e.g.
`git archive main | tar -x -C DIR`), that version's importer runs too, on a database of
its own, interleaved with this one step by step (first imports, then re-imports), so
the two are measured under the same machine load. PostgreSQL: databases
timeline_bench_<pid>_<n> created on the URL's server and dropped afterwards; SQLite:
temporary files. Prints rows, seconds, rows/s and peak memory of each step, and the load
average.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from against_datasette import GAZA_FILE, generated_rows  # noqa: E402
from throwaway_database import set_up_django_environment  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=GAZA_FILE)
    parser.add_argument("--rows", type=int, help="generate this many rows from the real file")
    parser.add_argument("--compare-with", type=Path, metavar="DIR", help="another checkout")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "timeline-import-bench",
        help="where generated files are kept",
    )
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="import as `import_acled --bulk` does (keys and indexes suspended until the end)",
    )
    parser.add_argument("--child", nargs=2, metavar=("CODE", "STEP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bulk:
        os.environ["IMPORT_BULK"] = "1"  # the children import with bulk=True
    if args.child:
        return child(Path(args.child[0]), args.child[1], args.path)
    path = args.path
    if args.rows:
        path = generated_rows(args.rows, args.cache)
    if not path.exists():
        print(f"No ACLED file at {path}", file=sys.stderr)
        return 1
    versions = [("this branch", ROOT)]
    if args.compare_with:
        versions.append((f"{args.compare_with}", args.compare_with.resolve()))
    url = os.environ.get("DATABASE_URL", "sqlite:///")
    with tempfile.TemporaryDirectory() as folder:
        databases = [_database(url, n, Path(folder)) for n in range(len(versions))]
        try:
            print(f"{path.name}, {_vendor(url)}; load average before: {_load()}")
            for step in ("migrate", "first import", "re-import"):
                for (label, code), database in zip(versions, databases, strict=True):
                    report = _run_child(code, step, path, database)
                    if step != "migrate":
                        print(f"  {label:<14} {step:<12} {report}; load {_load()}", flush=True)
        finally:
            for database in databases:
                _drop(url, database)
    return 0


def _vendor(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _database(url: str, n: int, folder: Path) -> str:
    if not url.startswith("postgres"):
        return f"sqlite:///{folder}/bench-{n}.sqlite3"
    import psycopg

    name = f"timeline_bench_{os.getpid()}_{n}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _drop(url: str, database: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    name = urlsplit(database).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run_child(code: Path, step: str, path: Path, database: str) -> str:
    env = {**os.environ, "DATABASE_URL": database}
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(code), step, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{step} with {code} failed:\n{done.stdout}\n{done.stderr}")
    if step == "migrate":
        return ""
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return (
        f"{result['rows']:>9,} rows ({result['created']:,} created, "
        f"{result['unchanged']:,} unchanged) in {result['seconds']:7.2f} s = "
        f"{result['rows'] / result['seconds']:>8,.0f} rows/s; peak RSS "
        f"{result['peak_mib']:,.0f} MiB"
    )


def child(code: Path, step: str, path: Path) -> int:
    """One step in a fresh process, with `code`'s timeline on the path; prints JSON."""
    sys.path.insert(0, str(code))
    set_up_django_environment()
    sys.path.remove(str(ROOT))  # set_up_django_environment put this checkout first
    sys.path.insert(0, str(code))
    import django

    django.setup()
    from django.core.management import call_command

    if step == "migrate":
        call_command("migrate", verbosity=0, interactive=False)
        return 0
    from timeline.datasets.acled import import_acled

    started = time.perf_counter()
    # --bulk where this version's importer has it (an older checkout may not).
    bulk = os.environ.get("IMPORT_BULK") == "1"
    if bulk and "bulk" in inspect.signature(import_acled).parameters:
        result = import_acled(path=path, bulk=True)
    else:
        result = import_acled(path=path)
    seconds = time.perf_counter() - started
    # tracemalloc slows the import several times over: memory is the process's peak
    # resident set, which includes Python and Django themselves (about 60-80 MiB).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "rows": result.rows,
                "created": result.created,
                "unchanged": result.unchanged,
                "seconds": seconds,
                "peak_mib": peak,
                "timeline": str(Path(sys.modules["timeline"].__file__).parent),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
