"""The workbench in a real browser (issue 10's "Done when"): pages that survive Back, one
request per Enter, chips that swap in place, the table sorted by killed, a comparison of two
actors by month, and the map fitted to the data with a legend and no tiles; each at 1280
and 360 px, light and dark, with axe 0 and no console errors.

Screenshots go to $SCREENSHOT_DIR when it is set.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.apps import apps as django_apps
from django.test import override_settings
from playwright.sync_api import expect

from timeline.tests import browser
from timeline.tests.conftest import seed_event_types
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)
from timeline.tests.test_browser import CARDS, assert_clean, card_slugs, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1280, 900), "phone": (360, 740)}
LOOKS = [(size, scheme) for size in SIZES for scheme in ("light", "dark")]


@pytest.fixture
def many_events(db):
    """180 events over 180 days at three places, two actors, killed figures on some."""
    # The flush after each transactional test deletes the seeded types (see conftest).
    seed_event_types(django_apps, None)
    places = [
        make_location(slug=slug, name=name, latitude=lat, longitude=lon)
        for slug, name, lat, lon in (
            ("gaza-city", "Gaza City", 31.52, 34.45),
            ("khan-younis", "Khan Younis", 31.34, 34.30),
            ("rafah", "Rafah", 31.29, 34.25),
        )
    ]
    hamas = make_actor(slug="hamas", name="Hamas")
    pij = make_actor(slug="pij", name="PIJ")
    israel = make_actor(slug="israel", name="Israel")
    article = make_article(slug="wire", outlet="Wire One", text="A strike was reported.")
    types = ["military-strike", "armed-clash", "casualty-report"]
    for i in range(180):
        event = make_event(
            slug=f"ev-{i:03d}",
            title=f"Event number {i}",
            type=types[i % 3],
            date_start=date(2024, 11, 1) + timedelta(days=i),
            location=places[i % 3],
            actors=[israel, hamas if i % 2 else pij],
        )
        make_evidence(event=event, article=article, quote="A strike was reported")
        if i % 4 == 0:
            make_figure(event=event, low=i % 17 + 1)


def assert_accessible(page, what: str) -> None:
    violations = browser.axe_violations(page)
    assert violations == [], f"axe-core on {what}:\n{browser.describe_violations(violations)}"


@pytest.mark.parametrize(("size", "scheme"), LOOKS)
def test_two_more_pages_an_event_and_back_restore_the_same_cards_and_scroll(
    open_page, live_server, many_events, size, scheme
):
    page, log = open_page("/?type=military-strike", viewport=SIZES[size], color_scheme=scheme)
    # 60 strikes: one page of 50, then the rest; open every type for three pages.
    page.goto("/")
    for pages in (2, 3):
        page.locator("#load-more a").click()
        expect(page).to_have_url(re.compile(rf"[?&]pages={pages}(&|$)"))
        expect(page.locator(CARDS)).to_have_count(50 * pages)
    shown = card_slugs(page)
    assert len(shown) == len(set(shown)) == 150
    headings = page.locator(".month-heading").all_text_contents()
    assert len(headings) == len(set(headings)), f"a month heading repeats: {headings}"
    target = page.locator(CARDS).nth(120)
    target.scroll_into_view_if_needed()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 1000
    target.locator(".event-title a").click()
    expect(page).to_have_url(re.compile(r"/events/ev-\d+/$"))
    screenshot(page, f"workbench-event-{size}-{scheme}")
    assert_accessible(page, f"the event page ({size}, {scheme})")

    page.go_back()

    expect(page).to_have_url(re.compile(r"[?&]pages=3(&|$)"))
    expect(page.locator(CARDS)).to_have_count(150)
    assert card_slugs(page) == shown
    page.wait_for_function("y => Math.abs(window.scrollY - y) < 80", arg=scrolled)
    screenshot(page, f"workbench-pages-{size}-{scheme}", full_page=False)
    assert_accessible(page, f"three pages of cards ({size}, {scheme})")
    assert_clean(log, live_server)


def test_enter_in_the_search_box_sends_one_request_and_adds_one_history_entry(
    open_page, live_server, many_events
):
    page, log = open_page("/")
    searches = []
    page.on("request", lambda r: searches.append(r.url) if "q=number" in r.url else None)
    history_before = page.evaluate("history.length")
    box = page.locator("#q")
    box.fill("number")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=number(&|$)"))
    page.wait_for_timeout(1200)  # past the typing delay, which must not send it again
    assert len(searches) == 1, searches
    assert page.evaluate("history.length") == history_before + 1
    assert_clean(log, live_server)


@pytest.mark.parametrize(("size", "scheme"), LOOKS)
def test_removing_a_chip_swaps_the_results_without_a_reload(
    open_page, live_server, many_events, size, scheme
):
    page, log = open_page(
        "/?type=armed-clash&actor=hamas", viewport=SIZES[size], color_scheme=scheme
    )
    page.evaluate("window.__sameDocument = true")
    narrowed = page.locator(CARDS).count()
    page.get_by_role("link", name="Remove filter Type: Armed clash").click()
    expect(page).to_have_url(f"{live_server.url}/?actor=hamas")
    expect(page.locator(CARDS)).not_to_have_count(narrowed)
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert not page.locator("#type-armed-clash").is_checked()
    assert_accessible(page, f"the timeline after a chip ({size}, {scheme})")
    assert_clean(log, live_server)


@pytest.mark.parametrize(("size", "scheme"), LOOKS)
def test_the_table_view_sorted_by_killed(open_page, live_server, many_events, size, scheme):
    page, log = open_page("/", viewport=SIZES[size], color_scheme=scheme)
    page.get_by_role("link", name="Table", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]view=table(&|$)"))
    page.locator("#event-table thead").get_by_role("link", name="Killed").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-killed(&|$)"))
    expect(page.locator("#event-table th[aria-sort='descending']")).to_have_text(
        re.compile("Killed")
    )
    killed = page.locator("#event-table tbody td[data-killed]").evaluate_all(
        "cells => cells.map(c => Number(c.dataset.killed))"
    )
    assert len(killed) == 50
    assert killed == sorted(killed, reverse=True) and killed[0] == 17
    screenshot(page, f"workbench-table-{size}-{scheme}", full_page=False)
    assert_accessible(page, f"the table ({size}, {scheme})")
    assert_clean(log, live_server)


@pytest.mark.parametrize(("size", "scheme"), LOOKS)
def test_a_comparison_of_two_actors_by_month(open_page, live_server, many_events, size, scheme):
    page, log = open_page(
        "/?actor=hamas&actor=pij&split=actor&bucket=month&group=multiples",
        viewport=SIZES[size],
        color_scheme=scheme,
    )
    panels = page.locator(".chart-panel figcaption")
    expect(panels).to_have_count(2)
    assert [t.split()[0] for t in panels.all_text_contents()] == ["Hamas", "PIJ"]
    # Ticks say the year across the new year (Nov 2024 – Apr 2025).
    ticks = page.locator(".chart-panel").first.locator("svg g text").all_text_contents()
    assert "Nov 2024" in ticks and any("2025" in t for t in ticks)
    # The latest months are in view on a phone: the chart starts scrolled to its end.
    box = page.locator(".chart-scroll").first
    assert box.evaluate("b => b.scrollLeft + b.clientWidth >= b.scrollWidth - 2")
    # The bar colours stand out from the page in both themes.
    bar = page.locator(".chart-panel").first.locator("rect.chart-bar").first
    fill = bar.evaluate("r => getComputedStyle(r).fill")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert fill != background
    screenshot(page, f"workbench-compare-{size}-{scheme}", full_page=False)
    assert_accessible(page, f"the comparison ({size}, {scheme})")
    # A bar narrows the filter to its month and its actor.
    page.locator(".chart-panel").nth(1).locator(".chart-links a").first.dispatch_event("click")
    expect(page).to_have_url(re.compile(r"from=2024-11-01&to=2024-11-30"))
    assert_clean(log, live_server)


@pytest.mark.parametrize(("size", "scheme"), LOOKS)
def test_the_map_is_fitted_to_the_data_with_a_legend_and_no_network_tiles(
    open_page, live_server, many_events, size, scheme
):
    with override_settings(MAP_TILE_URL=""):
        page, log = open_page("/map/", viewport=SIZES[size], color_scheme=scheme)
        expect(page.locator("#map .leaflet-marker-icon").first).to_be_visible()
        expect(page.locator("#map path.map-basemap").first).to_be_attached()
        # Fitted: every event in view, at a zoom where the three towns stand apart.
        expect(page.locator("#map-status")).to_contain_text("180 events in view")
        zooms = [
            int(re.search(r"[?&]zoom=(\d+)", url)[1]) for url in log.requests if "data.json" in url
        ]
        assert zooms and zooms[-1] >= 9, zooms
        legend = page.locator(".map-legend")
        expect(legend).to_contain_text("Military strike")
        expect(legend).to_contain_text("100 killed")
        assert not [u for u in log.requests if "tile" in u]
        screenshot(page, f"workbench-map-{size}-{scheme}", full_page=False)
        assert_accessible(page, f"the map ({size}, {scheme})")
        assert_clean(log, live_server)


def test_the_type_ahead_finds_an_actor_with_its_count_and_narrows_to_it(
    open_page, live_server, many_events
):
    page, log = open_page("/?type=armed-clash")
    history_before = page.evaluate("history.length")
    page.get_by_role("link", name="All 3 actors").click()
    expect(page.locator("#actor-matches li")).to_have_count(3)
    assert_accessible(page, "the timeline with a facet's whole list open")
    page.locator("#find-actor").fill("ham")
    match = page.locator("#actor-matches a", has_text="Hamas")
    expect(match).to_have_count(1)
    expect(page.locator("#actor-matches")).to_contain_text("30")  # Hamas's armed clashes
    assert page.evaluate("history.length") == history_before  # a list search, not a filter
    match.click()
    expect(page).to_have_url(f"{live_server.url}/?type=armed-clash&actor=hamas")
    expect(page.locator(CARDS)).to_have_count(30)
    expect(page.locator("#actor-hamas")).to_be_checked()
    expect(page.get_by_role("link", name="All 1 place", exact=True)).to_be_visible()
    assert_clean(log, live_server)
