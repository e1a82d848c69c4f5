"""Every public query bounded: past PUBLIC_QUERY_TIMEOUT a statement is cancelled and the
request answered 503 "too broad, narrow it" with Retry-After (PostgreSQL's
statement_timeout, SQLite's progress handler); staff are not limited. Exports cut short
mid-stream say so in the file."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection
from django.db.models.expressions import RawSQL
from django.http import StreamingHttpResponse
from django.urls import reverse

from timeline import database_exports, exports, paging
from timeline.models import EventQuerySet
from timeline.query_deadline import QueryTimeSpent
from timeline.tests.factories import make_event, make_location

pytestmark = pytest.mark.django_db

# A statement that runs far longer than any limit below, the same on both databases and
# whatever the data: it counts to 10^8 one row at a time (tens of seconds).
SLOW_SQL = (
    "(WITH RECURSIVE counter(n) AS (SELECT 1 UNION ALL "
    "SELECT n + 1 FROM counter WHERE n < 100000000) SELECT max(n) FROM counter)"
)
PAGES = {
    "page": ("timeline:timeline", {}),
    "fragment": ("timeline:timeline", {"HTTP_HX_REQUEST": "true"}),
    "json export": ("timeline:events-json", {}),
    "csv export": ("timeline:events-csv", {}),
    "geojson export": ("timeline:events-geojson", {}),
    "map": ("timeline:map", {}),
}


@pytest.fixture
def slow_events(monkeypatch, settings):
    """Every view's events carry the never-ending statement; the limit is 0.3 s."""
    settings.PUBLIC_QUERY_TIMEOUT = 0.3
    make_event(slug="one")
    original = EventQuerySet.visible_to

    def visible_to(self, user):
        return original(self, user).alias(slow=RawSQL(SLOW_SQL, [])).filter(slow__gt=0)

    monkeypatch.setattr(EventQuerySet, "visible_to", visible_to)


@pytest.mark.parametrize("kind", PAGES)
def test_a_query_past_the_timeout_is_a_503_saying_narrow_it(client, slow_events, kind):
    name, headers = PAGES[kind]
    response = client.get(reverse(name), **headers)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert not isinstance(response, StreamingHttpResponse)
    text = response.content.decode()
    assert "too broad" in text
    assert "narrow it" in text


# One request per test: on PostgreSQL a cancelled statement aborts the test's transaction.
def test_the_503_page_is_a_whole_page(client, slow_events):
    page = client.get(reverse("timeline:timeline")).content.decode()
    assert "<html" in page
    assert 'role="alert"' in page


def test_the_503_fragment_is_only_the_results(client, slow_events):
    fragment = client.get(reverse("timeline:timeline"), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert fragment.strip().startswith('<section id="results"')


def test_the_503_of_a_json_export_is_json(client, slow_events):
    response = client.get(reverse("timeline:events-json"))
    assert response["Content-Type"] == "application/json"
    assert "too broad" in json.loads(response.content)["error"]


def test_the_503_of_a_csv_export_is_plain_text(client, slow_events):
    response = client.get(reverse("timeline:events-csv"))
    assert response["Content-Type"].startswith("text/plain")


def test_staff_are_not_limited(client, settings):
    settings.PUBLIC_QUERY_TIMEOUT = 0.3
    client.get(reverse("timeline:timeline"))
    assert current_limit() == 0.3
    staff = User.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    client.get(reverse("timeline:timeline"))
    assert current_limit() is None


def test_a_limit_of_zero_turns_it_off(client, settings):
    settings.PUBLIC_QUERY_TIMEOUT = 0
    client.get(reverse("timeline:timeline"))
    assert current_limit() is None


def current_limit() -> float | None:
    """The limit the last request left on this connection, in seconds (None: none)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout')")
            value = cursor.fetchone()[0]
        return None if value == "0" else float(value.removesuffix("ms")) / 1000
    return connection.public_statement_timeout


@pytest.mark.parametrize("analysed", [False, True])
@pytest.mark.parametrize("name", ["timeline:timeline", "timeline:events-json"])
def test_twelve_repeated_terms_answer_in_time_or_with_the_message_never_a_500(
    client, settings, analysed, name
):
    settings.PUBLIC_QUERY_TIMEOUT = 2
    for n in range(10):
        make_event(title=f"Ab talks {n}", summary="ab ab gaza israeli")
    if analysed:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    response = client.get(reverse(name), {"q": " ".join(["ab"] * 12)})
    assert response.status_code in (200, 503)
    if response.status_code == 503:
        assert "too broad" in response.content.decode()


# -- exports cut short mid-stream ----------------------------------------------------------


@pytest.fixture
def failing_second_chunk(monkeypatch):
    """Five events, read two at a time; the database fails when the second chunk is read."""
    place = make_location(latitude=31.5, longitude=34.4)
    for n in range(5):
        make_event(slug=f"event-cut-{n}", location=place)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(database_exports, "SQL_CHUNK_SIZE", 2)
    original = paging.after

    def after(ordered, cursor, **kwargs):
        if cursor is not None:  # the query of every chunk after the first
            raise DatabaseError("server closed the connection unexpectedly")
        return original(ordered, cursor, **kwargs)

    monkeypatch.setattr(paging, "after", after)


def read_until_failure(response) -> str:
    """What the client receives before the stream breaks (the error is raised again)."""
    pieces = []
    with pytest.raises(DatabaseError):
        for piece in response.streaming_content:
            pieces.append(piece)
    return b"".join(pieces).decode()


@pytest.mark.parametrize("name", ["timeline:events-csv", "timeline:events-acled"])
def test_a_csv_export_cut_short_ends_with_a_marker_row(client, failing_second_chunk, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = read_until_failure(response)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 2 + 1  # header, the first chunk, the marker
    assert rows[-1][0].startswith("#EXPORT CUT SHORT: ")
    assert "incomplete" in rows[-1][0]


@pytest.mark.parametrize(
    "name", ["timeline:events-json", "timeline:events-geojson", "timeline:events-timelinejs"]
)
def test_a_json_export_cut_short_is_left_invalid_on_purpose(client, failing_second_chunk, name):
    response = client.get(reverse(name))
    text = read_until_failure(response)
    assert "EXPORT CUT SHORT" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_an_export_whose_first_query_fails_is_an_error_status_not_a_broken_200(client, slow_events):
    response = client.get(reverse("timeline:events-json"))
    assert response.status_code == 503


# -- a budget for the whole request ---------------------------------------------------------


def test_a_request_past_its_budget_starts_no_more_statements_and_is_a_503(client, settings):
    settings.PUBLIC_REQUEST_TIMEOUT = 0.000001
    make_event(slug="one")
    response = client.get(reverse("timeline:timeline"))
    assert response.status_code == 503
    assert "too broad" in response.content.decode()


def test_staff_requests_have_no_budget(client, settings):
    settings.PUBLIC_REQUEST_TIMEOUT = 0.000001
    staff = User.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("timeline:timeline")).status_code == 200


def test_an_export_past_its_budget_is_cut_short_by_us_with_the_marker(client, monkeypatch):
    """Under load a long export used to run into gunicorn's timeout and lose its worker."""
    for n in range(5):
        make_event(slug=f"event-budget-{n}")
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(database_exports, "SQL_CHUNK_SIZE", 2)
    original = paging.after

    def after(ordered, cursor, **kwargs):
        if cursor is not None:  # as if the first chunk had taken the whole budget
            connection.public_request_deadline = time.monotonic() - 1
        return original(ordered, cursor, **kwargs)

    monkeypatch.setattr(paging, "after", after)
    response = client.get(reverse("timeline:events-csv"))
    assert response.status_code == 200
    pieces = []
    with pytest.raises(QueryTimeSpent):
        for piece in response.streaming_content:
            pieces.append(piece)
    last_row = list(csv.reader(io.StringIO(b"".join(pieces).decode())))[-1]
    assert last_row[0].startswith("#EXPORT CUT SHORT: the database did not answer in time")


def test_the_budget_ends_with_the_response(client, settings):
    settings.PUBLIC_REQUEST_TIMEOUT = 0.000001
    client.get(reverse("timeline:timeline"))
    time.sleep(0.01)
    assert make_event(slug="after-the-request")  # a query outside any request runs
