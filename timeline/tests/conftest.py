"""Fixtures for the browser and HTML-validity checks, and the summary line each prints.

`chromium` is the one place that decides what a missing browser means: a skip with the
reason locally, a failure when REQUIRE_BROWSER=1 (CI); `vnu` does the same for the Nu HTML
Checker with REQUIRE_VNU=1.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management import call_command

from checks.html_validity import find_vnu
from timeline.models import Actor, Article, Event, Evidence, Location
from timeline.tests import browser
from timeline.tests.factories import make_acled_event

seed_event_types = import_module("timeline.migrations.0002_seed_event_types").seed_event_types
seed_taxonomy = import_module("timeline.migrations.0005_seed_taxonomy").seed_taxonomy
SEED_DIR = Path(settings.BASE_DIR) / "fixtures"
# A 1×1 transparent PNG: what map tiles get in tests, so no request leaves the machine.
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)

# Measured totals, printed at the end of the run so CI shows them even when they are zero.
CHECK_TOTALS: dict[str, list[int]] = {}


@pytest.fixture
def record_check() -> Callable[..., None]:
    """record_check(name, problems=, checked=): add to the totals printed at the end."""

    def record(name: str, *, problems: int, checked: int) -> None:
        totals = CHECK_TOTALS.setdefault(name, [0, 0])
        totals[0] += problems
        totals[1] += checked

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    if not CHECK_TOTALS:
        return
    terminalreporter.section("accessibility and HTML checks")
    for name, (problems, checked) in CHECK_TOTALS.items():
        terminalreporter.write_line(f"{name}: {problems} (over {checked} page checks)")


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium under Playwright; skip (or, with REQUIRE_BROWSER=1, fail) if absent."""

    def unavailable(reason: str):
        if browser.browser_required():
            pytest.fail(f"{reason} (REQUIRE_BROWSER=1, so this is a failure)", pytrace=False)
        pytest.skip(f"{reason}; set REQUIRE_BROWSER=1 to make this a failure")

    executable = browser.find_chromium()
    if executable is None:
        unavailable("no Chromium found (looked at $CHROMIUM_PATH, /usr/bin/chromium, PATH)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("Playwright for Python is not installed")
    playwright = sync_playwright().start()
    try:
        launched = playwright.chromium.launch(
            executable_path=executable, args=browser.CHROMIUM_ARGS
        )
    except Error as exc:
        playwright.stop()
        unavailable(f"Chromium at {executable} did not start: {exc.message.splitlines()[0]}")
    yield launched
    launched.close()
    playwright.stop()


@pytest.fixture(scope="session")
def vnu() -> list[str]:
    """The command that runs the Nu HTML Checker; skip (or, with REQUIRE_VNU=1, fail) if absent."""
    command, reason = find_vnu()
    if command is None:
        if os.environ.get("REQUIRE_VNU") == "1":
            pytest.fail(f"{reason} (REQUIRE_VNU=1, so this is a failure)", pytrace=False)
        pytest.skip(f"{reason}; set REQUIRE_VNU=1 to make this a failure")
    return command


@pytest.fixture
def open_page(chromium, live_server) -> Iterator[Callable[..., tuple]]:
    """A factory: open_page(path, color_scheme=, viewport=, javascript=) -> (page, PageLog).

    Each call gets a fresh browser context that records every request, console error and
    uncaught exception; map tiles from the configured tile host are answered locally.
    """
    contexts = []
    tile_origin = browser.origin_of(settings.MAP_TILE_URL) if settings.MAP_TILE_URL else None

    def open_(
        path: str | None = None,
        *,
        color_scheme: str = "light",
        viewport: tuple[int, int] = (1280, 900),
        javascript: bool = True,
    ):
        context = chromium.new_context(
            base_url=live_server.url,
            color_scheme=color_scheme,
            viewport={"width": viewport[0], "height": viewport[1]},
            java_script_enabled=javascript,
            reduced_motion="reduce",
        )
        contexts.append(context)
        if tile_origin:
            context.route(
                lambda url: url.startswith(tile_origin),
                lambda route: route.fulfill(status=200, content_type="image/png", body=BLANK_PNG),
            )
        log = browser.PageLog()
        context.expose_binding(
            "__reportCspViolation", lambda _source, report: log.csp_reports.append(report)
        )
        context.add_init_script(browser.CSP_REPORTER)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("request", lambda request: log.requests.append(request.url))
        page.on("console", log.record_console)
        page.on("pageerror", lambda error: log.page_errors.append(str(error)))
        if path is not None:
            page.goto(path)
        return page, log

    yield open_
    for context in contexts:
        context.close()


@dataclass
class Sample:
    """Objects the checks visit: an event with evidence, its article, an actor, a place, and
    an event imported from ACLED (its record, sides and coded figure)."""

    event: Event
    evidence: Evidence
    article: Article
    actor: Actor
    location: Location
    dataset_event: Event

    def pages(self) -> dict[str, str]:
        """Every kind of page, by name: the set that axe and the HTML checker look at."""
        return {
            "timeline": "/",
            "timeline-filtered": f"/?type={self.event.type.slug}&sort=-date",
            "event": self.event.get_absolute_url(),
            "article": self.article.get_absolute_url(),
            "actor": self.actor.get_absolute_url(),
            "location": self.location.get_absolute_url(),
            "event-dataset": self.dataset_event.get_absolute_url(),
        }


@pytest.fixture
def site_sample(db) -> Sample:
    """The seed fixtures (fixtures/), imported as an operator would, and the pages to visit.

    The event types come from a data migration, and the flush after each transactional
    (live_server) test deletes them. Serialized rollback cannot restore them here: while
    Playwright's event loop runs in the test thread, Django keeps its connections in
    context-local storage, so a connection made before Playwright started (and carrying
    the serialized data) is not the one used after. The migration's own seeding runs
    again instead; it is idempotent.
    """
    seed_event_types(django_apps, None)
    seed_taxonomy(django_apps, None)
    call_command("import_fixtures", str(SEED_DIR), stdout=StringIO())
    evidence = last_unshared_evidence()
    assert evidence is not None, "the seed fixtures have no published evidence"
    published = Event.objects.published()
    actor = Actor.objects.filter(events__in=published).order_by("name").first()
    location = Location.objects.filter(events__in=published).order_by("name").first()
    assert actor is not None and location is not None, "the seed fixtures need an actor and a place"
    # An ACLED row in the shape the importer gives it (Israel's forces resolved to the
    # seed's "Israel", as the importer's aliases do).
    israel = Actor.objects.filter(name="Israel").first()
    dataset_event = make_acled_event(
        resolve={"Military Forces of Israel (2022-)": israel} if israel else {}
    )
    return Sample(
        event=evidence.event,
        evidence=evidence,
        article=evidence.article,
        actor=actor,
        location=location,
        dataset_event=dataset_event,
    )


def last_unshared_evidence() -> Evidence | None:
    """The published evidence furthest into its article that no other evidence overlaps.

    Furthest in, so that landing on its mark means the reader scrolled; unshared, so that
    its mark holds the whole quote.
    """
    spans = Evidence.objects.filter(event__status=Event.Status.PUBLISHED).select_related(
        "event__type", "article"
    )
    for evidence in spans.order_by("-start", "id"):
        overlapped = Evidence.objects.filter(
            article_id=evidence.article_id, start__lt=evidence.end, end__gt=evidence.start
        ).exclude(pk=evidence.pk)
        if not overlapped.exists():
            return evidence
    return None
