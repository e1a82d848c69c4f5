"""The project against Datasette 0.65 on the same ACLED-format rows, request by request.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/against_datasette.py --rows 100000

What it does (issue 11's method), then prints the issue's table with ratios:
1. Builds N ACLED rows from the real Gaza file (../shared/data/acled-gaza), deterministic:
   copy k of the file's rows gets ids "<id>-k" and its dates moved (k * 73) % 3650 days
   back, so the rows spread over ten years; the notes, actors and places stay real.
2. Loads them into the project on PostgreSQL (a throwaway database on DATABASE_URL's
   server, benchmarks/throwaway_database.py) with import_acled, and serves it with
   gunicorn (config/gunicorn.conf.py, DEBUG off, static files collected).
3. Installs Datasette 0.65 into its own venv (--cache, reused between runs), loads the
   same rows into SQLite (dates as ISO text, fatalities as integers) with five indexes
   (event_date, event_type, sub_event_type, actor1, location), FTS5 on notes and
   ANALYZE, and serves it with facet suggestions off and time limits raised, so that
   its facets and counts are exact like the project's.
4. Requests each question from the servers in turn, --warmup rounds first, then
   --repeat timed rounds, and prints the medians. Two servers of the project run side by
   side on the same database: the usual one (warm: a filter's counts, facets and chart
   are cached per data version, timeline.count_cache, and so is each whole public
   response, timeline.response_cache) and one with COUNT_CACHE=0 and
   RESPONSE_CACHE_SECONDS=0 (cold: every request renders and counts afresh, as the first
   request for a new filter and every cache miss do). Each is compared with Datasette; --mode warm
   or --mode cold runs one of them only.

--keep-database NAME keeps the imported database under that name (a template for later
runs); --reuse-database NAME copies it (CREATE DATABASE … TEMPLATE NAME), migrates the
copy and skips the import, so a 1,000,000-row run takes minutes, not a quarter-hour.

Not a test, and not in CI: it takes minutes (the 100,000-row import dominates). The
1,000,000-row run is for running by hand (--rows 1000000; mind the disk and the time).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import http.client
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway_database import run_on_throwaway_database, set_up_django_environment  # noqa: E402

GAZA_FILE = ROOT.parent / "shared" / "data" / "acled-gaza" / "gaza-2023-10-07_2025-06-06.csv.gz"
DATASETTE = "datasette>=0.65,<0.66"
FACETS = ("event_type", "actor1", "location")
INDEXED = ("event_date", "event_type", "sub_event_type", "actor1", "location")
STRIKES = "Explosions/Remote violence"  # ACLED's event_type for the project's military-strike


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--mode",
        choices=("both", "warm", "cold"),
        default="both",
        help="warm: counts cached per filter; cold: COUNT_CACHE=0, every request uncached",
    )
    parser.add_argument(
        "--reuse-database",
        metavar="NAME",
        help="copy this PostgreSQL database (made by --keep-database) instead of importing",
    )
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="TEXT",
        help="leave out the questions whose name contains TEXT (repeatable), e.g. CSV",
    )
    parser.add_argument(
        "--keep-database",
        metavar="NAME",
        help="after the import, keep a copy of the database under this name",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "timeline-against-datasette",
        help="where the Datasette venv, the generated CSV and the SQLite file are kept",
    )
    args = parser.parse_args()
    # Stopped with SIGTERM, still stop both servers and drop the throwaway database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (the project is measured on it).")
        return 2
    if not GAZA_FILE.exists():
        print(f"No ACLED file at {GAZA_FILE}", file=sys.stderr)
        return 1
    args.cache.mkdir(parents=True, exist_ok=True)
    rows_csv = generated_rows(args.rows, args.cache)
    datasette = install_datasette(args.cache / "datasette-venv")
    sqlite_file = args.cache / f"acled-{args.rows}.sqlite3"
    if not sqlite_file.exists():
        started = time.perf_counter()
        load_sqlite(rows_csv, sqlite_file)
        print(f"loaded SQLite in {time.perf_counter() - started:.1f} s: {sqlite_file}")
    set_up_django_environment(SECURE_SSL_REDIRECT="0", SECRET_KEY=secrets.token_urlsafe(40))
    if args.reuse_database:
        return run_on_copy(
            args.reuse_database, lambda label: run(args, label, rows_csv, sqlite_file, datasette)
        )
    return run_on_throwaway_database(
        lambda label: run(args, label, rows_csv, sqlite_file, datasette),
        prefix="timeline_vs_datasette",
    )


def run_on_copy(template: str, run) -> int:
    """Run on a throwaway copy of the database `template` (the import skipped)."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = f"timeline_vs_datasette_{os.getpid()}"
    admin = psycopg.connect(url, autocommit=True)
    started = time.perf_counter()
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    print(f"copied {template} in {time.perf_counter() - started:.1f} s")
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        return run(f"PostgreSQL ({name}, a copy of {template})")
    finally:
        from django.db import connections

        connections.close_all()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def keep_copy(name: str) -> None:
    """Copy the current database to `name` (replacing it), for --reuse-database."""
    import psycopg
    from django.db import connections

    connections.close_all()
    for connection in connections.all(initialized_only=True):
        # With OPTIONS["pool"], close_all() returns connections to the pool, and a
        # template must have no sessions: close the pool too.
        if connection.alias in getattr(connection, "_connection_pools", {}):
            connection.close_pool()
    url = os.environ["DATABASE_URL"]
    current = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url.replace(f"/{current}", "/postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{current}"')
    print(f"kept a copy as {name}")


# -- the rows -----------------------------------------------------------------------------
def generated_rows(count: int, folder: Path) -> Path:
    """The file of `count` generated rows in `folder`, written the first time it is asked for."""
    path = folder / f"acled-{count}.csv"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_rows(count, path)
        print(f"built {count:,} rows in {time.perf_counter() - started:.1f} s: {path}")
    return path


def write_rows(count: int, path: Path) -> None:
    """`count` ACLED rows generated from the real file's, deterministically."""
    with gzip.open(GAZA_FILE, "rt", encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        columns = reader.fieldnames
        real = list(reader)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for n in range(count):
            copy, row = divmod(n, len(real))
            writer.writerow(generated(real[row], copy))


def generated(row: dict[str, str], copy: int) -> dict[str, str]:
    day = datetime.strptime(row["event_date"], "%d-%b-%y").date()
    day -= timedelta(days=(copy * 73) % 3650)
    return {
        **row,
        "event_id_cnty": row["event_id_cnty"] if copy == 0 else f"{row['event_id_cnty']}-{copy}",
        "event_date": day.isoformat(),
        "year": str(day.year),
    }


# -- Datasette ----------------------------------------------------------------------------
def install_datasette(venv: Path) -> Path:
    executable = venv / "bin" / "datasette"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "--quiet", DATASETTE, "setuptools"],
            check=True,
        )
    version = subprocess.run(
        [str(executable), "--version"], check=True, capture_output=True, text=True
    ).stdout.strip()
    print(f"Datasette: {version}")
    return executable


def load_sqlite(rows_csv: Path, path: Path) -> None:
    """The rows as a Datasette user would load them: one table, indexes, FTS5, ANALYZE."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    with rows_csv.open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        columns = reader.fieldnames
        types = {"fatalities": "INTEGER", "latitude": "REAL", "longitude": "REAL"}
        db.execute(
            "CREATE TABLE acled ("
            + ", ".join(f"[{c}] {types.get(c, 'TEXT')}" for c in columns)
            + ")"
        )
        marks = ", ".join("?" for _ in columns)
        db.executemany(
            f"INSERT INTO acled VALUES ({marks})", ([row[c] for c in columns] for row in reader)
        )
    for column in INDEXED:
        db.execute(f"CREATE INDEX idx_acled_{column} ON acled ([{column}])")
    db.execute('CREATE VIRTUAL TABLE acled_fts USING fts5(notes, content="acled")')
    db.execute("INSERT INTO acled_fts (acled_fts) VALUES ('rebuild')")
    db.execute("ANALYZE")
    db.commit()
    db.close()
    partial.rename(path)


# -- serving ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, path: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited ({process.returncode})")
        try:
            status, _ = fetch(port, path)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port} within {seconds} s")


def fetch(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def timed(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[float, int, bytes]:
    """Milliseconds, status and body; a response cut short counts as status 0."""
    started = time.perf_counter()
    try:
        status, body = fetch(port, path, headers)
    except (OSError, http.client.HTTPException):
        status, body = 0, b""
    return (time.perf_counter() - started) * 1000, status, body


# -- the run ------------------------------------------------------------------------------
def run(args, label: str, rows_csv: Path, sqlite_file: Path, datasette: Path) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from timeline.datasets.acled import import_acled
    from timeline.models import Event

    call_command("migrate", verbosity=0, interactive=False)
    if args.reuse_database:
        rows = Event.objects.filter(external_id__startswith="acled:").count()
        print(f"{label}: {rows:,} events, no import")
    else:
        started = time.perf_counter()
        result = import_acled(path=rows_csv)
        seconds = time.perf_counter() - started
        rows = result.rows
        print(f"{label}: imported {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")
    with connections["default"].cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    if args.keep_database:
        keep_copy(args.keep_database)
    call_command("collectstatic", interactive=False, verbosity=0)
    sample = Event.objects.filter(external_id__startswith="acled:").order_by("pk")[rows // 2]
    one_event = (sample.slug, sample.external_id.removeprefix("acled:"))
    window = csv_window(rows_csv)
    connections.close_all()

    modes = ("warm", "cold") if args.mode == "both" else (args.mode,)
    ports = {mode: free_port() for mode in modes}
    datasette_port = free_port()
    cache_dir = tempfile.mkdtemp(prefix="timeline-bench-cache-")
    projects = {}
    for mode, port in ports.items():
        env = {
            **os.environ,
            "BIND": f"127.0.0.1:{port}",
            "DEBUG": "0",
            "CACHE_DIR": os.path.join(cache_dir, mode),
            "COUNT_CACHE": "1" if mode == "warm" else "0",
            # Warm: whole responses are kept per data version too (timeline.response_cache).
            "RESPONSE_CACHE_SECONDS": "600" if mode == "warm" else "0",
        }
        projects[mode] = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stderr=subprocess.DEVNULL,
        )
    server = subprocess.Popen(
        [
            str(datasette),
            "serve",
            str(sqlite_file),
            "--port",
            str(datasette_port),
            "--setting",
            "suggest_facets",
            "off",
            "--setting",
            "sql_time_limit_ms",
            "120000",
            "--setting",
            "facet_time_limit_ms",
            "120000",
            "--setting",
            "default_page_size",
            "50",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for mode, port in ports.items():
            wait_for(port, "/healthz", projects[mode])
        wait_for(datasette_port, "/-/versions.json", server)
        rowid = datasette_rowid(sqlite_file, one_event[1])
        questions = build_questions(sqlite_file.stem, one_event[0], rowid, window)
        questions = [q for q in questions if not any(text in q[0] for text in args.skip)]
        measure(args, questions, ports, datasette_port)
    finally:
        for process in (*projects.values(), server):
            process.terminate()
        for process in (*projects.values(), server):
            process.wait(timeout=30)
        shutil.rmtree(cache_dir, ignore_errors=True)
    return 0


def csv_window(rows_csv: Path) -> tuple[str, str, int]:
    """The newest date range holding about 10,000 strikes (for the CSV question)."""
    with rows_csv.open(encoding="utf-8", newline="") as source:
        days = sorted(
            (row["event_date"] for row in csv.DictReader(source) if row["event_type"] == STRIKES),
            reverse=True,
        )
    last = days[0]
    first = days[min(len(days), 10_000) - 1]
    count = sum(1 for day in days if first <= day <= last)
    return first, last, count


def datasette_rowid(sqlite_file: Path, acled_id: str) -> int:
    db = sqlite3.connect(sqlite_file)
    try:
        return db.execute("SELECT rowid FROM acled WHERE event_id_cnty = ?", [acled_id]).fetchone()[
            0
        ]
    finally:
        db.close()


def build_questions(database: str, slug: str, rowid: int, window) -> list[tuple]:
    """(question, project path, project headers, Datasette path) for each row of the table."""
    facets = [("_facet", name) for name in FACETS]
    table = f"/{quote(database)}/acled"
    year = str(date.fromisoformat(window[1]).year)

    def ds(params, suffix=""):
        return f"{table}{suffix}?{urlencode(params)}"

    one_type_year = {"type": "military-strike", "from": f"{year}-01-01", "to": f"{year}-12-31"}
    ds_type_year = [
        ("event_type", STRIKES),
        ("event_date__gte", f"{year}-01-01"),
        ("event_date__lte", f"{year}-12-31"),
    ]
    newest = [("_sort_desc", "event_date"), ("_size", "50")]
    htmx = {"HX-Request": "true"}
    questions = [
        ("newest 50 + facets by type, actor, place", "/?sort=-date", {}, ds(newest + facets)),
        (
            "one type + one year + facets",
            "/?" + urlencode({**one_type_year, "sort": "-date"}),
            {},
            ds(ds_type_year + newest + facets),
        ),
        (
            "the same, htmx fragment",
            "/?" + urlencode({**one_type_year, "sort": "-date"}),
            htmx,
            ds(ds_type_year + newest + facets),
        ),
    ]
    for word in ("Rafah", "killed", "Gaza"):
        note = " (in nearly every row)" if word == "Gaza" else ""
        questions.append(
            (
                f'search "{word}"{note} + facets',
                "/?" + urlencode({"q": word}),
                {},
                ds([("_search", word), ("_size", "50"), *facets]),
            )
        )
    questions.append(("one event", f"/events/{slug}/", {}, f"{table}/{rowid}"))
    first, last, count = window
    questions.append(
        (
            f"CSV export of {count:,} rows",
            "/events.csv?" + urlencode({"type": "military-strike", "from": first, "to": last}),
            {},
            ds(
                [
                    ("event_type", STRIKES),
                    ("event_date__gte", first),
                    ("event_date__lte", last),
                    ("_stream", "on"),
                    ("_size", "max"),
                ],
                suffix=".csv",
            ),
        )
    )
    return questions


def measure(args, questions, ports: dict[str, int], datasette_port: int) -> None:
    """Interleaved rounds: each question asked of each project server, then of Datasette.

    The first round's times are printed apart (for the warm server, its first request for
    each filter is its uncached path; the cold server is uncached every time).
    """
    sides = [*ports, "datasette"]
    port_of = {**ports, "datasette": datasette_port}
    timings = {q[0]: {side: [] for side in sides} for q in questions}
    first_round = {q[0]: {} for q in questions}
    failures: list[str] = []
    load = []
    for round_number in range(args.warmup + args.repeat):
        for question, project_path, headers, datasette_path in questions:
            for side in sides:
                ours = side != "datasette"
                path = project_path if ours else datasette_path
                ms, status, _ = timed(port_of[side], path, headers if ours else {})
                if status != 200:
                    failures.append(f"{side} {path}: {status or 'cut short'}")
                if round_number == 0:
                    first_round[question][side] = ms
                if round_number >= args.warmup:
                    timings[question][side].append(ms)
        load.append(os.getloadavg()[0])
    print()
    print(
        f"{args.rows:,} rows; medians of {args.repeat} requests each, interleaved (the "
        "project on PostgreSQL under gunicorn, DEBUG off; Datasette on SQLite); load "
        f"average (1 min) during the rounds {min(load):.1f}-{max(load):.1f}"
    )
    print()
    heads = []
    for mode in ports:
        heads += [f"{mode}: project / Datasette", f"{mode} ratio"]
    print("| question | " + " | ".join(heads) + " | first request: " + " / ".join(sides) + " |")
    print("|---|" + "---:|" * (len(heads) + 1))
    for question, by_side in timings.items():
        theirs = statistics.median(by_side["datasette"])
        cells = []
        for mode in ports:
            ours = statistics.median(by_side[mode])
            cells += [f"{ours:,.0f} / {theirs:,.0f} ms", f"{ours / theirs:.2f}"]
        first = " / ".join(f"{first_round[question][side]:,.0f}" for side in sides)
        print(f"| {question} | " + " | ".join(cells) + f" | {first} ms |")
    if failures:
        print()
        print(f"{len(failures)} requests did not answer 200:")
        for failure in sorted(set(failures)):
            print(f"  {failure}")


if __name__ == "__main__":
    sys.exit(main())
