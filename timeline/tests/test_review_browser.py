"""The editors' desk in a real browser: an editor logs in, publishes a proposal with the
keyboard, edits one, merges one into a stored event and rejects one with a reason; the
public then sees the history and the merged evidence, the rejected URL is gone (410), and
no proposal shows anywhere. axe-core finds nothing on the desk; no CSP violations."""

from __future__ import annotations

import json
from datetime import date

import pytest
from playwright.sync_api import expect

from timeline.models import Event
from timeline.roles import make_editor
from timeline.tests import browser
from timeline.tests.factories import make_article, make_event, make_evidence, make_location
from timeline.tests.test_browser import assert_clean, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "desk-test-password-1"
TEXT = (
    "Rafah, July 8 Israeli strikes hit a school in Rafah on Monday, killing 12 people. "
    "Officials in Khan Younis reported shelling on Monday. "
    "Residents said an aid convoy reached Deir al-Balah on Monday. "
    "A clinic in Rafah was also damaged on Monday, a medic said."
)


@pytest.fixture
def desk(site_sample):
    user, _ = make_editor(username="rita", reviewer=True)
    user.set_password(PASSWORD)
    user.save()
    rafah = make_location(slug="rafah-desk", name="Rafah")
    article = make_article(
        slug="rafah-report", title="Strikes in Rafah", outlet="Gaza Wire", text=TEXT
    )
    stored = make_event(
        type="military-strike", title="Strike on a Rafah school", location=rafah,
        date_start=date(2025, 7, 7), slug="strike-on-a-rafah-school",
    )  # fmt: skip
    quotes = {
        "publish": "Israeli strikes hit a school in Rafah on Monday, killing 12 people",
        "edit": "Officials in Khan Younis reported shelling on Monday",
        "merge": "A clinic in Rafah was also damaged on Monday",
        "reject": "Residents said an aid convoy reached Deir al-Balah on Monday",
    }
    proposals = {}
    for name, quote in quotes.items():
        event = make_event(
            type="military-strike", title=f"Proposal to {name}", status=Event.Status.PROPOSED,
            location=rafah, date_start=date(2025, 7, 7), slug=f"proposal-to-{name}",
        )  # fmt: skip
        make_evidence(event=event, article=article, quote=quote)
        proposals[name] = event
    waiting = make_event(
        title="Still waiting for review", status=Event.Status.PROPOSED, slug="still-waiting"
    )
    return {
        "user": user,
        "stored": stored,
        "proposals": proposals,
        "waiting": waiting,
        "quotes": quotes,
    }


def card(page, event):
    return page.locator(f"#proposal-{event.pk}")


def test_an_editor_reviews_the_queue_and_the_public_sees_the_outcome(
    open_page, live_server, desk, record_check
):
    page, log = open_page("/admin/login/?next=/review/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/review/")
    expect(page.locator("#review-counters")).to_contain_text("5 waiting")
    violations = browser.axe_violations(page)
    record_check("axe violations", problems=len(violations), checked=1)
    assert violations == [], browser.describe_violations(violations)
    screenshot(page, "review-queue")
    proposals = desk["proposals"]

    # Publish with the keyboard: j to the first card, p asks for the reason, Enter confirms.
    page.keyboard.press("j")
    expect(card(page, proposals["publish"])).to_be_focused()
    page.keyboard.press("p")
    expect(page.locator(f"#reason-{proposals['publish'].pk}")).to_be_focused()
    page.keyboard.type("Matches the source")
    page.keyboard.press("Enter")
    expect(card(page, proposals["publish"])).to_contain_text("Published")
    expect(page.locator("#review-counters")).to_contain_text("1 done today")
    # Focus moved on to the next card.
    expect(card(page, proposals["edit"])).to_be_focused()

    # Edit: e opens the inline form; a bad place is refused, a good edit saves.
    page.keyboard.press("e")
    form = page.locator(f"#edit-{proposals['edit'].pk}")
    expect(form).to_be_visible()
    form.get_by_label("Title").fill("Shelling reported in Khan Younis")
    form.get_by_label("Place").fill("Atlantis")
    form.get_by_role("button", name="Save").click()
    expect(form).to_contain_text("There is no place “Atlantis”.")
    form.get_by_label("Place").fill("rafah-desk")
    form.get_by_role("button", name="Save").click()
    expect(card(page, proposals["edit"]).locator("h2")).to_have_text(
        "Shelling reported in Khan Younis"
    )

    # Merge into the stored strike (offered as a likely duplicate).
    merging = card(page, proposals["merge"])
    expect(merging.locator("table.duplicates")).to_contain_text("Strike on a Rafah school")
    merging.get_by_label("Reason").fill("Same strike")
    merging.locator("select[name=into]").select_option(desk["stored"].slug)
    merging.get_by_role("button", name="Merge").click()
    expect(merging).to_contain_text("Merged")

    # Reject: without a reason it is refused in place; with one it goes.
    rejecting = card(page, proposals["reject"])
    rejecting.get_by_role("button", name="Reject").click()
    expect(rejecting.locator(".problem")).to_contain_text("Give a short reason to reject.")
    rejecting.get_by_label("Reason").fill("Not a strike")
    rejecting.get_by_role("button", name="Reject").click()
    expect(rejecting).to_contain_text("Rejected")
    expect(page.locator("#review-counters")).to_contain_text("2 waiting")
    assert_clean(log, live_server)

    statuses = dict(Event.objects.values_list("slug", "status"))
    assert statuses["proposal-to-publish"] == "published"
    assert statuses["proposal-to-reject"] == "rejected"
    assert Event.objects.get(slug="proposal-to-merge").merged_into == desk["stored"]

    # The public: history and merged evidence on the surviving event.
    public, public_log = open_page(desk["stored"].get_absolute_url())
    history = public.locator("#history")
    expect(history).to_contain_text("Merged a duplicate into this event")
    expect(history).to_contain_text("reason: Same strike")
    expect(history).to_contain_text("by an editor")
    expect(public.locator(".source-quote").filter(has_text=desk["quotes"]["merge"])).to_have_count(
        1
    )
    screenshot(public, "event-history")
    violations = browser.axe_violations(public)
    record_check("axe violations", problems=len(violations), checked=1)
    assert violations == [], browser.describe_violations(violations)
    public.goto(proposals["publish"].get_absolute_url())
    expect(public.locator("#history")).to_contain_text("reason: Matches the source")
    # The rejected URL is gone; the merged one lands on the event it was merged into.
    response = public.goto(proposals["reject"].get_absolute_url())
    assert response.status == 410
    expect(public.locator("h1")).to_have_text("This event was withdrawn")
    # The browser logs the 410 itself as a console error: that one is expected.
    public_log.console_errors = [m for m in public_log.console_errors if "status of 410" not in m]
    public.goto(proposals["merge"].get_absolute_url())
    expect(public).to_have_url(f"{live_server.url}{desk['stored'].get_absolute_url()}")
    # No proposal anywhere for the public.
    for path in ("/", "/?q=waiting", "/map/", desk["stored"].location.get_absolute_url()):
        public.goto(path)
        expect(public.locator("body")).not_to_contain_text("Still waiting for review")
    exported = json.loads(public.request.get(f"{live_server.url}/events.json").text())
    assert "still-waiting" not in {e["slug"] for e in exported["events"]}
    assert_clean(public_log, live_server)


def test_the_admin_event_changelist_fits_1280_pixels(open_page, live_server, desk):
    page, _ = open_page("/admin/login/?next=/admin/timeline/event/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#result_list")).to_be_visible()
    screenshot(page, "admin-events-1280", full_page=False)
    overflow = page.evaluate(
        """() => {
            const results = document.querySelector('#changelist-form .results');
            return results.scrollWidth - results.clientWidth;
        }"""
    )
    assert overflow <= 0
    headers = page.locator("#result_list thead th").all_inner_texts()
    for name in ("Title", "Type", "Date", "Place", "Status", "Sources"):
        assert any(name.lower() in h.lower() for h in headers), headers
    # A title cell is wide enough for a line, not a word per line.
    title_width = page.locator(
        "#result_list td.field-title, #result_list th.field-title"
    ).first.bounding_box()["width"]
    assert title_width >= 280
