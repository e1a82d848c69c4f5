"""Counts cached per (filter, data version): faster on a repeat, and never stale."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline import count_cache
from timeline.models import DataVersion, Event, EventType
from timeline.tests.factories import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_version():
    # A transactional test elsewhere may have flushed the row away (then nothing caches).
    DataVersion.objects.get_or_create(id=1, defaults={"token": "restored"})


def type_count(response, slug: str) -> int:
    match = re.search(
        rf'data-count="(\d+)">\s*<input type="checkbox" name="type" value="{slug}"',
        response.text,
    )
    return int(match[1])


def queries_for(client, url, params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    return len(captured), response


def test_a_repeated_filter_is_counted_once_per_data_version(client):
    make_event(slug="a", type="blockade", status="published")
    url = reverse("timeline:timeline")
    first, _ = queries_for(client, url, {"type": "blockade"})
    again, response = queries_for(client, url, {"type": "blockade"})
    assert type_count(response, "blockade") == 1
    # The total, the facets and the chart come from the cache: the data version and the
    # page of events are all that is read.
    assert again < first - 5


def test_an_edit_shows_at_once(client):
    make_event(slug="a", type="blockade", status="published")
    url = reverse("timeline:timeline")
    assert type_count(client.get(url), "blockade") == 1
    make_event(slug="b", type="blockade", status="published")
    assert type_count(client.get(url), "blockade") == 2
    Event.objects.filter(slug="a").update(status=Event.Status.REJECTED)  # no signals
    assert type_count(client.get(url), "blockade") == 1
    with connection.cursor() as cursor:  # not even the ORM
        cursor.execute("DELETE FROM timeline_eventactor")
        cursor.execute("UPDATE timeline_event SET type_id = %s", [_type("ceasefire")])
    response = client.get(url)
    assert type_count(response, "blockade") == 0
    assert type_count(response, "ceasefire") == 1


def _type(slug: str) -> int:
    return EventType.objects.get(slug=slug).pk


def test_every_write_draws_a_new_token():
    before = count_cache.current_token()
    make_event(slug="a")
    after = count_cache.current_token()
    assert after != before
    EventType.objects.filter(slug="blockade").update(name="Siege")
    assert count_cache.current_token() not in {before, after}


def test_staff_and_public_are_counted_apart(client, admin_user):
    make_event(slug="p", type="blockade", status="proposed")
    url = reverse("timeline:timeline")
    assert type_count(client.get(url), "blockade") == 0
    client.force_login(admin_user)
    assert type_count(client.get(url), "blockade") == 1


# Tables that no page counts: the search documents (rebuilt from counted tables), the
# version itself, the slug redirects and Django's own.
NOT_COUNTED = {
    "timeline_searchdocument",
    "timeline_dataversion",
    "timeline_actorredirect",
    "timeline_locationredirect",
    # History rows and sign-in failures change no count, facet or chart of the timeline.
    "timeline_historicalevent",
    "timeline_historicalevidence",
    "timeline_historicalfigure",
    "timeline_historicaleventactor",
    "timeline_loginfailures",
    # The facet summary (PostgreSQL) is recomputed from counted tables in their writes'
    # transactions: those writes bump the version.
    "timeline_facet_summary",
    "timeline_facet_summary_month",
    "timeline_summary_dirty",
}


def test_every_table_of_the_timeline_bumps_the_data_version():
    tables = {
        name
        for name in connection.introspection.table_names()
        if name.startswith("timeline_") and not name.startswith("timeline_search_fts")
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
    missing = {
        table
        for table in tables - NOT_COUNTED
        if not any(trigger.startswith(f"{table}_data_version") for trigger in triggers)
    }
    assert not missing, f"add these to count_cache.COUNTED_TABLES (and a migration): {missing}"
