"""The analyst's workbench: pages in the URL, the table view, the comparison chart, whole
facets, the map at scale, the event page's surroundings and the small polish."""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from timeline.models import Event, EventActor
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = pytest.mark.django_db


def card_slugs(response) -> list[str]:
    return re.findall(r'<article class="event-card[^"]*" data-event="([^"]+)"', response.text)


def row_slugs(response) -> list[str]:
    return re.findall(r'<tr data-event="([^"]+)"', response.text)


def queries_for(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


def daily_events(n: int, *, start=date(2025, 1, 1), place=None, actors=(), prefix="day", **fields):
    """n events, one a day from `start`, each with a quote and (for some) a killed figure."""
    article = make_article(text=" ".join(f"Sentence {i}." for i in range(n)))
    events = []
    for i in range(n):
        event = make_event(
            slug=f"{prefix}-{i:03d}",
            date_start=start + timedelta(days=i),
            location=place,
            actors=actors,
            **fields,
        )
        make_evidence(event=event, article=article, quote=f"Sentence {i}.")
        if i % 3 == 0:
            make_figure(event=event, low=i)
        events.append(event)
    return events


# -- order and paging ----------------------------------------------------------------------


def test_pages_in_the_url_show_that_many_pages_of_cards(client):
    daily_events(120)
    response = client.get("/?pages=2")
    slugs = card_slugs(response)
    assert len(slugs) == 100
    assert slugs[0] == "day-119"  # newest first
    assert 'id="page-2"' in response.text  # where the second page starts, for no-JS links
    more = re.search(r'<p id="load-more".*?</p>', response.text, re.S).group(0)
    assert 'href="?pages=3#page-3"' in more
    assert 'data-hx-push-url="?pages=3"' in more
    cursor = re.search(r'data-hx-get="\?pages=3&amp;cursor=([^"]+)"', more)[1]
    rest = client.get("/", {"pages": "3", "cursor": cursor}, HTTP_HX_REQUEST="true")
    assert card_slugs(rest) == [f"day-{i:03d}" for i in range(19, -1, -1)]
    assert "load-more" not in rest.text


def test_load_more_never_repeats_the_month_or_day_heading_the_page_above_ends_with(client):
    # 60 events on 30 days of one month, two a day: page one ends mid-month, mid-day.
    article = make_article(text="One. Two.")
    for i in range(60):
        event = make_event(slug=f"e-{i:02d}", date_start=date(2025, 3, 1 + i // 2))
        make_evidence(event=event, article=article, quote="One")
    first = client.get("/?sort=date")
    assert first.text.count('class="month-heading"') == 1
    cursor = re.search(r'data-hx-get="\?sort=date&amp;pages=2&amp;cursor=([^"]+)"', first.text)[1]
    last_day_shown = Event.objects.get(pk=cursor.split(".")[1]).date_start
    rest = client.get("/", {"sort": "date", "pages": "2", "cursor": cursor}, HTTP_HX_REQUEST="true")
    assert len(card_slugs(rest)) == 10
    assert 'class="month-heading"' not in rest.text
    # The first card continues the day the page above ended with: no heading for it.
    assert f'datetime="{last_day_shown:%Y-%m-%d}">' not in rest.text.split("event-card")[0]


def test_too_many_pages_is_a_clear_message_not_a_huge_page(client):
    daily_events(3)
    response = client.get("/?pages=500")
    assert response.status_code == 400
    assert "Pages shown" in response.text


def test_search_box_sends_no_search_event_trigger_and_chips_swap_in_place(client):
    make_event(type="blockade", date_start=date(2025, 7, 1))
    html = client.get("/?type=blockade").text
    form = re.search(r'<form id="filters".*?>', html, re.S).group(0)
    assert "search from:#q" not in form  # Enter fired it beside change and submit
    chip = re.search(r'<ul class="chips".*?</ul>', html, re.S).group(0)
    assert 'href="?"' in chip and 'data-hx-get="?"' in chip
    assert 'data-hx-target="#timeline-layout"' in chip


def test_a_removed_chip_swaps_the_whole_layout_so_the_form_follows(client):
    make_event(type="blockade", date_start=date(2025, 7, 1))
    response = client.get(
        "/?type=blockade&q=x", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline-layout"
    )
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div class="timeline-layout" id="timeline-layout">')
    assert 'id="q" name="q" value="x"' in response.text
    assert "HX-Target" in response["Vary"]


# -- the table view ------------------------------------------------------------------------


@pytest.fixture
def table_world():
    gaza = make_location(slug="gaza", name="Gaza")
    israel = make_actor(slug="israel", name="Israel")
    hamas = make_actor(slug="hamas", name="Hamas")
    wire = make_article(slug="wire", outlet="Wire One", text="Strike. Clash. Talks.")
    # Its own words: the same quote under two outlets would be a wire copy, counted once.
    other = make_article(slug="other", outlet="Other Outlet", text="Strike at dawn.")
    strike = make_event(
        slug="strike",
        type="military-strike",
        date_start=date(2025, 7, 6),
        location=gaza,
        actors=[(israel, "initiator"), (hamas, "target")],
    )
    make_evidence(event=strike, article=wire, quote="Strike")
    make_evidence(event=strike, article=other, quote="Strike at dawn")
    make_figure(event=strike, low=30, qualifier="more-than")
    make_figure(event=strike, low=25, high=28, qualifier="about")
    make_figure(event=strike, kind="injured", low=10)
    clash = make_event(slug="clash", type="armed-clash", date_start=date(2025, 7, 7), location=gaza)
    make_evidence(event=clash, article=wire, quote="Clash")
    make_figure(event=clash, low=3)
    EventActor.objects.create(event=clash, actor=hamas, side="a")
    EventActor.objects.create(event=clash, actor=israel, side="b")
    talks = make_event(slug="talks", date_start=date(2025, 7, 8))
    make_evidence(event=talks, article=wire, quote="Talks")


def test_the_table_lists_one_row_per_event_with_figures_as_numbers(client, table_world):
    response = client.get("/?view=table")
    assert row_slugs(response) == ["talks", "clash", "strike"]
    row = re.search(r'<tr data-event="strike".*?</tr>', response.text, re.S).group(0)
    cells = [
        unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td.*?</td>", row, re.S)
    ]
    assert cells[0] == "6 Jul 2025"
    assert cells[1].startswith("✸ Military strike")
    assert cells[3] == "Gaza"
    assert "Side A: Israel" in cells[4] and "Side B: Hamas" in cells[4]
    assert cells[5] == "≥ 25"  # the lowest low; "more than 30" leaves it open-ended
    assert cells[6] == "10"
    assert cells[7] == "2"  # two outlets
    clash = re.search(r'<tr data-event="clash".*?</tr>', response.text, re.S).group(0)
    sides = unescape(re.sub(r"<[^>]+>", "", clash))
    assert "Side A: Hamas" in sides and "Side B: Israel" in sides  # as coded, not by role


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-killed", ["strike", "clash", "talks"]),
        ("killed", ["talks", "clash", "strike"]),
        ("-outlets", ["strike", "talks", "clash"]),
        ("date", ["strike", "clash", "talks"]),
    ],
)
def test_the_table_sorts_by_date_killed_and_outlets(client, table_world, sort, expected):
    response = client.get("/", {"view": "table", "sort": sort})
    assert row_slugs(response) == expected


def test_table_column_headings_are_sort_links_that_say_their_state(client, table_world):
    html = client.get("/?view=table&sort=-killed").text
    assert re.search(r'aria-sort="descending"><a href="\?view=table&amp;sort=killed"', html)
    assert re.search(r'aria-sort="none"><a href="\?view=table&amp;sort=-outlets"', html)


def test_table_pages_by_cursor_without_gaps_or_repeats_in_killed_order(client):
    daily_events(130)
    seen, params = [], {"view": "table", "sort": "-killed"}
    for _ in range(5):
        response = client.get("/", params)
        seen += row_slugs(response)
        match = re.search(r'<a href="\?([^"]+)" rel="next">', response.text)
        if not match:
            break
        params = QueryDict(unescape(match[1]))
    assert len(seen) == len(set(seen)) == 130
    killed = {e.slug: e.killed_order for e in Event.objects.with_sort_keys()}
    assert [killed[s] for s in seen] == sorted(killed.values(), reverse=True)


def test_a_bad_table_cursor_is_a_message(client, table_world):
    response = client.get("/?view=table&sort=-killed&cursor=2025-01-01.3")
    assert response.status_code == 400
    assert "page link is not valid" in response.text


@pytest.mark.parametrize("sort", ["-date", "-killed", "-outlets"])
def test_the_table_takes_as_many_queries_for_many_events_as_for_few(client, sort):
    url = f"/?view=table&sort={sort}"
    daily_events(3, place=make_location(), actors=[make_actor()])
    few = queries_for(client, url)
    daily_events(
        80, start=date(2024, 1, 1), place=make_location(), actors=[make_actor()], prefix="more"
    )
    many = queries_for(client, url)
    assert few == many


# -- the comparison chart ------------------------------------------------------------------


@pytest.fixture
def two_actors():
    hamas = make_actor(slug="hamas", name="Hamas")
    pij = make_actor(slug="pij", name="PIJ")
    israel = make_actor(slug="israel", name="Israel")
    for month, n in ((1, 3), (2, 1), (3, 2)):
        for i in range(n):
            event = make_event(
                type="armed-clash", date_start=date(2025, month, 1 + i), actors=[hamas, israel]
            )
            make_figure(event=event, low=2)
    for month in (1, 3):
        make_event(type="armed-clash", date_start=date(2025, month, 10), actors=[pij, israel])
    return hamas, pij


def chart_html(response) -> str:
    match = re.search(r'<div class="chart" id="chart">.*?</details>\s*</div>', response.text, re.S)
    assert match, "no chart on the page"
    return unescape(match.group(0))


def test_a_comparison_of_two_actors_by_month_draws_one_small_chart_each(client, two_actors):
    html = chart_html(
        client.get("/?actor=hamas&actor=pij&split=actor&bucket=month&group=multiples")
    )
    captions = re.findall(r"<figcaption>.*?</span> (.*?) <span class=\"count\">(\d+)</span>", html)
    assert captions == [("Hamas", "6"), ("PIJ", "2")]
    assert "Events per month by actor" in html
    links = re.findall(r'<a href="\?([^"]+)" tabindex="-1"', html)
    narrowed = [QueryDict(link) for link in links]
    # Each bar narrows to its month and its actor.
    assert {"from": "2025-01-01", "to": "2025-01-31", "actor": "hamas"} in [
        {k: q[k] for k in ("from", "to", "actor")} for q in narrowed
    ]


def test_the_chart_splits_by_the_top_values_and_other(client, two_actors):
    html = chart_html(client.get("/?split=actor"))
    legend = re.search(r'<ul class="inline-list chart-legend".*?</ul>', html, re.S).group(0)
    assert re.findall(r"</span> ([^<]+) <span class=\"count\">", legend) == [
        "Israel",
        "Hamas",
        "PIJ",
    ]


def test_the_chart_can_sum_killed_instead_of_counting_events(client, two_actors):
    html = chart_html(client.get("/?split=actor&actor=hamas&measure=killed&bucket=month"))
    assert "Killed per month by actor" in html
    rows = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a></th>\s*<td>(\d+)</td>', html)
    assert rows == [("January 2025", "6"), ("February 2025", "2"), ("March 2025", "4")]


def test_chart_data_downloads_as_csv(client, two_actors):
    response = client.get("/chart.csv?split=actor&actor=hamas&actor=pij&bucket=month")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["bucket_start"], r["value"], r["amount"]) for r in rows] == [
        ("2025-01-01", "hamas", "3"),
        ("2025-01-01", "pij", "1"),
        ("2025-02-01", "hamas", "1"),
        ("2025-03-01", "hamas", "2"),
        ("2025-03-01", "pij", "1"),
    ]
    assert client.get("/chart.csv?split=sideways").status_code == 400


def test_ticks_name_the_year_whenever_the_span_crosses_one(client):
    make_event(date_start=date(2024, 11, 1))
    make_event(date_start=date(2025, 6, 1))
    html = chart_html(client.get("/?bucket=month"))
    ticks = re.findall(r'<text x="[\d.]+" y="[\d.]+" text-anchor="\w+">([^<]+)</text>', html)
    years = [t for t in ticks if re.search(r"20\d\d", t)]
    assert years[0] == "Nov 2024"
    assert any("2025" in t for t in years[1:])


def test_buckets_start_at_the_first_events_own_bucket(client):
    make_event(date_start=date(2023, 10, 7))  # a Saturday
    make_event(date_start=date(2024, 3, 1))
    chart = chart_html(client.get("/"))
    assert "Events per week" in chart
    first_row = re.search(r'<th scope="row"><a [^>]*>([^<]+)</a>', chart)[1]
    assert first_row == "2–8 Oct 2023"  # Monday to Sunday, not a bucket of September


@pytest.mark.parametrize(
    "params",
    [
        "split=actor",
        "split=location",
        "split=outlet",
        "split=sub_type",
        "split=actor&group=multiples",
    ],
)
def test_the_comparison_chart_takes_as_many_queries_for_many_events_as_for_few(client, params):
    url = f"/?{params}&measure=killed"
    for event in daily_events(3, place=make_location(), actors=[make_actor()]):
        make_figure(event=event, low=5)
    few = queries_for(client, url)
    article = make_article(outlet="Another")
    for i in range(60):
        event = make_event(
            date_start=date(2024, 1, 1) + timedelta(days=i),
            location=make_location(),
            actors=[make_actor()],
        )
        make_evidence(event=event, article=article, quote=article.text.split(".")[0])
        make_figure(event=event, low=i)
    many = queries_for(client, url)
    assert few == many


def test_a_bad_chart_parameter_is_a_message(client):
    make_event()
    response = client.get("/?split=weather")
    assert response.status_code == 400
    assert "is not a split" in response.text


# -- whole facets ----------------------------------------------------------------------------


@pytest.fixture
def many_actors():
    actors = [make_actor(slug=f"actor-{i:02d}", name=f"Actor {i:02d}") for i in range(40)]
    for i, actor in enumerate(actors):
        for _ in range(1 + i % 3):
            make_event(type="armed-clash" if i % 2 else "blockade", actors=[actor])
    return actors


def test_each_facet_offers_all_its_options_beyond_the_top_ones(client, many_actors):
    html = client.get("/").text
    assert html.count('name="actor" value=') == 25
    assert re.search(r'href="/facets/actor/"[^>]*>All 40 actors</a>', html)
    page = client.get("/facets/actor/")
    assert page.status_code == 200
    assert len(re.findall(r'<li[^>]*><a href="/\?actor=actor-\d\d"', page.text)) == 40


def test_the_facet_list_counts_over_the_current_filter_and_can_be_searched(client, many_actors):
    page = client.get("/facets/actor/", {"type": "blockade", "find": "actor 1"})
    options = re.findall(
        r'<a href="([^"]+)">(Actor \d\d)</a> <span class="count">(\d+)</span>', page.text
    )
    # Even-numbered actors have blockades (1 + i % 3 each); "actor 1" finds 10..19.
    assert [name for _, name, _ in options] == [
        "Actor 14",
        "Actor 10",
        "Actor 16",
        "Actor 12",
        "Actor 18",
    ]
    assert unescape(options[0][0]) == "/?type=blockade&actor=actor-14"
    assert options[0][2] == "3"


def test_the_type_ahead_answers_htmx_with_the_list_alone(client, many_actors):
    response = client.get("/facets/actor/", {"find_actor": "Actor 3"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<ul id="actor-matches"')
    # Busiest first, then by name: 32, 35 and 38 have three events each.
    assert re.findall(r">(Actor 3\d)</a>", response.text)[:3] == [
        "Actor 32",
        "Actor 35",
        "Actor 38",
    ]
    assert client.get("/facets/weather/").status_code == 404


def test_facet_lists_take_as_many_queries_for_many_options_as_for_few(client):
    make_event(actors=[make_actor()])
    few = queries_for(client, "/facets/actor/")
    for _ in range(30):
        make_event(actors=[make_actor(), make_actor()])
    assert queries_for(client, "/facets/actor/") == few


# -- the map ------------------------------------------------------------------------------


def test_the_map_opens_on_the_busy_places_not_one_far_off_event(client):
    gaza = make_location(slug="gaza", name="Gaza", latitude=31.5, longitude=34.45)
    khan = make_location(slug="khan", name="Khan Younis", latitude=31.34, longitude=34.3)
    far = make_location(slug="far", name="Far away", latitude=40.7, longitude=-74.0)
    for _ in range(30):
        make_event(location=gaza)
    for _ in range(10):
        make_event(location=khan)
    make_event(location=far)
    html = client.get("/map/").text
    assert 'data-bounds="34.3,31.34,34.45,31.5"' in html
    assert 'data-basemap="/static/geo/countries-110m.geojson"' in html
    legend = re.search(r'<div class="map-legend".*?</div>', html, re.S).group(0)
    assert 'Negotiation <span class="count">41</span>' in legend
    assert "100 killed" in legend


def test_the_basemap_is_shipped_with_the_app(client):
    from pathlib import Path

    from django.conf import settings

    path = Path(settings.BASE_DIR) / "static" / "geo" / "countries-110m.geojson"
    import json

    outlines = json.loads(path.read_text(encoding="utf-8"))
    names = {f["properties"]["name"] for f in outlines["features"]}
    assert {"Israel", "Palestine", "Egypt"} <= names


def test_events_on_the_map_carry_their_killed_figure(client):
    place = make_location(latitude=31.5, longitude=34.45)
    event = make_event(location=place)
    make_figure(event=event, low=12)
    make_figure(event=event, low=9)
    body = client.get("/map/data.json?zoom=10&bbox=34,31,35,32").json()
    assert body["features"][0]["properties"]["killed"] == 9


def test_a_place_with_hundreds_of_events_lists_them_a_page_at_a_time(client):
    place = make_location(slug="gaza", latitude=31.5, longitude=34.45)
    for i in range(45):
        make_event(
            slug=f"at-{i:02d}", location=place, date_start=date(2025, 1, 1) + timedelta(days=i)
        )
    first = client.get("/map/place.json", {"place": "gaza"}).json()
    assert first["count"] == 45
    assert [e["slug"] for e in first["events"]][:2] == ["at-44", "at-43"]
    seen = [e["slug"] for e in first["events"]]
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += [e["slug"] for e in page["events"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 45
    assert client.get("/map/place.json", {"place": "nowhere"}).status_code == 400


# -- the event page -------------------------------------------------------------------------


def test_the_event_page_shows_neighbours_and_the_timeline_on_each_entity(client):
    gaza = make_location(slug="gaza", name="Gaza", latitude=31.5, longitude=34.45)
    israel = make_actor(slug="israel", name="Israel")
    hamas = make_actor(slug="hamas", name="Hamas")
    event = make_event(
        slug="this", date_start=date(2025, 7, 6), location=gaza, actors=[israel, hamas]
    )
    make_event(slug="near", date_start=date(2025, 7, 9), location=gaza)
    make_event(slug="too-late", date_start=date(2025, 7, 10), location=gaza)
    make_event(slug="same-pair", date_start=date(2025, 1, 1), actors=[hamas, israel])
    make_event(slug="only-one", date_start=date(2025, 7, 6), actors=[hamas])
    html = client.get(event.get_absolute_url()).text
    same_place = re.search(r'id="same-place-heading".*?</section>', html, re.S).group(0)
    assert "/events/near/" in same_place and "too-late" not in same_place
    same_actors = re.search(r'id="same-actors-heading".*?</section>', html, re.S).group(0)
    assert "/events/same-pair/" in same_actors and "only-one" not in same_actors
    assert 'href="/?location=gaza">All events in Gaza</a>' in html
    assert 'href="/?actor=hamas">All events with Hamas</a>' in html
    assert 'data-source="/map/data.json?location=gaza"' in html


# -- polish --------------------------------------------------------------------------------


def test_numbers_are_written_with_thousands_separators(client):
    from timeline.templatetags.timeline_tags import number

    assert number(5352) == "5,352"
    assert number(17542) == "17,542"
    assert number(None) == ""


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    assert 'rel="icon"' in client.get("/").text


def test_a_log_line_is_printed_once(capfd):
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    logging.getLogger("django.request").warning("Bad Request: /probe")
    assert capfd.readouterr().err.count("Bad Request: /probe") == 1


def test_the_chart_splits_by_outlet_rows_and_each_bar_narrows_to_its_outlet(client):
    from timeline.models import Outlet

    qnn = Outlet.objects.create(slug="quds-news-network", name="Quds News Network")
    maan = Outlet.objects.create(slug="maan", name="Ma'an News Agency")
    both = make_article(outlet="Quds News Network; Ma'an News Agency", text="Both said so.")
    both.outlets.set([qnn, maan])
    one = make_article(outlet="Quds News Network", text="One said so.")
    one.outlets.set([qnn])
    for article in (both, one, one):
        make_evidence(event=make_event(date_start=date(2025, 7, 6)), article=article)
    html = chart_html(client.get("/?split=outlet"))
    legend = re.search(r'<ul class="inline-list chart-legend".*?</ul>', html, re.S).group(0)
    assert re.findall(r"</span> ([^<]+) <span class=\"count\">(\d+)", legend) == [
        ("Quds News Network", "3"),
        ("Ma'an News Agency", "1"),
    ]
    links = [QueryDict(link) for link in re.findall(r'<a href="\?([^"]+)" tabindex="-1"', html)]
    assert {q["outlet"] for q in links} == {"quds-news-network", "maan"}
