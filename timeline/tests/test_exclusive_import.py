"""Imports take turns (an advisory lock on PostgreSQL, a lock file on SQLite) and leave
the planner fresh statistics (ANALYZE) when they succeed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from timeline.management.exclusive_import import exclusive_import
from timeline.models import Event
from timeline.tests.conftest import seed_event_types, seed_taxonomy
from timeline.tests.test_import_acled import sample  # noqa: F401 (a fixture: rows of the real file)

ROOT = Path(settings.BASE_DIR)
SEED = ROOT / "fixtures"

# Holds the import lock, as a running import would, until its standard input closes.
HOLD_THE_LOCK = (
    "import os, sys, django\n"
    "os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
    "django.setup()\n"
    "from timeline.management.exclusive_import import exclusive_import\n"
    "with exclusive_import(wait=0, analyze=False):\n"
    "    print('held', flush=True)\n"
    "    sys.stdin.read()\n"
)


def database_url(tmp_path: Path) -> str:
    """A database other processes can open: the test database itself on PostgreSQL, a
    freshly migrated file on SQLite (the test's own SQLite database is in memory)."""
    if connection.vendor == "postgresql":
        db = connection.settings_dict
        return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    manage("migrate", "--no-input", url=url).check_returncode()
    return url


def environment(url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=url, PYTHONUNBUFFERED="1")
    return env


def manage(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def start(*args: str, url: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment(url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_end_one_success_and_one_clear_message(tmp_path):
    # A transactional test starts from a flushed database (an earlier live_server test's
    # flush deletes the migration-seeded types): seed them again, as conftest does.
    seed_event_types(django_apps, None)
    seed_taxonomy(django_apps, None)
    url = database_url(tmp_path)
    holder = start("-c", HOLD_THE_LOCK, url=url, stdin=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "held"
        # While an import runs: one import that waits for it, one that will not wait.
        patient = start("manage.py", "import_fixtures", str(SEED), "--wait", "120", url=url)
        impatient = start("manage.py", "import_fixtures", str(SEED), "--wait", "0", url=url)
        out, err = impatient.communicate(timeout=120)
        assert impatient.returncode == 1
        assert "Another import is running on this database" in err
        assert "Traceback" not in err
        time.sleep(0.5)
        assert patient.poll() is None  # still waiting its turn
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    out, err = patient.communicate(timeout=240)
    assert patient.returncode == 0, err
    assert "Imported" in out
    assert "waiting for it to finish" in err
    assert "Traceback" not in err


def test_the_lock_is_free_again_after_an_import_fails(tmp_path, db):
    with pytest.raises(CommandError):
        call_command("import_fixtures", str(tmp_path / "missing.yaml"))
    with exclusive_import(wait=0, analyze=False):
        pass


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_second_import_in_the_same_database_is_refused_while_the_lock_is_held(tmp_path):
    url = database_url(tmp_path)
    with exclusive_import(wait=0, analyze=False):
        refused = manage("import_fixtures", str(SEED), "--wait", "0.5", url=url)
    assert refused.returncode == 1
    assert "Another import is running" in refused.stderr
    assert "Traceback" not in refused.stderr


# -- ANALYZE after every import --------------------------------------------------------------


def analyzed(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "ANALYZE" in query["sql"]]


@pytest.mark.django_db
def test_import_fixtures_analyzes_the_timeline_tables():
    with CaptureQueriesContext(connection) as captured:
        call_command("import_fixtures", str(SEED), stdout=StringIO())
    statements = " ".join(analyzed(captured))
    for table in ("timeline_event", "timeline_evidence", "timeline_article"):
        assert table in statements
    assert planner_statistics_exist("timeline_event")


@pytest.mark.django_db
def test_a_dry_run_does_not_analyze():
    with CaptureQueriesContext(connection) as captured:
        call_command("import_fixtures", str(SEED), "--dry-run", stdout=StringIO())
    assert not analyzed(captured)


@pytest.mark.django_db
def test_a_refused_import_does_not_analyze(tmp_path):
    (tmp_path / "bad.yaml").write_text("events: [1]\n")
    with CaptureQueriesContext(connection) as captured, pytest.raises(CommandError):
        call_command("import_fixtures", str(tmp_path / "bad.yaml"))
    assert not analyzed(captured)


@pytest.mark.django_db
def test_the_dataset_import_commands_analyze_too(sample):  # noqa: F811
    with CaptureQueriesContext(connection) as captured:
        call_command("import_acled", str(sample), stdout=StringIO(), stderr=StringIO())
    assert Event.objects.exists()
    assert "timeline_event" in " ".join(analyzed(captured))


def planner_statistics_exist(table: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [table])
        else:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchone()[0] > 0
