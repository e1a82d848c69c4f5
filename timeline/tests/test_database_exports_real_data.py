"""On PostgreSQL the CSV and JSON exports written by the database are the same bytes as
the Python writers on real data: the ACLED Gaza file, the UCDP GED sample and the
fixtures, imported once for the module, exported whole and through every filter
parameter, as the public and as staff.

The data stays outside the repository (../shared/data); these tests skip, saying why,
where it is absent.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.urls import reverse

from timeline import database_exports, exports
from timeline.datasets.acled import import_acled
from timeline.datasets.ucdp import import_ucdp
from timeline.models import Actor, Article, Event, EventType, Location, Outlet
from timeline.tests.test_import_acled import REAL_FILE as ACLED_FILE
from timeline.tests.test_import_ucdp import SAMPLE_FILE as GED_FILE
from timeline.tests.test_real_data import imported_once

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="only PostgreSQL writes the exports itself; SQLite keeps the Python path",
    ),
]

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NAMES = ["timeline:events-csv", "timeline:events-json"]


def _load():
    call_command("import_fixtures", str(FIXTURES))
    acled = import_acled(path=ACLED_FILE)
    ged = import_ucdp(path=GED_FILE)
    # Some events only staff see, so the status filter and visibility differ by user.
    ids = list(Event.objects.order_by("id").values_list("id", flat=True)[::97])
    Event.objects.filter(id__in=ids[::2]).update(status=Event.Status.REJECTED)
    Event.objects.filter(id__in=ids[1::2]).update(status=Event.Status.PROPOSED)
    User.objects.create_user("editor", password="x", is_staff=True)
    return acled, ged


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """The ACLED Gaza file, the GED sample and the fixtures, once for the module."""
    for path in (ACLED_FILE, GED_FILE):
        if not path.exists():
            pytest.skip(f"the real data file is not at {path} (it lives in ../shared/data)")
    with imported_once(django_db_blocker, _load) as result:
        yield result


def body(client, name: str, params: dict, headers: dict) -> bytes:
    response = client.get(reverse(name), params, **headers)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def assert_same_bytes(client, monkeypatch, params: dict, headers: dict | None = None) -> int:
    """Both exports, through the Python writers and through the database, are equal;
    the number of events exported."""
    headers = headers if headers is not None else {"secure": True}
    for name in NAMES:
        with monkeypatch.context() as python_only:
            python_only.setattr(database_exports, "formats_in_database", lambda qs: False)
            in_python = body(client, name, params, headers)
        in_database = body(client, name, params, headers)
        if in_database != in_python:
            python_lines = in_python.decode().splitlines(keepends=True)
            database_lines = in_database.decode().splitlines(keepends=True)
            first = next(
                (
                    i
                    for i, (a, b) in enumerate(zip(python_lines, database_lines, strict=False))
                    if a != b
                ),
                min(len(python_lines), len(database_lines)),
            )
            pytest.fail(
                f"{name} {params}: first difference at line {first}:\n"
                f"python:   {python_lines[first : first + 1]!r}\n"
                f"database: {database_lines[first : first + 1]!r}"
            )
    return json.loads(in_python)["count"]


@pytest.fixture
def staff_client(client, imported):
    client.force_login(User.objects.get(username="editor"))
    return client


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunk sizes that do not divide each other, so chunk edges fall on shared days."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 701)
    monkeypatch.setattr(database_exports, "SQL_CHUNK_SIZE", 997)


@pytest.mark.parametrize("sort", ["-date", "date"])
@pytest.mark.parametrize("who", ["public", "staff"])
def test_the_whole_export_is_the_same_bytes(client, imported, monkeypatch, small_chunks, sort, who):
    acled, ged = imported
    assert Event.objects.count() >= acled.rows + ged.rows
    if who == "staff":
        client.force_login(User.objects.get(username="editor"))
    assert (
        assert_same_bytes(client, monkeypatch, {"sort": sort})
        == Event.objects.filter(
            **({} if who == "staff" else {"status": Event.Status.PUBLISHED})
        ).count()
    )


def filter_combinations() -> list[dict]:
    """Every filter parameter of DESIGN.md, alone and combined, on values the data has."""
    types = list(
        EventType.objects.annotate(n=Count("events")).order_by("-n").values_list("slug", flat=True)
    )
    actors = Actor.objects.annotate(n=Count("event_roles")).order_by("-n", "slug")
    busy_actor, actor = actors[0].slug, actors[7].slug
    place = Location.objects.filter(children__isnull=False).order_by("id").first().slug
    leaf = Location.objects.filter(events__isnull=False).order_by("-id").first().slug
    outlet = Outlet.objects.order_by("id").first()
    article_outlet = Article.objects.exclude(outlet="").values_list("outlet", flat=True).first()
    sub_type = Event.objects.exclude(sub_type=None).values_list("sub_type__slug", flat=True).first()
    return [
        {"type": types[0]},
        {"type": types[:3]},
        {"sub_type": sub_type},
        {"from": "2024-01-01", "to": "2024-03-31"},
        {"from": "2000-01-01", "to": "2005-12-31", "sort": "date"},
        {"from": str(date(2023, 10, 7))},
        {"to": "1995-01-01"},
        {"location": place},
        {"location": leaf, "sort": "date"},
        {"actor": actor},
        {"actor": [actor, busy_actor]},
        {"outlet": outlet.slug if outlet else article_outlet},
        {"q": "killed"},
        {"q": "Khan Younis", "sort": "relevance"},
        {"q": "airstrike", "sort": "date"},
        {"q": "nothing-matches-this-zzzz"},
        {"casualties": "on"},
        {"corroboration": "single"},
        {"corroboration": "multiple"},
        {"sort": "-killed"},
        {"sort": "outlets"},
        {"type": types[0], "from": "2024-01-01", "location": place, "q": "killed"},
        {"view": "table", "pages": "2", "split": "type", "measure": "killed", "bucket": "week"},
    ]


@pytest.mark.parametrize("who", ["public", "staff"])
def test_every_filter_gives_the_same_bytes(client, imported, monkeypatch, small_chunks, who):
    if who == "staff":
        client.force_login(User.objects.get(username="editor"))
    combinations = filter_combinations()
    if who == "staff":
        combinations += [
            {"status": status}
            for status in (Event.Status.REJECTED, Event.Status.PROPOSED, Event.Status.PUBLISHED)
        ]
    counts = {
        str(params): assert_same_bytes(client, monkeypatch, params) for params in combinations
    }
    # Only the filter meant to match nothing exports nothing.
    assert [params for params, n in counts.items() if not n] == [
        str({"q": "nothing-matches-this-zzzz"})
    ], counts


def test_links_behind_a_proxy_are_the_same_bytes(client, imported, monkeypatch, small_chunks):
    """The origin of every permalink comes from the request, X-Forwarded-Proto included."""
    headers = {"headers": {"x-forwarded-proto": "https", "host": "testserver"}}
    assert_same_bytes(client, monkeypatch, {"from": "2025-01-01"}, headers)
