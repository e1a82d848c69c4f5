"""Read replicas: which database each request reads from.

The router's rules are checked on their own everywhere; the routing is then proved
against a real streaming standby of the PostgreSQL cluster when DATABASE_REPLICA_URLS
names one (.ci/replica starts it; CI sets REQUIRE_REPLICA=1, making its absence a
failure rather than a skip).
"""

from __future__ import annotations

import os
import time
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import replicas
from timeline.models import Event
from timeline.tests.factories import make_event

seed_taxonomy = import_module("timeline.migrations.0005_seed_taxonomy").seed_taxonomy
REPLICA = (getattr(settings, "REPLICA_DATABASES", None) or [None])[0]


# -- the rules ----------------------------------------------------------------------------
@pytest.fixture
def one_replica(settings):
    settings.REPLICA_DATABASES = ["replica_1"]
    settings.READ_REPLICAS_ENABLED = True


def route(request) -> str:
    """The alias a read would use while this request runs."""
    seen = {}

    def view(request):
        seen["alias"] = replicas.PrimaryReplicaRouter().db_for_read(Event)
        from django.http import HttpResponse

        return HttpResponse()

    replicas.PrimaryPinningMiddleware(view)(request)
    return seen["alias"]


def test_public_reads_go_to_a_replica(one_replica):
    assert route(RequestFactory().get("/")) == "replica_1"
    assert route(RequestFactory().head("/events.json")) == "replica_1"


def test_writes_the_admin_and_the_review_desk_read_from_the_primary(one_replica):
    factory = RequestFactory()
    assert route(factory.post("/")) == "default"
    assert route(factory.get("/admin/timeline/event/")) == "default"
    assert route(factory.get("/review/")) == "default"


def test_a_browser_that_just_wrote_reads_from_the_primary_for_a_while(one_replica):
    factory = RequestFactory()
    pinned = factory.get("/")
    pinned.COOKIES[replicas.PIN_COOKIE] = str(time.time() + 5)
    assert route(pinned) == "default"
    expired = factory.get("/")
    expired.COOKIES[replicas.PIN_COOKIE] = str(time.time() - 1)
    assert route(expired) == "replica_1"
    garbled = factory.get("/")
    garbled.COOKIES[replicas.PIN_COOKIE] = "soon"
    assert route(garbled) == "replica_1"


def test_outside_a_request_everything_uses_the_primary(one_replica):
    router = replicas.PrimaryReplicaRouter()
    assert router.db_for_read(Event) == "default"
    assert router.db_for_write(Event) == "default"
    assert router.allow_migrate("replica_1", "timeline") is False
    assert router.allow_migrate("default", "timeline") is True


@pytest.mark.django_db
def test_a_request_that_writes_pins_its_browser(one_replica):
    def view(request):
        from django.http import HttpResponse

        make_event(slug="written")
        return HttpResponse()

    response = replicas.PrimaryPinningMiddleware(view)(RequestFactory().post("/"))
    until = float(response.cookies[replicas.PIN_COOKIE].value)
    assert time.time() < until <= time.time() + settings.REPLICA_PIN_SECONDS + 1
    assert response.cookies[replicas.PIN_COOKIE]["httponly"]


def test_without_replicas_nothing_is_routed_or_pinned(settings):
    settings.REPLICA_DATABASES = []
    assert route(RequestFactory().get("/")) == "default"


# -- against a real streaming standby -----------------------------------------------------
def _require_replica():
    if REPLICA is None:
        reason = "no DATABASE_REPLICA_URLS configured (.ci/replica start prints one)"
        if os.environ.get("REQUIRE_REPLICA") == "1":
            pytest.fail(f"{reason}, and REQUIRE_REPLICA=1", pytrace=False)
        pytest.skip(reason)


def _wait_until_replicated(slug: str) -> None:
    """Streaming replication is asynchronous: wait (bounded) until the standby has it."""
    deadline = time.monotonic() + 20
    while not Event.objects.using(REPLICA).filter(slug=slug).exists():
        if time.monotonic() > deadline:
            pytest.fail("the standby did not receive the write within 20 s")
        time.sleep(0.05)


@pytest.fixture
def standby(settings):
    _require_replica()
    # A transactional test starts from a flushed database: seed the taxonomy again.
    seed_taxonomy(django_apps, None)
    settings.READ_REPLICAS_ENABLED = True
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,), "the replica URL does not point at a standby"
    return REPLICA


PRIMARY_QUERIES: list[str] = []


def _queries(client, url, **kwargs) -> tuple[int, int, object]:
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        response = client.get(url, **kwargs)
    PRIMARY_QUERIES[:] = [query["sql"] for query in primary.captured_queries]
    return len(primary), len(replica), response


def _log_in(client, username: str, password: str) -> None:
    """Through the admin's login form, as a browser does (client.login skips middleware)."""
    response = client.post(reverse("admin:login"), {"username": username, "password": password})
    assert response.status_code == 302


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA or "default"])
def test_the_standby_refuses_writes_and_receives_the_primarys(standby):
    event = make_event(slug="streamed", status="published")
    _wait_until_replicated("streamed")
    with pytest.raises(Exception, match="read-only"), transaction.atomic(using=standby):
        Event.objects.using(standby).filter(pk=event.pk).update(title="changed on the standby")


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA or "default"])
def test_the_public_timeline_and_event_page_are_read_from_the_standby(client, standby):
    make_event(slug="public", title="Read from the standby", status="published")
    _wait_until_replicated("public")
    on_primary, on_replica, response = _queries(client, reverse("timeline:timeline"))
    assert response.status_code == 200 and 'data-event="public"' in response.text
    assert on_primary == 0 and on_replica > 0, PRIMARY_QUERIES
    on_primary, on_replica, response = _queries(client, reverse("timeline:event", args=["public"]))
    assert response.status_code == 200
    assert on_primary == 0 and on_replica > 0


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA or "default"])
def test_the_admin_reads_and_writes_on_the_primary_and_pins_the_editor(client, standby):
    User.objects.create_superuser("editor", "editor@example.org", "a-long-password-1")
    make_event(slug="to-edit", title="Before", status="published")
    _wait_until_replicated("to-edit")
    _log_in(client, "editor", "a-long-password-1")  # a write: this browser is pinned
    on_primary, on_replica, response = _queries(client, reverse("admin:timeline_event_changelist"))
    assert response.status_code == 200
    assert on_primary > 0 and on_replica == 0
    # A public page straight after the login's write is still read from the primary…
    on_primary, on_replica, _ = _queries(client, reverse("timeline:timeline"))
    assert on_replica == 0
    # …until the pin expires.
    client.cookies[replicas.PIN_COOKIE] = str(time.time() - 1)
    on_primary, on_replica, _ = _queries(client, reverse("timeline:timeline"))
    assert on_replica > 0


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA or "default"])
def test_after_a_write_the_next_page_shows_it_whatever_the_lag(client, standby):
    User.objects.create_superuser("editor2", "e2@example.org", "a-long-password-2")
    event = make_event(slug="fresh", title="Before the edit", status="published")
    _wait_until_replicated("fresh")
    _log_in(client, "editor2", "a-long-password-2")
    url = reverse("admin:timeline_event_change", args=[event.pk])
    response = client.post(
        url,
        {
            **_admin_post_data(client, url),
            "title": "After the edit",
            # The desk's history asks why a published event changes.
            "change_reason": "a replica test",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert replicas.PIN_COOKIE in response.cookies
    page = client.get(reverse("timeline:event", args=["fresh"]))
    assert "After the edit" in page.text


def _admin_post_data(client, url) -> dict:
    """The admin change form's current values, as the browser would post them back."""
    import re
    from html import unescape

    page = client.get(url).text
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]+>", page):
        name = re.search(r'name="([^"]+)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind[1] in {"submit", "button", "file"}):
            continue
        if kind and kind[1] == "checkbox" and "checked" not in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        data[name[1]] = unescape(value[1]) if value else ""
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S):
        data[name] = unescape(body).lstrip("\n")
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        data[name] = unescape(chosen[1]) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return data
