"""Whole public responses cached per (data version, request): fast on a repeat, never stale,
never personal, and with a fresh CSP nonce on every response."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from timeline.models import DataVersion, Event
from timeline.tests.factories import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def response_cache_on():
    # A transactional test elsewhere may have flushed the row away (then nothing caches).
    DataVersion.objects.get_or_create(id=1, defaults={"token": "restored"})
    cache.clear()
    with override_settings(RESPONSE_CACHE_SECONDS=600):
        yield
    cache.clear()


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def cached(response) -> str | None:
    return response.headers.get("X-Response-Cache")


def nonces(response) -> tuple[str, set[str]]:
    policy = response["Content-Security-Policy"]
    in_header = re.search(r"'nonce-([^']+)'", policy)[1]
    in_body = set(re.findall(r'nonce="([^"]+)"', response.text))
    return in_header, in_body


def _without_nonce(response) -> str:
    used = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    return response.text.replace(used[1], "") if used else response.text


def test_a_repeat_is_served_from_the_cache_with_one_query(client, django_assert_num_queries):
    make_event(slug="a", title="Talks in Doha", type="blockade")
    url = reverse("timeline:timeline")
    first = client.get(url, {"type": "blockade"})
    assert cached(first) == "miss"
    # The data version's token, nothing else: no view, no template.
    with django_assert_num_queries(1):
        again = client.get(url, {"type": "blockade"})
    assert cached(again) == "hit"
    assert again.status_code == 200
    assert "Talks in Doha" in again.text


def test_the_nonce_is_new_on_every_hit_and_matches_the_header(client):
    make_event(slug="a", title="Talks in Doha")
    url = reverse("timeline:timeline")
    responses = [client.get(url) for _ in range(3)]
    assert [cached(r) for r in responses] == ["miss", "hit", "hit"]
    seen = set()
    for response in responses:
        header, body = nonces(response)
        assert body == {header}  # every script tag carries this response's nonce
        seen.add(header)
    assert len(seen) == 3
    # Apart from the nonce, the hit is the page as rendered.
    first, second = responses[0], responses[1]
    assert first.text.replace(nonces(first)[0], "N") == second.text.replace(nonces(second)[0], "N")
    assert first["Content-Security-Policy"].replace(nonces(first)[0], "N") == second[
        "Content-Security-Policy"
    ].replace(nonces(second)[0], "N")


def test_the_htmx_fragment_and_the_full_page_are_never_mixed(client):
    make_event(slug="a", title="Talks in Doha")
    url = reverse("timeline:timeline")
    page = client.get(url)
    fragment = client.get(url, **HTMX)
    layout = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline-layout")
    assert [cached(r) for r in (page, fragment, layout)] == ["miss", "miss", "miss"]
    assert "<html" in page.text and "<html" not in fragment.text
    page_again = client.get(url)
    fragment_again = client.get(url, **HTMX)
    layout_again = client.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline-layout")
    assert [cached(r) for r in (page_again, fragment_again, layout_again)] == ["hit"] * 3
    assert "<html" in page_again.text
    assert "<html" not in fragment_again.text
    assert len({page.text, fragment.text, layout.text}) == 3
    assert _without_nonce(fragment_again) == _without_nonce(fragment)
    assert _without_nonce(page_again) == _without_nonce(page)
    assert "HX-Request" in page_again["Vary"]


def test_an_edit_shows_at_once(client):
    event = make_event(slug="a", title="Talks open in Doha")
    page = reverse("timeline:event", args=["a"])
    timeline = reverse("timeline:timeline")
    client.get(page), client.get(timeline, **HTMX)
    assert cached(client.get(page)) == "hit"
    Event.objects.filter(pk=event.pk).update(title="Talks opened in Doha")  # no signals
    for response in (client.get(page), client.get(timeline, **HTMX)):
        assert cached(response) == "miss"
        assert "Talks opened in Doha" in response.text


def test_an_admin_save_shows_at_once(client, admin_client):
    from timeline.tests.test_admin import change_url, event_form

    event = make_event(slug="t", title="Talks open in Doha", status="published")
    page = reverse("timeline:event", args=["t"])
    client.get(page)
    assert cached(client.get(page)) == "hit"
    data = event_form(title="Talks opened in Doha", slug="t", status="published")
    response = admin_client.post(change_url(event), {**data, "change_reason": "Tense"})
    assert response.status_code == 302
    after = client.get(page)
    assert "Talks opened in Doha" in after.text
    assert cached(after) == "miss"


def test_publishing_shows_at_once(client):
    from timeline.roles import make_editor

    reviewer, _ = make_editor(username="rev", reviewer=True)
    desk = Client()
    desk.force_login(reviewer)
    make_event(slug="seen", title="Already there", status="published")
    proposal = make_event(slug="new", title="Ceasefire agreed", status="proposed")
    timeline = reverse("timeline:timeline")
    client.get(timeline, **HTMX)
    assert "Ceasefire agreed" not in client.get(timeline, **HTMX).text
    desk.post(reverse("review:act", args=[proposal.pk]), {"action": "publish", "reason": "Ok"})
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PUBLISHED
    assert "Ceasefire agreed" in client.get(timeline, **HTMX).text


def test_an_import_shows_at_once(client, tmp_path):
    from timeline.datasets.acled import import_acled
    from timeline.tests.test_import_acled import sample_rows, write_rows

    timeline = reverse("timeline:timeline")
    before = client.get(timeline, **HTMX)
    assert cached(client.get(timeline, **HTMX)) == "hit"
    import_acled(path=write_rows(tmp_path / "sample.csv", sample_rows()))
    after = client.get(timeline, **HTMX)
    assert cached(after) == "miss"
    assert after.text != before.text
    assert "acled" in after.text.lower() or Event.objects.count() > 0


def test_staff_and_signed_in_users_never_get_a_cached_page(client, admin_user):
    make_event(slug="p", title="A proposal", status="proposed")
    url = reverse("timeline:timeline")
    client.get(url)
    assert cached(client.get(url)) == "hit"
    client.force_login(admin_user)
    for _ in range(2):
        response = client.get(url)
        assert cached(response) is None
        assert "A proposal" in response.text  # staff see proposals


def test_a_browser_pinned_to_the_primary_is_not_served_from_the_cache(client):
    from config.replicas import PIN_COOKIE

    url = reverse("timeline:timeline")
    client.get(url)
    client.cookies[PIN_COOKIE] = "99999999999"
    assert cached(client.get(url)) is None


def test_a_bad_filter_message_is_not_cached(client):
    url = reverse("timeline:timeline")
    for _ in range(2):
        response = client.get(url, {"sub_type": "no-such-sub-type"}, **HTMX)
        assert response.status_code == 400
        assert cached(response) is None


def test_a_response_that_sets_a_cookie_is_not_cached(client):
    # The admin's sign-in form uses the CSRF token (and is excluded by path anyway);
    # a page of ours that uses it must not be cached either.
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from timeline import response_cache

    request_factory_response = HttpResponse("x")

    class Request:
        META = {}
        _messages = None

    get_token_request = Request()
    get_token_request.META = {"CSRF_COOKIE": "a" * 32}
    get_token(get_token_request)
    assert not response_cache.storable(get_token_request, request_factory_response)
    with_cookie = HttpResponse("x")
    with_cookie.set_cookie("c", "1")
    assert not response_cache.storable(Request(), with_cookie)
    assert response_cache.storable(Request(), HttpResponse("x"))


def test_a_response_varying_on_another_header_is_not_cached():
    from django.http import HttpResponse

    from timeline import response_cache

    class Request:
        META = {}
        _messages = None

    response = HttpResponse("x")
    response["Vary"] = "Accept-Language"
    assert not response_cache.storable(Request(), response)
    response["Vary"] = "HX-Request, HX-Target, Cookie"
    assert response_cache.storable(Request(), response)


@override_settings(RESPONSE_CACHE_SECONDS=0)
def test_the_cache_can_be_turned_off(client):
    url = reverse("timeline:timeline")
    client.get(url)
    assert cached(client.get(url)) is None


def test_exports_are_streamed_and_not_cached(client):
    make_event(slug="a")
    url = reverse("timeline:events-csv")
    client.get(url)
    assert cached(client.get(url)) is None


def test_a_new_release_does_not_serve_the_old_code_s_pages(client, settings, tmp_path):
    from timeline import response_cache

    url = reverse("timeline:timeline")
    client.get(url)
    assert cached(client.get(url)) == "hit"
    template = tmp_path / "templates" / "base.html"
    template.parent.mkdir()
    template.write_text("old")
    settings.BASE_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "static"
    response_cache.code_version.cache_clear()
    try:
        before = response_cache.code_version()
        assert cached(client.get(url)) == "miss"  # another code version: another key
        template.write_text("the new release")
        response_cache.code_version.cache_clear()
        assert response_cache.code_version() != before
    finally:
        response_cache.code_version.cache_clear()


@pytest.mark.parametrize(
    "url",
    [
        "/events/a/",
        "/facets/actor/",
        "/map/",
        "/map/data.json",
        "/chart.csv",
        "/actors/hamas/",
    ],
)
def test_the_public_pages_are_cached_too(client, url):
    from timeline.tests.factories import make_actor

    hamas = make_actor(slug="hamas", name="Hamas")
    make_event(slug="a", title="Talks in Doha", actors=[hamas])
    first = client.get(url)
    assert first.status_code == 200
    again = client.get(url)
    assert (cached(first), cached(again)) == ("miss", "hit")
    assert _without_nonce(again) == _without_nonce(first)


def test_one_request_reads_from_one_replica(rf, settings, monkeypatch):
    """With replicas at different lags, a page and the data version it is cached under
    must come from the same one."""
    from types import SimpleNamespace

    from config import replicas
    from config.replicas import PrimaryPinningMiddleware, PrimaryReplicaRouter

    # Outside the test's transaction, as a request is.
    monkeypatch.setattr(
        replicas, "connections", {"default": SimpleNamespace(in_atomic_block=False)}
    )
    settings.READ_REPLICAS_ENABLED = True
    settings.REPLICA_DATABASES = [f"replica_{n}" for n in range(1, 9)]
    router = PrimaryReplicaRouter()
    chosen: list[set[str]] = []

    def view(request):
        chosen.append({router.db_for_read(Event) for _ in range(30)})
        return HttpResponse("ok")

    from django.http import HttpResponse

    middleware = PrimaryPinningMiddleware(view)
    for _ in range(20):
        middleware(rf.get("/"))
    assert all(len(aliases) == 1 for aliases in chosen)
    assert len(set().union(*chosen)) > 1  # still spread over the replicas, by request


def test_a_page_kept_yesterday_is_not_served_today(client, monkeypatch):
    """chart.csv names its file after today's date; a copy kept yesterday would carry
    yesterday's name (and any page may show what 'today' is), so a new day is a new key."""
    from datetime import date

    from django.utils import timezone

    make_event(slug="a", title="Talks in Doha")
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 12, 1))
    first = client.get("/chart.csv")
    assert 'filename="chart-2026-12-01.csv"' in first["Content-Disposition"]
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 12, 2))
    next_day = client.get("/chart.csv")
    assert cached(next_day) == "miss"
    assert 'filename="chart-2026-12-02.csv"' in next_day["Content-Disposition"]
