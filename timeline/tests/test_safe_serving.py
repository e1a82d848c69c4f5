"""Serving safely: no start on the development key with DEBUG off, a throttled admin
sign-in, HEAD wherever GET, and no unknown query parameter copied into any link."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from timeline.models import LoginFailures
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_location,
)

ROOT = Path(settings.BASE_DIR)


# -- the secret key --------------------------------------------------------------------


def start_web_app(**env: str) -> subprocess.CompletedProcess:
    """Load the WSGI application as gunicorn does, in a fresh process."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_without_a_secret_key_refuses_to_start():
    started = start_web_app(DEBUG="0")
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    assert "SECRET_KEY is not set and DEBUG is off" in started.stderr


def test_debug_off_with_the_development_key_refuses_to_start():
    started = start_web_app(DEBUG="0", SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr


def test_debug_off_with_a_real_key_starts():
    started = start_web_app(
        DEBUG="0", SECRET_KEY="x" * 10 + "a-real-secret-of-fifty-characters-or-so"
    )
    assert started.returncode == 0, started.stderr


def test_debug_on_starts_on_the_development_key():
    started = start_web_app(DEBUG="1")
    assert started.returncode == 0, started.stderr


# -- admin sign-in throttle --------------------------------------------------------------


def sign_in(client, password: str):
    return client.post(
        reverse("admin:login"), {"username": "editor", "password": password, "next": "/admin/"}
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def editor(db):
    return User.objects.create_user("editor", password="right-password", is_staff=True)


def test_twenty_wrong_passwords_then_the_right_one_is_refused(client, editor):
    for _ in range(20):
        assert sign_in(client, "wrong").status_code in (200, 429)
    response = sign_in(client, "right-password")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many failed sign-ins" in response.content.decode()
    assert not signed_in(client)


def test_a_few_wrong_passwords_still_let_the_right_one_in(client, editor):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    assert sign_in(client, "right-password").status_code == 302
    assert signed_in(client)
    assert not LoginFailures.objects.exists()


def test_the_lock_lifts_when_its_time_is_up(client, editor):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "wrong")
    assert sign_in(client, "right-password").status_code == 429
    LoginFailures.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, "right-password").status_code == 302


def test_the_lock_is_per_user_name_whatever_the_case(client, editor):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("admin:login"), {"username": "EDITOR", "password": "wrong"})
    assert sign_in(client, "right-password").status_code == 429


# -- HEAD wherever GET ---------------------------------------------------------------------


def every_url_pattern(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from every_url_pattern(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield (namespace.strip(":"), pattern.name, prefix + str(pattern.pattern))


def test_head_is_answered_wherever_get_is(client, db):
    place = make_location(slug="gaza", latitude=31.5, longitude=34.4)
    actor = make_actor(slug="israel")
    article = make_article(slug="wire")
    event = make_event(slug="talks", location=place, actors=[actor])
    make_evidence(event=event, article=article, quote=article.text[:20])
    slugs = {
        "event": "talks",
        "article": "wire",
        "actor": "israel",
        "location": "gaza",
        "facet": "actor",
        # The review desk's actions on one event.
        "act": event.pk,
        "edit": event.pk,
        "revert": event.pk,
    }
    checked = 0
    for namespace, name, route in every_url_pattern(get_resolver()):
        if namespace.startswith("admin") or name is None:
            continue  # the admin answers HEAD itself; it is checked below
        converters = re.findall(r"<(?:(\w+):)?(\w+)>", route)
        kwargs = {}
        for _, argument in converters:
            assert name in slugs, f"add a sample for {namespace}:{name} ({route}) to this test"
            kwargs[argument] = slugs[name]
        url = reverse(f"{namespace}:{name}" if namespace else name, kwargs=kwargs)
        get = client.get(url)
        head = client.head(url)
        if get.status_code == 405:
            continue  # POST only (the review desk's actions): no GET, so no HEAD either
        assert head.status_code == get.status_code, f"HEAD {url}"
        assert head.status_code != 405
        checked += 1
    assert checked >= 13
    for url in ("/admin/login/", "/admin/"):
        assert client.head(url).status_code == client.get(url).status_code


# -- unknown parameters dropped from links --------------------------------------------------


JUNK = "junkparam"


@pytest.fixture
def filtered_world(db):
    place = make_location(slug="gaza", name="Gaza", latitude=31.5, longitude=34.4)
    actor = make_actor(slug="israel", name="Israel")
    article = make_article(slug="wire")
    for n in range(60):  # more than a page, so "load more" is a link too
        event = make_event(slug=f"talks-{n}", location=place, actors=[actor])
        if n == 0:
            make_evidence(event=event, article=article, quote=article.text[:20])


def links_in(html: str) -> list[str]:
    return re.findall(r'(?:href|action|data-hx-get|data-[\w-]*url)="([^"]*)"', html)


@pytest.mark.parametrize(
    ("path", "params", "headers"),
    [
        ("/", {"type": "negotiation", "q": "talks", "from": "2025-01-01"}, {}),
        ("/", {"actor": "israel", "sort": "-date"}, {"HTTP_HX_REQUEST": "true"}),
        ("/", {"location": "gaza", "cursor": "2025-07-06.5"}, {"HTTP_HX_REQUEST": "true"}),
        ("/map/", {"type": "negotiation"}, {}),
        ("/map/data.json", {"type": "negotiation", "zoom": "2"}, {}),
        ("/actors/israel/", {}, {}),
        ("/locations/gaza/", {}, {}),
    ],
)
def test_an_unknown_parameter_appears_in_no_generated_link(
    client, filtered_world, path, params, headers
):
    response = client.get(path, {**params, JUNK: "x" * 2000}, **headers)
    assert response.status_code == 200
    text = response.content.decode()
    assert JUNK not in text
    assert "x" * 100 not in text
    if path == "/" and not headers:
        assert len(links_in(text)) > 10  # the links are there, only without the junk


def test_an_empty_unknown_parameter_is_not_kept_by_the_no_javascript_redirect(
    client, filtered_world
):
    response = client.get("/", {"type": "negotiation", "q": "", JUNK: ""})
    assert response.status_code == 302
    assert JUNK not in response["Location"]


def test_admin_keeps_its_own_parameters(admin_client):
    response = admin_client.get("/admin/timeline/event/", {"status__exact": "published"})
    assert response.status_code == 200
    assert "status__exact=published" in response.content.decode()


def test_a_merged_actors_redirect_keeps_the_filter_but_not_an_unknown_parameter(client, db):
    from timeline.models import ActorRedirect

    actor = make_actor(slug="hamas")
    ActorRedirect.objects.create(old_slug="hamas-movement", actor=actor)
    response = client.get("/actors/hamas-movement/", {"type": "negotiation", JUNK: "x"})
    assert response.status_code == 301
    assert "type=negotiation" in response["Location"]
    assert JUNK not in response["Location"]
