"""The analyst's path in a real browser: filter, open an event, follow its evidence to the
marked sentence, with and without JavaScript, by keyboard, on a phone; and every page free
of third-party requests, console errors, CSP violations and axe-core violations.

Screenshots go to $SCREENSHOT_DIR when it is set (e.g. SCREENSHOT_DIR=/tmp/screens).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve
from playwright.sync_api import expect

from timeline.models import Event
from timeline.tests import browser

pytestmark = [
    pytest.mark.e2e,
    # live_server's thread must see the test data, so it is committed (and flushed after).
    pytest.mark.django_db(transaction=True),
]

CARDS = "#event-list .event-card[data-event]"
PHONE = (360, 740)


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def card_slugs(page) -> list[str]:
    return page.locator(CARDS).evaluate_all("cards => cards.map(c => c.dataset.event)")


def facet_counts(page) -> dict[str, str]:
    """Every facet option's data-count, keyed by its control's name and value."""
    return page.locator("#facets").evaluate(
        """facets => Object.fromEntries(
            [...facets.querySelectorAll('[data-count]')].map(el => {
                const isOption = el.matches('option');
                const control = isOption ? el.closest('select') : el.querySelector('input');
                const value = isOption ? el.value : control?.value;
                return [`${control?.name}=${value}`, el.dataset.count];
            }))"""
    )


def published_slugs(**filters) -> set[str]:
    return set(Event.objects.published().filter(**filters).values_list("slug", flat=True))


def assert_clean(log: browser.PageLog, live_server) -> None:
    """No request left our host (map tiles excepted), no console errors, no CSP violations."""
    allowed = {live_server.url}
    if settings.MAP_TILE_URL:
        allowed.add(browser.origin_of(settings.MAP_TILE_URL))
    assert log.foreign_requests(allowed) == []
    assert log.csp_reports == [], "CSP violations:\n" + "\n".join(map(str, log.csp_reports))
    assert log.csp_violations() == []
    assert log.console_errors == []
    assert log.page_errors == []


def assert_on_the_mark(page, evidence) -> None:
    """The reader is open at the evidence mark: in the URL, in the DOM, on screen.

    Where spans overlap, the anchored mark holds the start of the quote, not all of it.
    """
    expect(page).to_have_url(re.compile(rf"/articles/{evidence.article.slug}/#ev-{evidence.pk}$"))
    mark = page.locator(f"mark#ev-{evidence.pk}")
    expect(mark).to_have_count(1)
    marked = mark.text_content()
    assert marked and (evidence.quote in marked or evidence.quote.startswith(marked))
    expect(mark).to_be_in_viewport()
    expect(page.locator(":target")).to_have_attribute("id", f"ev-{evidence.pk}")


def test_ticking_an_event_type_swaps_the_list_pushes_the_url_and_back_restores_it(
    open_page, live_server, site_sample
):
    type_slug = site_sample.event.type.slug
    expected = published_slugs(type__slug=type_slug)
    everything = published_slugs()
    assert 0 < len(expected) < len(everything), "the sample needs a type that narrows the list"
    page, log = open_page("/")
    assert set(card_slugs(page)) == everything
    counts_before = facet_counts(page)
    screenshot(page, "timeline-desktop")

    page.get_by_label(re.compile(re.escape(site_sample.event.type.name))).first.check()

    expect(page).to_have_url(re.compile(rf"\?(.*&)?type={type_slug}(&|$)"))
    expect(page.locator(CARDS)).to_have_count(len(expected))
    assert set(card_slugs(page)) == expected
    classes = page.locator(CARDS).evaluate_all("cards => cards.map(c => c.className)")
    assert all(f"type-{type_slug}" in c.split() for c in classes)
    assert page.locator(f"#type-{type_slug}").is_checked()
    swapped_counts = facet_counts(page)
    assert swapped_counts != counts_before
    fresh, _ = open_page(f"/?type={type_slug}")
    assert swapped_counts == facet_counts(fresh), "the swap must bring the facet counts along"

    page.go_back()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(CARDS)).to_have_count(len(everything))
    assert not page.locator(f"#type-{type_slug}").is_checked()
    assert facet_counts(page) == counts_before
    assert_clean(log, live_server)


def test_an_event_opened_from_the_list_leads_by_its_evidence_to_the_focused_mark(
    open_page, live_server, site_sample
):
    page, log = open_page("/")
    page.locator(f'{CARDS}[data-event="{site_sample.event.slug}"] .event-title a').click()
    expect(page).to_have_url(f"{live_server.url}{site_sample.event.get_absolute_url()}")
    screenshot(page, "event")

    page.locator(f'.source-quote a[href$="#ev-{site_sample.evidence.pk}"]').click()

    assert_on_the_mark(page, site_sample.evidence)
    mark = page.locator(f"mark#ev-{site_sample.evidence.pk}")
    # The sample's evidence overlaps no other, so its one mark holds the whole quote.
    assert site_sample.evidence.quote in mark.text_content()
    expect(mark).to_be_focused()
    screenshot(page, "article-mark")
    assert_clean(log, live_server)


def test_without_javascript_the_filter_form_submits_and_evidence_links_still_reach_the_mark(
    open_page, live_server, site_sample
):
    type_slug = site_sample.event.type.slug
    page, log = open_page("/", javascript=False)

    page.locator(f"#type-{type_slug}").check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(rf"\?(.*&)?type={type_slug}(&|$)"))
    assert set(card_slugs(page)) == published_slugs(type__slug=type_slug)
    page.locator(f'{CARDS}[data-event="{site_sample.event.slug}"] .event-title a').click()
    expect(page).to_have_url(f"{live_server.url}{site_sample.event.get_absolute_url()}")
    page.locator(f'.source-quote a[href$="#ev-{site_sample.evidence.pk}"]').click()
    assert_on_the_mark(page, site_sample.evidence)
    assert_clean(log, live_server)


def tab_until(page, selector: str, *, limit: int = 120) -> list[str]:
    """Press Tab until the focused element matches `selector`; the focus outlines seen."""
    outlines = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """selector => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                return {matches: el.matches(selector), outline: style.outlineStyle};
            }""",
            selector,
        )
        outlines.append(focused["outline"])
        if focused["matches"]:
            return outlines
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def test_the_whole_path_works_by_keyboard_alone_with_visible_focus(
    open_page, live_server, site_sample
):
    type_slug = site_sample.event.type.slug
    page, log = open_page("/")

    tab_until(page, f"#type-{type_slug}")
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(rf"\?(.*&)?type={type_slug}(&|$)"))
    expect(page.locator(CARDS)).to_have_count(len(published_slugs(type__slug=type_slug)))
    outlines = tab_until(page, f"{CARDS} .event-title a")
    assert outlines[-1] != "none", "a focused event link must show a focus outline"
    first_card = page.locator(CARDS).first.get_attribute("data-event")
    page.keyboard.press("Enter")
    event = Event.objects.get(slug=first_card)
    expect(page).to_have_url(f"{live_server.url}{event.get_absolute_url()}")
    evidence = event.evidence.order_by("id").first()
    outlines = tab_until(page, f'.source-quote a[href$="#ev-{evidence.pk}"]')
    assert outlines[-1] != "none", "a focused evidence link must show a focus outline"
    page.keyboard.press("Enter")

    assert_on_the_mark(page, evidence)
    expect(page.locator(f"mark#ev-{evidence.pk}")).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    assert_clean(log, live_server)


@pytest.mark.parametrize("name", ["timeline", "event", "event-dataset", "article"])
def test_pages_fit_a_phone_screen_without_sideways_scrolling(open_page, site_sample, name):
    page, _ = open_page(site_sample.pages()[name], viewport=PHONE)
    screenshot(page, f"{name}-phone", full_page=False)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"{name} is {width}px wide on a {PHONE[0]}px screen"


PAGES = [
    "timeline",
    "timeline-filtered",
    "event",
    "event-dataset",
    "article",
    "actor",
    "location",
    "map",
]


def path_for(site_sample, name: str) -> str:
    if name == "map":
        try:
            resolve("/map/")
        except Resolver404:
            pytest.skip("there is no /map/ page yet")
        return "/map/"
    return site_sample.pages()[name]


@pytest.mark.parametrize("name", PAGES)
def test_pages_make_no_third_party_requests_console_errors_or_csp_violations(
    open_page, live_server, site_sample, name
):
    page, log = open_page()
    page.goto(path_for(site_sample, name), wait_until="networkidle")
    assert_clean(log, live_server)


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_pages_have_no_axe_violations(open_page, site_sample, record_check, name, color_scheme):
    page, _ = open_page(color_scheme=color_scheme)
    page.goto(path_for(site_sample, name), wait_until="networkidle")
    if name in ("map", "actor") or (name == "timeline" and color_scheme == "dark"):
        screenshot(page, f"{name}-{color_scheme}")
    if name == "article" and color_scheme == "dark":
        page.goto(site_sample.evidence.get_absolute_url())
        screenshot(page, "article-mark-dark")

    violations = browser.axe_violations(page)

    record_check("axe violations", problems=len(violations), checked=1)
    assert violations == [], (
        f"axe-core on {name} ({color_scheme}):\n{browser.describe_violations(violations)}"
    )


def test_an_acled_event_page_shows_the_coding_panel_both_sides_and_acleds_coded_figure(
    open_page, live_server, site_sample, record_check
):
    event = site_sample.dataset_event
    for color_scheme in ("light", "dark"):
        for width, height in ((1280, 900), PHONE):
            page, log = open_page(
                event.get_absolute_url(), color_scheme=color_scheme, viewport=(width, height)
            )
            screenshot(page, f"event-acled-{color_scheme}-{width}")
            screenshot(page, f"event-acled-{color_scheme}-{width}-top", full_page=False)
            assert_clean(log, live_server)

    panel = page.get_by_role("region", name="As coded by ACLED")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("PSE75473")
    expect(panel.locator("dt")).to_have_count(31)
    expect(panel.locator("dd").filter(has_text="Fatalities coded as at least 4.")).to_be_visible()
    sides = page.locator("dd.sides")
    expect(sides).to_contain_text("Side A: Israel")
    expect(sides).to_contain_text(
        "vs Side B: PIJ: Palestinian Islamic Jihad; associated: Civilians (Palestine), "
        "Journalists (Palestine)"
    )
    expect(sides.get_by_role("link")).to_have_count(4)
    coded = page.locator('.figure-list li[data-basis="coding"]')
    expect(coded).to_have_text(
        re.compile(r"^Dataset coding\s+ACLED coded at least 4 fatalities, from: Al Ghad \(Jordan\)")
    )
    expect(page.locator(".figure-list")).not_to_contain_text("claimed by")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"the event page is {width}px wide on a {PHONE[0]}px screen"

    violations = browser.axe_violations(page)

    record_check("axe violations", problems=len(violations), checked=1)
    assert violations == [], browser.describe_violations(violations)
