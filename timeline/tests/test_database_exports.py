"""On PostgreSQL the CSV and JSON exports are written by the database
(timeline/database_exports.py): the same bytes as the Python writers, over hostile data."""

import csv
import io
import json
import re
import sys
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse

from timeline import database_exports, exports
from timeline.models import Event, EventActor, Evidence
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="only PostgreSQL writes the exports itself; SQLite keeps the Python path",
    ),
]

# Text a spreadsheet or a parser could trip on: quotes, commas, line breaks, formula
# starts, numbers that must stay as they are, controls, non-Latin letters and digits.
HOSTILE = [
    'He said "stop", then left',
    "line one\nline two\r\nline three",
    '=HYPERLINK("http://x","click")',
    "+972 said",
    "-31.5",
    "-5\n",
    "-5\n\n",
    "+٣٤",
    "-1e-05",
    "@channel",
    "\tindented",
    "\rreturn",
    "'already quoted",
    "غزة، رفح; \\ back\\slash",
    "tab\tin the middle, and a comma",
    "bell\x07 and escape\x1b and del\x7f and \u2028 separator",
    "",
]


def hostile(i: int) -> str:
    return HOSTILE[i % len(HOSTILE)]


@pytest.fixture
def varied():
    """Events with every kind of value the exports format, one of them hostile per field."""
    places = [
        make_location(slug="gaza", name=hostile(0), latitude=31.5, longitude=34.0),
        make_location(slug="رفح", name=hostile(1), latitude=-1e-05, longitude=-180.0),
        make_location(slug="nowhere", name=hostile(2)),  # no coordinates
        make_location(slug="ein-place", name="=1+1", latitude=0.1 + 0.2, longitude=35.123456789),
    ]
    actors = [make_actor(slug=f"actor-{i}", name=hostile(i + 3)) for i in range(4)] + [
        make_actor(slug="ממשלה", name="ממשלת ישראל")
    ]
    article = make_article(slug="wire", title=hostile(4), outlet=hostile(5))
    unicode_article = make_article(slug="wire-2", title="Second", outlet="")
    spans = [
        (date(2025, 7, 6), None, "day"),
        (date(2025, 7, 6), date(2025, 7, 6), "day"),
        (date(2025, 7, 6), date(2025, 7, 7), "day"),
        (date(2025, 6, 28), date(2025, 7, 2), "day"),
        (date(2024, 12, 30), date(2025, 1, 2), "day"),
        (date(2025, 6, 30), None, "week"),
        (date(2025, 3, 1), date(2025, 3, 31), "month"),
        (date(2025, 3, 1), date(2025, 5, 31), "month"),
        (date(2024, 11, 1), date(2025, 2, 28), "month"),
        (date(2025, 1, 1), date(2025, 12, 31), "year"),
        (date(2023, 1, 1), date(2025, 12, 31), "year"),
        (date(2025, 3, 2), None, "approximate"),
        (date(2025, 3, 2), date(2025, 5, 19), "approximate"),
        (date(2025, 3, 2), date(2025, 3, 9), "approximate"),
        (date(2024, 12, 2), date(2025, 3, 9), "approximate"),
    ]
    figure_kinds = [
        dict(kind="killed", low=30, qualifier="more-than", attributed_to=hostile(6)),
        dict(kind="killed", low=25, high=28, qualifier="about"),
        dict(kind="killed", low=1200, high=1200, qualifier="exact", attributed_to="=SUM(A1)"),
        dict(kind="injured", low=5, high=7, qualifier="up-to"),
        dict(kind="injured", low=3, qualifier="up-to"),
        dict(kind="injured", low=12, qualifier="at-least", attributed_to="Ministry, Gaza"),
        dict(kind="targets-struck", low=1234567, qualifier="exact"),
        dict(kind="displaced", low=0, high=2500000, qualifier="about"),
        dict(kind="missing", low=4, qualifier="exact"),
    ]
    for i in range(40):
        start, end, precision = spans[i % len(spans)]
        event = make_event(
            title=hostile(i) or "Untitled",
            summary=hostile(i + 7),
            date_start=start,
            date_end=end,
            date_precision=precision,
            reported_on=date(2025, 8, i % 28 + 1) if i % 3 else None,
            location=places[i % 5] if i % 5 < len(places) else None,
            type=["negotiation", "military-strike", "casualty-report"][i % 3],
        )
        if i % 6 == 1:
            Event.objects.filter(pk=event.pk).update(slug=f"حدث-{i}")
        if i % 4:  # some events have no actors at all
            for j in range(i % 4):
                make_event_actor(
                    event, actors[(i + j) % len(actors)], ["party", "target", "initiator"][j % 3]
                )
            if i % 8 == 3:  # one actor in two roles
                make_event_actor(event, actors[i % len(actors)], "mediator")
        for j in range(i % 4):
            make_figure(event=event, **figure_kinds[(i + j) % len(figure_kinds)])
        for j in range(i % 3):
            # Stored as given: the exports pass on whatever a quote holds.
            Evidence.objects.create(
                event=event,
                article=unicode_article if j else article,
                quote=hostile(i + j + 11),
                attributed_to=hostile(i + j),
            )


def make_event_actor(event, actor, role):
    EventActor.objects.create(event=event, actor=actor, role=role)


def exported_count(name: str, content: bytes) -> int:
    if name == "timeline:events-json":
        return len(json.loads(content)["events"])
    return len(list(csv.reader(io.StringIO(content.decode())))) - 1


def both_paths(client, monkeypatch, name: str, **params) -> tuple[bytes, bytes]:
    """(the Python writer's body, the database's body) for one export request."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 7)
    monkeypatch.setattr(database_exports, "SQL_CHUNK_SIZE", 6)
    with monkeypatch.context() as python_only:
        python_only.setattr(database_exports, "formats_in_database", lambda queryset: False)
        response = client.get(reverse(name), params, secure=True)
        assert response.status_code == 200
        in_python = b"".join(response.streaming_content)
    response = client.get(reverse(name), params, secure=True)
    assert response.status_code == 200
    return in_python, b"".join(response.streaming_content)


@pytest.mark.parametrize("name", ["timeline:events-csv", "timeline:events-json"])
@pytest.mark.parametrize("sort", ["date", "-date"])
def test_the_database_writes_the_same_bytes_as_python(client, monkeypatch, varied, name, sort):
    in_python, in_database = both_paths(client, monkeypatch, name, sort=sort)
    assert exported_count(name, in_python) == 40
    assert in_database == in_python


@pytest.mark.parametrize("name", ["timeline:events-csv", "timeline:events-json"])
def test_the_database_writes_the_same_bytes_for_a_filter_and_for_nothing(
    client, monkeypatch, varied, name
):
    for params in ({"type": "military-strike"}, {"q": "comma"}, {"type": "blockade"}):
        in_python, in_database = both_paths(client, monkeypatch, name, **params)
        assert in_database == in_python


@pytest.mark.parametrize("name", ["timeline:events-csv", "timeline:events-json"])
@pytest.mark.parametrize("n, chunks", [(5, 1), (6, 2), (13, 3)])
def test_one_query_per_chunk(client, monkeypatch, django_assert_num_queries, name, n, chunks):
    """A chunk is one statement, whatever its events carry; JSON counts first."""
    actor, article = make_actor(), make_article()
    for _ in range(n):
        event = make_event(actors=[actor])
        make_figure(event=event)
        make_evidence(event=event, article=article)
    monkeypatch.setattr(database_exports, "SQL_CHUNK_SIZE", 6)
    count = 1 if name == "timeline:events-json" else 0
    with django_assert_num_queries(count + chunks):
        b"".join(client.get(reverse(name)).streaming_content)


def test_the_sql_guard_knows_every_decimal_digit_python_does():
    """safe_cell's NUMBER reads any Unicode decimal digit; the SQL lists them as ranges."""
    pattern = database_exports._number_pattern()
    digits = pattern[len("^[+-]?[") : pattern.index("]+")]
    ranges = re.findall(r"(.)-(.)", digits)
    assert "".join(low + "-" + high for low, high in ranges) == digits
    listed = {chr(code) for low, high in ranges for code in range(ord(low), ord(high) + 1)}
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert listed == set(re.findall(r"\d", every))


def test_statements_run_without_jit_compilation(client, varied):
    """PostgreSQL's JIT is off on the site's connections: an export chunk's cost estimate
    passes jit_above_cost, and compiling its row expression took 14 of its 16 s."""
    b"".join(client.get(reverse("timeline:events-csv")).streaming_content)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
