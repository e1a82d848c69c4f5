"""Corroboration: distinct outlets (wire copies once), the badge, the filter, and what
each source says side by side with disagreements marked."""

from __future__ import annotations

import json
from datetime import date

import pytest

from timeline.corroboration import count_outlets, recount_all, sources_for
from timeline.models import Event, Outlet
from timeline.tests.factories import make_article, make_event, make_evidence, make_figure

pytestmark = pytest.mark.django_db

WIRE = "Gaza officials said 30 people were killed in Khan Younis on Sunday."


def event_with_sources(*specs, **fields) -> Event:
    """specs: (outlet, text, quote) per source article."""
    event = make_event(type="casualty-report", **fields)
    for outlet, text, quote in specs:
        make_evidence(event=event, article=make_article(outlet=outlet, text=text), quote=quote)
    event.refresh_from_db()
    return event


def test_one_outlet_is_a_single_source_and_two_are_two_outlets(client):
    single = event_with_sources(("BBC", "A said B. More text.", "A said B"))
    double = event_with_sources(
        ("BBC", "Strike in Rafah, BBC says.", "Strike in Rafah"),
        ("Al Jazeera", "A strike in Rafah killed two.", "A strike in Rafah killed two"),
    )
    assert (single.outlet_count, double.outlet_count) == (1, 2)
    page = client.get("/").content.decode()
    assert "single source" in page and "2 outlets" in page


def test_wire_copies_under_two_outlets_count_once():
    event = event_with_sources(
        ("AP", WIRE + " More.", WIRE),
        ("The Guardian (AP)", "Lead-in. " + WIRE, WIRE),  # the same quote: a wire copy
        ("Times of Israel", WIRE, WIRE),  # the same article text: a wire copy
    )
    assert event.outlet_count == 1
    sources = sources_for(Event.objects.for_timeline().get(pk=event.pk))
    assert len(sources) == 1 and len(sources[0].copies) == 2


def test_the_same_outlet_twice_counts_once_and_outlet_rows_win_over_the_string():
    bbc = Outlet.objects.create(slug="bbc", name="BBC")
    event = event_with_sources(
        ("BBC News", "One report of a strike.", "One report of a strike"),
        ("bbc news", "Another report of talks.", "Another report of talks"),
    )
    assert event.outlet_count == 1
    article = event.evidence.first().article
    article.outlets.add(bbc, Outlet.objects.create(slug="wafa", name="WAFA"))
    event.refresh_from_db()
    assert event.outlet_count == 3  # BBC and WAFA on one article, "bbc news" on the other


def test_the_corroboration_filter_keeps_single_or_multiple_sources(client):
    single = event_with_sources(("BBC", "A said B. More.", "A said B"))
    double = event_with_sources(
        ("BBC", "Strike in Rafah, BBC says.", "Strike in Rafah"),
        ("Reuters", "A strike in Rafah killed two.", "A strike in Rafah killed two"),
    )

    def slugs(value):
        response = client.get("/events.json", {"corroboration": value})
        return {e["slug"] for e in json.loads(b"".join(response.streaming_content))["events"]}

    assert slugs("single") == {single.slug}
    assert slugs("multiple") == {double.slug}
    response = client.get("/", {"corroboration": "many"})
    assert response.status_code == 400
    assert "is not a choice" in response.content.decode()


def test_sources_disagreeing_on_the_toll_and_the_date_are_marked(client):
    event = event_with_sources(
        ("BBC", "On Sunday 30 people were killed.", "On Sunday 30 people were killed"),
        ("Al Jazeera", "On Saturday 38 people were killed.", "On Saturday 38 people were killed"),
        date_start=date(2025, 7, 6),
    )
    for evidence, low in zip(event.evidence.order_by("id"), (30, 38), strict=True):
        make_figure(event=event, low=low, evidence=evidence, attributed_to=evidence.article.outlet)
    sources = sources_for(Event.objects.for_timeline().get(pk=event.pk))
    assert [s.outlets for s in sources] == [["BBC"], ["Al Jazeera"]]
    assert all(s.date_disagrees for s in sources)
    assert [s.stated_dates for s in sources] == ["6 Jul 2025", "5 Jul 2025"]
    assert all(s.disagreeing_figures == {f.pk for f in s.figures} for s in sources)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "What each source says" in page and page.count("(differs)") == 4


def test_agreeing_sources_are_not_marked():
    event = event_with_sources(
        ("BBC", "On Sunday 30 people were killed.", "On Sunday 30 people were killed"),
        (
            "Reuters",
            "Thirty were killed on Sunday, 6 July.",
            "Thirty were killed on Sunday, 6 July",
        ),
    )
    for evidence in event.evidence.all():
        make_figure(event=event, low=30, evidence=evidence)
    sources = sources_for(Event.objects.for_timeline().get(pk=event.pk))
    assert not any(s.date_disagrees or s.disagreeing_figures for s in sources)


def test_recount_all_repairs_counts_left_stale_by_a_bulk_write():
    event = event_with_sources(
        ("BBC", "Strike in Rafah, BBC says.", "Strike in Rafah"),
        ("Reuters", "A strike in Rafah killed two.", "A strike in Rafah killed two"),
    )
    Event.objects.filter(pk=event.pk).update(outlet_count=0)
    assert recount_all() == 1
    event.refresh_from_db()
    assert event.outlet_count == 2


def test_an_event_without_sources_counts_no_outlet():
    assert count_outlets([]) == 0
