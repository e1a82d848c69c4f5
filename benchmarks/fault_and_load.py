"""Fault and load run: a hostile but fair tester against gunicorn on loopback, bounded.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/fault_and_load.py [--seconds-per-level 10]

On a throwaway database (benchmarks/throwaway_database.py: PostgreSQL when DATABASE_URL
names it, else a temporary SQLite file) it imports the real ACLED file
(`manage.py import_acled`, ../shared/data/acled-gaza) and the seed fixtures, starts
gunicorn (DEBUG=0, 3 workers, 127.0.0.1 only) and then:

1. fuzz: a corpus of hostile query strings and bad parameters on every public page,
   counting statuses, 5xx (a 503 "too broad" is deliberate and counted apart), markup
   reflected unescaped, and the largest answer;
2. concurrent imports: two `import_fixtures` and two `import_acled` started together;
   expected: each pair ends in success, or one success and one clear message, never a
   traceback;
3. kill -9 mid-import: a large generated fixture killed at several moments; the
   database must be exactly as before and the next import must not find a stale lock;
4. connection drops under load: clients that hang up in the middle of large exports,
   while others browse; the server must go on answering;
5. load: 1, 8 and 32 concurrent clients on `/`, a filter, a search and an export, each
   level bounded in seconds and requests: errors, requests/s, p50/p99 and the RSS of the
   gunicorn processes.

At the end the gunicorn log is searched for tracebacks and worker timeouts, and the row
counts and a checksum of the tables are compared with those taken before the faults.
Exit status 0 only with no 5xx but deliberate 503s, no reflected markup, and no data
lost or changed. Everything stops by itself: a deadline for the whole run (--max-seconds)
and for every phase; gunicorn and every import are ended (by their own process ids).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway_database import run_on_throwaway_database  # noqa: E402

ACLED_FILE = ROOT.parent / "shared" / "data" / "acled-gaza" / "gaza-2023-10-07_2025-06-06.csv.gz"
HOST = "127.0.0.1"  # loopback only: this script never sends a request elsewhere
LEVELS = (1, 8, 32)
LOAD_TARGETS = {
    "/": "/",
    "filter": "/?type=military-strike&from=2024-01-01&to=2024-06-30",
    "search": "/?q=gaza+israeli",
    "export": "/events.csv?type=armed-clash",
}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


# -- the fuzz corpus ---------------------------------------------------------------------


def fuzz_corpus() -> list[tuple[str, str]]:
    """(method, path?query) pairs: what the issue's tester sent, and more of the same."""
    ab12 = "+".join(["ab"] * 12)
    ab66 = "+".join(["ab"] * 66)
    q_values = [
        ab12,
        ab66,
        "gaza+israeli",
        "gaza+israeli+strike+killed+rafah+khan",
        urllib.parse.quote(HOSTILE),
        "%27+OR+1%3D1--",
        "%22%3B+DROP+TABLE+timeline_event%3B--",
        "%00",
        "a%00b",
        "%ED%A0%80",  # an encoded lone surrogate (invalid UTF-8)
        "%FF%FE",
        "x" * 199,
        "x" * 5000,
        "%25%25%25",
        "*",
        "a+%26+b+%7C+c+%21d",
        "%3A%2A",
        urllib.parse.quote("غزة"),
        urllib.parse.quote("😀" * 50),
        "+" * 300,
    ]
    pages = ["/", "/map/", "/map/data.json", "/events.json", "/events.csv", "/events.geojson"]
    corpus = [("GET", f"{page}?q={q}") for page in pages for q in q_values]
    # Bad parameters on the pages and one export (the exports share the page's filter).
    pages = pages[:4]
    bad_params = [
        "type=nope",
        "type=../../etc/passwd",
        "type=" + "&type=".join(["military-strike"] * 300),
        "actor=%3Cb%3E",
        "location=" + "x" * 3000,
        "from=2025-13-45",
        "from=99999-01-01",
        "to=0000-00-00",
        "from=2025-07-01&to=2024-01-01",
        "sort=relevance",
        "sort=" + urllib.parse.quote(HOSTILE),
        "status=proposed",
        "status=rejected",
        "casualties=maybe",
        "cursor=2025-07-06.99999999999999999999",
        "cursor=" + urllib.parse.quote(HOSTILE),
        "cursor=9999-99-99.1",
        "bbox=nan,nan,nan,nan&zoom=2",
        "bbox=-1e309,0,1e309,1&zoom=3",
        "zoom=99999999999999999999",
        "zoom=-1",
        "outlet=" + urllib.parse.quote(HOSTILE),
        "junk=" + "j" * 3900,
        "%ZZ=1",
        "a=%ED%A0%80",
        "&&&&==&&",
    ]
    corpus += [("GET", f"{page}?{params}") for page in pages for params in bad_params]
    slugs = ["nope", "..%2F..%2Fetc%2Fpasswd", "a" * 300, "%3Cscript%3E", "%00"]
    for kind in ("events", "articles", "actors", "locations"):
        corpus += [("GET", f"/{kind}/{slug}/") for slug in slugs]
    corpus += [("HEAD", page) for page in [*pages, "/types.css", "/admin/login/"]]
    corpus += [("POST", page) for page in pages]
    corpus += [("GET", "/admin/"), ("GET", "/admin/login/?next=" + urllib.parse.quote(HOSTILE))]
    return corpus


# -- HTTP ------------------------------------------------------------------------------------


# The status recorded for an export that ended with its "EXPORT CUT SHORT" marker.
CUT_SHORT = -2


@dataclass
class Answer:
    status: int  # -1: no (whole) answer in the client's timeout; -2: cut short, marked
    size: int
    seconds: float
    body_start: bytes = b""
    content_type: str = ""


def request(port: int, method: str, path: str, *, timeout: float = 120) -> Answer:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(method, path, headers={"Host": HOST})
        response = connection.getresponse()
        body = response.read()
        return Answer(
            response.status,
            len(body),
            time.perf_counter() - started,
            body[:200_000],
            response.getheader("Content-Type", ""),
        )
    except http.client.IncompleteRead as error:
        # A streamed export ended early: deliberate when it carries our marker.
        status = CUT_SHORT if b"EXPORT CUT SHORT" in error.partial[-2000:] else -1
        return Answer(status, len(error.partial), time.perf_counter() - started)
    except (OSError, http.client.HTTPException) as error:
        return Answer(-1, 0, time.perf_counter() - started, str(error).encode())
    finally:
        connection.close()


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="0",
        # No collectstatic in a throwaway run: plain storage, files from the finders.
        STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage",
        WHITENOISE_USE_FINDERS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=server_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_manage(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=server_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Gunicorn:
    def __init__(self, port: int, log: Path, workers: int = 3) -> None:
        self.port = port
        self.log = log
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "30",
                "--error-logfile",
                str(log),
            ],
            cwd=ROOT,
            env=server_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if request(port, "GET", "/types.css", timeout=5).status == 200:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def rss_mib(self) -> float:
        """Resident memory of the master and its workers, in MiB."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        total = 0
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except FileNotFoundError:
                continue
        return total / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- the database's state ---------------------------------------------------------------------


def database_state() -> dict[str, object]:
    """Row counts and a checksum of the rows the imports write."""
    import django
    from django.apps import apps
    from django.db import connection

    if not apps.ready:
        django.setup()
    state: dict[str, object] = {}
    with connection.cursor() as cursor:
        for model in apps.get_app_config("timeline").get_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT count(*) FROM {table}")
            state[model._meta.db_table] = cursor.fetchone()[0]
        cursor.execute("SELECT slug, title, date_start, status FROM timeline_event ORDER BY id")
        state["events checksum"] = hash(tuple(cursor.fetchall()))
        cursor.execute("SELECT slug, text FROM timeline_article ORDER BY id")
        state["articles checksum"] = hash(tuple(cursor.fetchall()))
    connection.close()
    return state


def big_fixture(folder: Path, events: int, prefix: str) -> Path:
    """A valid fixture of new records, large enough to take seconds to import."""
    text = " ".join(f"Sentence number {n} says officials met." for n in range(events))
    data = {
        "actors": [{"name": f"{prefix} actor", "slug": f"{prefix}-actor"}],
        "locations": [{"name": f"{prefix} place", "slug": f"{prefix}-place"}],
        "articles": [
            {
                "slug": f"{prefix}-article",
                "title": f"{prefix} article",
                "published": "2025-07-07",
                "text": text,
            }
        ],
        "events": [
            {
                "slug": f"{prefix}-event-{n}",
                "type": "negotiation",
                "title": f"{prefix} event {n}",
                "date": "2025-07-07",
                "location": f"{prefix}-place",
                "actors": [f"{prefix}-actor"],
                "evidence": [
                    {
                        "article": f"{prefix}-article",
                        "quote": f"Sentence number {n} says officials met.",
                    }
                ],
            }
            for n in range(events)
        ],
    }
    folder.mkdir(exist_ok=True)
    path = folder / f"{prefix}.json"
    path.write_text(json.dumps(data))
    return path


# -- the phases ---------------------------------------------------------------------------------


@dataclass
class Findings:
    server_errors: list[str] = field(default_factory=list)  # 5xx but the deliberate 503
    deliberate_503: int = 0
    # The load generator gave up waiting (no answer in 120 s): overload, not a 5xx.
    client_timeouts: list[str] = field(default_factory=list)
    # Exports ended by the request's time budget, with the marker: deliberate.
    cut_short: int = 0
    reflected: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def phase_fuzz(server: Gunicorn, findings: Findings, deadline: float) -> None:
    """The corpus, three requests at a time (one per worker), until done or the deadline."""
    corpus = fuzz_corpus()
    pending = list(reversed(corpus))
    answered: list[tuple[str, str, Answer]] = []
    lock = threading.Lock()

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                if not pending:
                    return
                method, path = pending.pop()
            answer = request(server.port, method, path)
            with lock:
                answered.append((method, path, answer))

    threads = [threading.Thread(target=client) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses: Counter[int] = Counter()
    for method, path, answer in answered:
        statuses[answer.status] += 1
        if answer.status == 503:
            findings.deliberate_503 += 1
        elif answer.status == CUT_SHORT:
            findings.cut_short += 1
        elif answer.status < 0:
            findings.client_timeouts.append(f"{method} {path[:120]}")
        elif answer.status >= 500:
            findings.server_errors.append(f"{answer.status} {method} {path[:120]}")
        # Markup only runs in HTML: a JSON or plain-text error quoting the value (served
        # with nosniff) is not a reflection.
        html = answer.content_type.startswith("text/html")
        if html and (b"<script>alert" in answer.body_start or b"<img src=x" in answer.body_start):
            findings.reflected.append(f"{method} {path[:120]}")
    largest = max(((a.size, p[:80]) for _, p, a in answered), default=(0, ""))
    slowest = max(((a.seconds, p[:80]) for _, p, a in answered), default=(0.0, ""))
    shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"  {len(answered)} requests of {len(corpus)}; statuses {shown}")
    print(f"  largest answer {largest[0]:,} bytes ({largest[1]})")
    print(f"  slowest answer {slowest[0]:.2f} s ({slowest[1]})")
    if len(answered) < len(corpus):
        findings.problems.append(f"fuzz: only {len(answered)} of {len(corpus)} before the deadline")


def phase_concurrent_imports(findings: Findings, fixture: Path) -> None:
    for label, args in (
        ("import_fixtures x2", ["import_fixtures", str(fixture), "--wait", "0"]),
        ("import_acled x2", ["import_acled", str(ACLED_FILE), "--wait", "0"]),
    ):
        first, second = start_manage(*args), start_manage(*args)
        outcomes = []
        for process in (first, second):
            try:
                _, err = process.communicate(timeout=600)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
            clear = "Another import is running" in err
            outcomes.append("success" if process.returncode == 0 else "refused" if clear else "ERR")
            if "Traceback" in err or (process.returncode != 0 and not clear):
                findings.problems.append(f"{label}: {err.strip()[-400:]}")
        print(f"  {label}: {' + '.join(sorted(outcomes))}")


def phase_kill_mid_import(findings: Findings, fixture: Path, before: dict) -> None:
    for delay in (2.0, 4.0, 6.0):
        process = start_manage("import_fixtures", str(fixture), "--wait", "30")
        time.sleep(delay)
        finished = process.poll() is not None
        if not finished:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        after = database_state()
        unchanged = after == before
        if finished:
            print(f"  kill -9 after {delay} s: the import had already finished (not a test)")
        else:
            print(f"  kill -9 after {delay} s: database unchanged: {unchanged}")
            if not unchanged:
                changed = {
                    k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)
                }
                findings.problems.append(f"kill -9 after {delay} s changed {changed}")
    check = manage("import_fixtures", str(fixture), "--dry-run", "--wait", "0", timeout=600)
    lock_free = check.returncode == 0
    print(f"  after the kills the import lock is free: {lock_free}")
    if not lock_free:
        findings.problems.append(f"stale import lock: {check.stderr.strip()[-300:]}")


def drop_mid_download(port: int, path: str, keep_bytes: int) -> None:
    """Ask for a large export, read a little of it, then hang up."""
    with socket.create_connection((HOST, port), timeout=30) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        received = 0
        while received < keep_bytes:
            data = sock.recv(65536)
            if not data:
                break
            received += len(data)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def phase_connection_drops(server: Gunicorn, findings: Findings, seconds: float) -> None:
    stop = time.monotonic() + seconds
    browsed: list[Answer] = []
    drops = 0

    def browse() -> None:
        while time.monotonic() < stop:
            browsed.append(request(server.port, "GET", "/?type=military-strike"))

    def drop() -> None:
        nonlocal drops
        while time.monotonic() < stop:
            for path in ("/events.json", "/events.geojson", "/events.csv"):
                try:
                    drop_mid_download(server.port, path, keep_bytes=200_000)
                    drops += 1
                except OSError:
                    drops += 1

    threads = [threading.Thread(target=browse) for _ in range(4)]
    threads += [threading.Thread(target=drop) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bad = [answer for answer in browsed if answer.status != 200]
    after = request(server.port, "GET", "/")
    print(
        f"  {drops} downloads dropped mid-stream while {len(browsed)} pages were browsed: "
        f"{len(bad)} failed; the server answers afterwards: {after.status}"
    )
    for answer in bad:
        if answer.status < 0:
            findings.client_timeouts.append("browsing during drops")
        elif answer.status != 503:
            findings.server_errors.append(f"{answer.status} during drops")
    if after.status != 200:
        findings.problems.append(f"server answered {after.status} after the drops")


def load_level(port: int, path: str, level: int, seconds: float, limit: int) -> list[Answer]:
    """`level` clients asking for `path` in a loop, until `seconds` or `limit` answers."""
    stop = time.monotonic() + seconds
    answers: list[Answer] = []
    lock = threading.Lock()

    def client() -> None:
        while time.monotonic() < stop:
            with lock:
                if len(answers) >= limit:
                    return
            answer = request(port, "GET", path)
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client) for _ in range(level)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def phase_load(server: Gunicorn, findings: Findings, seconds: float, max_requests: int) -> None:
    print(
        f"  {'target':<8} {'conc':>4} {'reqs':>6} {'err':>4} {'req/s':>7} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'RSS MiB':>8}"
    )
    for name, path in LOAD_TARGETS.items():
        for level in LEVELS:
            started = time.monotonic()
            answers = load_level(server.port, path, level, seconds, max_requests)
            elapsed = time.monotonic() - started
            errors = [answer for answer in answers if answer.status != 200]
            for answer in errors:
                if answer.status == 503:
                    findings.deliberate_503 += 1
                elif answer.status == CUT_SHORT:
                    findings.cut_short += 1
                elif answer.status < 0:
                    findings.client_timeouts.append(f"load {name} x{level}")
                else:
                    findings.server_errors.append(f"{answer.status} load {name} x{level}")
            times = [answer.seconds * 1000 for answer in answers if answer.status == 200]
            print(
                f"  {name:<8} {level:>4} {len(answers):>6} {len(errors):>4} "
                f"{len(answers) / elapsed:>7.1f} {percentile(times, 0.5):>8.0f} "
                f"{percentile(times, 0.99):>8.0f} {server.rss_mib():>8.0f}"
            )


# -- the run ------------------------------------------------------------------------------------


def run(args: argparse.Namespace, label: str) -> int:
    started = time.monotonic()
    deadline = started + args.max_seconds
    print(f"Fault and load run on {label}")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    migrate = manage("migrate", "--no-input")
    if migrate.returncode:
        print(migrate.stderr, file=sys.stderr)
        return 1
    if ACLED_FILE.exists():
        t = time.perf_counter()
        imported = manage("import_acled", str(ACLED_FILE))
        print(f"  import_acled: {imported.stdout.strip()} ({time.perf_counter() - t:.0f} s)")
        if imported.returncode:
            print(imported.stderr, file=sys.stderr)
            return 1
    else:
        print(f"  no ACLED file at {ACLED_FILE}: the seed fixtures only")
    seeded = manage("import_fixtures", str(ROOT / "fixtures"))
    print(f"  import_fixtures: {seeded.stdout.strip()}")
    before = database_state()
    events = before["timeline_event"]
    print(f"  {events:,} events in the database")

    findings = Findings()
    with tempfile.TemporaryDirectory() as folder:
        fixture = big_fixture(Path(folder) / "concurrent", args.fixture_events, "concurrent")
        # Killed mid-way, this one must leave no trace: every record in it is new.
        killed = big_fixture(Path(folder) / "killed", args.fixture_events * 2, "killed")
        log = Path(folder) / "gunicorn.log"
        server = Gunicorn(free_port(), log)
        try:
            print(f"gunicorn on {HOST}:{server.port}, RSS {server.rss_mib():.0f} MiB")
            print("1. fuzz")
            phase_fuzz(server, findings, min(deadline, time.monotonic() + 900))
            print("2. concurrent imports")
            phase_concurrent_imports(findings, fixture)
            # The concurrent imports added the generated fixture: that is the state a
            # killed import, and everything after it, must leave as it is.
            reference = database_state()
            print("3. kill -9 mid-import")
            phase_kill_mid_import(findings, killed, reference)
            print("4. connection drops under load")
            phase_connection_drops(server, findings, min(args.seconds_per_level * 2, 30))
            print("5. load")
            if time.monotonic() < deadline:
                phase_load(server, findings, args.seconds_per_level, args.max_requests)
        finally:
            server.stop()
        text = log.read_text(errors="replace")
        tracebacks = text.count("Traceback")
        timeouts = text.count("WORKER TIMEOUT")
        # An export cut short by a client hanging up is logged by gunicorn, not an error.
        print(f"gunicorn log: {tracebacks} tracebacks, {timeouts} worker timeouts")
        if timeouts:
            findings.problems.append(f"{timeouts} worker timeouts")
        if tracebacks and args.show_log:
            print(text[-5000:])

    final = database_state()
    kept = {key: value for key, value in final.items() if reference.get(key) == value}
    lost = set(reference) - set(kept)
    print(
        f"database after everything, compared with before the faults: "
        f"{'unchanged' if not lost else 'CHANGED ' + ', '.join(sorted(lost))}"
    )
    if lost:
        findings.problems.append("database changed: " + ", ".join(sorted(lost)))
    print(
        f"5xx other than 503: {len(findings.server_errors)}; deliberate 503: "
        f"{findings.deliberate_503}; exports cut short with the marker: {findings.cut_short}; "
        f"client timeouts (no answer in 120 s): "
        f"{len(findings.client_timeouts)}; reflected markup: {len(findings.reflected)}; "
        f"problems: {len(findings.problems)}; run took {time.monotonic() - started:.0f} s"
    )
    for line in findings.server_errors[:20] + findings.reflected[:20] + findings.problems:
        print(f"  ! {line}")
    for line, count in Counter(findings.client_timeouts).items():
        print(f"  client timeouts: {count} x {line}")
    failed = findings.server_errors or findings.reflected or findings.problems
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds-per-level", type=float, default=10)
    parser.add_argument("--max-requests", type=int, default=2000, help="per load level")
    parser.add_argument("--max-seconds", type=float, default=1800, help="the whole run")
    parser.add_argument("--fixture-events", type=int, default=3000)
    parser.add_argument("--show-log", action="store_true", help="print gunicorn's log tail")
    args = parser.parse_args()
    # A SIGTERM (timeout, an impatient operator) still stops gunicorn and drops the database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    return run_on_throwaway_database(lambda label: run(args, label), prefix="timeline_fault")


if __name__ == "__main__":
    sys.exit(main())
