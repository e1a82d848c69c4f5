"""Load: the htmx fragment of a filtered timeline under a bounded load, on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/load.py --rows 100000 --connections 8 --seconds 20

What it does (issue 11's load target: >= 300 requests/s at 100,000 events, 0 errors):
1. Builds N ACLED-format rows from the real Gaza file (benchmarks/against_datasette.py's
   generator) and imports them with import_acled into a template database
   `timeline_load_<N>` on DATABASE_URL's server, kept between runs (--rebuild to make it
   again). Each run then works on a throwaway copy (`CREATE DATABASE … TEMPLATE …`).
2. Serves the copy with gunicorn as `make serve` does (config/gunicorn.conf.py, DEBUG off,
   static files collected, a file cache in a temporary CACHE_DIR), once with the response
   cache on (RESPONSE_CACHE_SECONDS=600) and once with it off (=0).
3. Requests every URL once (each filter's first, uncached render), then drives a fixed
   number of concurrent keep-alive connections for --warmup + --seconds with a
   small asyncio client (in this process, so it competes for the same 2 cores as the
   server; gunicorn's sync workers close each connection after its response, so the
   client reconnects; no wrk, ab or h2load on this machine), over a
   mix of filtered htmx fragment URLs (type, sub-type, year, actor, place, search, sort),
   and prints requests/s, errors (anything but 200, or a broken connection), p50/p95
   latency and the load average before and after.

Not a test, and not in CI: the first run spends minutes on the import.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from against_datasette import free_port, generated_rows, wait_for  # noqa: E402
from throwaway_database import set_up_django_environment  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "timeline-load"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=5, help="seconds of load not counted")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: its conf)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the template database")
    parser.add_argument(
        "--cache", choices=("both", "on", "off"), default="both", help="response cache runs"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (the load is measured on it).")
        return 2
    import psycopg

    admin = psycopg.connect(url, autocommit=True)
    template = f"timeline_load_{args.rows}"
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
    if exists and args.rebuild:
        admin.execute(f'DROP DATABASE "{template}" WITH (FORCE)')
        exists = None
    if not exists:
        build_template(url, template, args.rows, admin)
    name = f"timeline_load_run_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    run_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        return run(args, run_url)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def build_template(url: str, template: str, rows: int, admin) -> None:
    """The template database: migrated, N rows imported, analysed (in a child process, so
    this one holds no connection to it when it is copied)."""
    rows_csv = generated_rows(rows, CACHE)
    building = f"{template}_building"
    admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{building}"')
    env = {
        **os.environ,
        "DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{building}")),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
    }
    started = time.perf_counter()
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "import_acled", str(rows_csv)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"built {template}: {rows:,} rows imported in {time.perf_counter() - started:.0f} s")
    admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')


def questions(run_url: str) -> list[str]:
    """Filtered htmx fragment URLs over values that exist in the data."""
    import psycopg

    with psycopg.connect(run_url) as db:
        actors = [
            row[0]
            for row in db.execute(
                "SELECT a.slug FROM timeline_actor a JOIN timeline_eventactor ea "
                "ON ea.actor_id = a.id GROUP BY a.slug ORDER BY count(*) DESC LIMIT 4"
            )
        ]
        places = [
            row[0]
            for row in db.execute(
                "SELECT l.slug FROM timeline_location l JOIN timeline_event e "
                "ON e.location_id = l.id GROUP BY l.slug ORDER BY count(*) DESC LIMIT 4"
            )
        ]
        sub_types = [
            row[0]
            for row in db.execute(
                "SELECT s.slug FROM timeline_eventsubtype s JOIN timeline_event e "
                "ON e.sub_type_id = s.id GROUP BY s.slug ORDER BY count(*) DESC LIMIT 3"
            )
        ]
    params: list[dict] = []
    for year in (2019, 2021, 2023, 2024):
        params.append({"type": "military-strike", "from": f"{year}-01-01", "to": f"{year}-12-31"})
    params += [{"actor": slug} for slug in actors]
    params += [{"location": slug, "sort": "date"} for slug in places]
    params += [{"sub_type": slug} for slug in sub_types]
    params += [{"q": word} for word in ("Rafah", "Khan Younis", "killed")]
    params += [{"type": "protest", "sort": "-killed"}, {"casualties": "on", "view": "table"}]
    return ["/?" + urlencode(p) for p in params]


HTMX_HEADERS = "HX-Request: true\r\nHX-Target: results\r\n"


async def client(port, paths, offset, stop_at, count_from, results) -> None:
    """One keep-alive connection sending the paths in turn until stop_at."""
    reader = writer = None
    n = offset
    while time.monotonic() < stop_at:
        path = paths[n % len(paths)]
        n += 1
        request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{HTMX_HEADERS}\r\n").encode()
        started = time.monotonic()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length, close = None, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if length is None:
                await reader.read()  # until the server closes
                close = True
            else:
                await reader.readexactly(length)
            if close:
                writer.close()
                writer = None
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            status = 0
            if writer is not None:
                writer.close()
            writer = None
        ended = time.monotonic()
        if started >= count_from:
            results.append((ended - started, status))


async def warm(port: int, paths: list[str], connections: int) -> float:
    """Every path once (connections at a time): each filter's first, uncached render."""
    started = time.monotonic()
    queue = list(paths)
    results: list[tuple[float, int]] = []

    async def one_by_one() -> None:
        while queue:
            path = queue.pop()
            await client(port, [path], 0, time.monotonic() + 0.001, 0, results)

    await asyncio.gather(*(one_by_one() for _ in range(connections)))
    return time.monotonic() - started


async def drive(port: int, paths: list[str], connections: int, warmup: float, seconds: float):
    results: list[tuple[float, int]] = []
    now = time.monotonic()
    count_from, stop_at = now + warmup, now + warmup + seconds
    await asyncio.gather(
        *(client(port, paths, i * 3, stop_at, count_from, results) for i in range(connections))
    )
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run(args, run_url: str) -> int:
    set_up_django_environment(SECURE_SSL_REDIRECT="0", SECRET_KEY=secrets.token_urlsafe(40))
    env = {**os.environ, "DATABASE_URL": run_url}
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--no-input"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    paths = questions(run_url)
    print(
        f"{args.rows:,} events; {len(paths)} filtered htmx fragment URLs; "
        f"{args.connections} keep-alive connections, {args.warmup:g} s warm-up, "
        f"{args.seconds:g} s measured; client: asyncio in this process"
    )
    modes = {"both": ("on", "off"), "on": ("on",), "off": ("off",)}[args.cache]
    for mode in modes:
        port = free_port()
        cache_dir = tempfile.mkdtemp(prefix="timeline-load-cache-")
        server_env = {
            **env,
            "BIND": f"127.0.0.1:{port}",
            "CACHE_DIR": cache_dir,
            "RESPONSE_CACHE_SECONDS": "600" if mode == "on" else "0",
        }
        if args.workers:
            server_env["WEB_CONCURRENCY"] = str(args.workers)
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=server_env,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port, "/healthz", server)
            first_pass = asyncio.run(warm(port, paths, args.connections))
            print(f"  first request of each URL (uncached), all {len(paths)}: {first_pass:.1f} s")
            load_before = os.getloadavg()
            results = asyncio.run(drive(port, paths, args.connections, args.warmup, args.seconds))
            load_after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(cache_dir, ignore_errors=True)
        latencies = [seconds for seconds, _ in results]
        errors = sum(1 for _, status in results if status != 200)
        print(
            f"response cache {mode:>3}: {len(results) / args.seconds:,.0f} requests/s "
            f"({len(results):,} in {args.seconds:g} s), {errors} errors, "
            f"p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms; "
            f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
