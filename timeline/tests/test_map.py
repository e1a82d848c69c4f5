"""The map page and its data endpoint: server-side clusters, bbox, filters, bad input."""

import re
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.http import QueryDict
from django.templatetags.static import static
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline import map_views
from timeline.models import Event
from timeline.tests.factories import make_event, make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    return {
        "gaza": make_location(slug="gaza-city", name="Gaza City", latitude=31.52, longitude=34.45),
        "rafah": make_location(slug="rafah", name="Rafah", latitude=31.29, longitude=34.25),
        "beirut": make_location(slug="beirut", name="Beirut", latitude=33.89, longitude=35.50),
        "sanaa": make_location(slug="sanaa", name="Sanaa", latitude=15.37, longitude=44.19),
        "suva": make_location(slug="suva", name="Suva", latitude=-18.14, longitude=178.44),
        "nowhere": make_location(slug="nowhere", name="Nowhere in particular"),
    }


@pytest.fixture
def events(places):
    """Eleven published events at five mapped places, one without coordinates, one hidden."""
    layout = [
        ("gaza", "military-strike", 3),
        ("rafah", "casualty-report", 2),
        ("beirut", "military-strike", 2),
        ("sanaa", "negotiation", 3),
        ("suva", "statement", 1),
        ("nowhere", "statement", 1),
    ]
    made = []
    for place, event_type, count in layout:
        for _ in range(count):
            made.append(make_event(type=event_type, location=places[place]))
    make_event(type="statement", location=places["gaza"], status=Event.Status.PROPOSED)
    return made


def data(client, **params):
    return client.get(reverse("timeline:map-data"), params)


def counts(features) -> int:
    return sum(f["properties"].get("count", 1) for f in features)


def test_a_few_events_in_view_come_one_by_one_with_their_popup_fields(client, events):
    response = data(client, zoom=3)

    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["mode"] == "events"
    assert body["count"] == 11  # published and mapped: not the hidden one, not "nowhere"
    assert len(body["features"]) == 11
    strike = next(f for f in body["features"] if f["properties"]["type"] == "military-strike")
    assert strike["geometry"]["coordinates"] in ([34.45, 31.52], [35.5, 33.89])
    properties = strike["properties"]
    assert properties["kind"] == "event"
    assert properties["url"] == f"/events/{properties['slug']}/"
    assert properties["date"] == "6 Jul 2025"
    assert properties["type_name"] == "Military strike"
    assert properties["symbol"] == "✸"
    assert properties["title"]


def test_many_events_in_view_come_as_grid_cells_counted_by_the_database(
    client, events, monkeypatch
):
    monkeypatch.setattr(map_views, "EVENT_LIMIT", 4)

    body = data(client, zoom=3).json()

    assert body["mode"] == "clusters"
    assert body["count"] == 11
    assert counts(body["features"]) == 11
    assert all(f["properties"]["kind"] == "cluster" for f in body["features"])
    # Zoom-3 cells are 11.25°: Gaza City and Rafah share one; Beirut's (from 33.75°N) borders
    # it, with its mean close by, so the two are drawn as one marker. Sanaa, Suva stand alone.
    by_count = sorted(f["properties"]["count"] for f in body["features"])
    assert by_count == [1, 3, 7]
    levant = next(f for f in body["features"] if f["properties"]["count"] == 7)
    assert levant["properties"]["places"] == 3
    assert "list_url" not in levant["properties"]
    lon, lat = levant["geometry"]["coordinates"]
    assert lat == pytest.approx((3 * 31.52 + 2 * 31.29 + 2 * 33.89) / 7, abs=1e-6)
    assert lon == pytest.approx((3 * 34.45 + 2 * 34.25 + 2 * 35.50) / 7, abs=1e-6)
    west, south, east, north = levant["properties"]["bounds"]
    assert west <= lon <= east and south <= lat <= north


def test_neighbouring_cells_whose_markers_would_overlap_are_merged_with_exact_sums():
    def cell(count, latitude, longitude, places=1):
        bounds = [longitude - 0.5, latitude - 0.5, longitude + 0.5, latitude + 0.5]
        return {
            "count": count,
            "latitude": latitude,
            "longitude": longitude,
            "bounds": bounds,
            "places": places,
            "place_slug": "p",
            "place_name": "P",
        }

    merged = map_views.merge_close_cells(
        [cell(1, 10.0, 10.0), cell(3, 10.4, 10.2, places=2), cell(5, 20.0, 20.0)], distance=0.5
    )

    assert [(m["count"], m["places"]) for m in merged] == [(5, 1), (4, 3)]
    pair = merged[1]
    assert pair["latitude"] == pytest.approx((10.0 + 3 * 10.4) / 4)
    assert pair["longitude"] == pytest.approx((10.0 + 3 * 10.2) / 4)
    assert pair["bounds"] == [9.5, 9.5, 10.7, 10.9]


def test_cells_shrink_as_the_map_zooms_in(client, events, monkeypatch):
    monkeypatch.setattr(map_views, "EVENT_LIMIT", 4)

    wide = data(client, zoom=3).json()["features"]
    close = data(client, zoom=9).json()["features"]

    assert len(close) > len(wide)
    assert counts(close) == counts(wide) == 11
    assert len(close) == 5  # one cell per place at zoom 9


def test_a_cluster_of_one_place_links_to_the_list_of_its_events_with_the_filter_kept(
    client, events, monkeypatch
):
    monkeypatch.setattr(map_views, "EVENT_LIMIT", 1)

    body = data(client, zoom=9, type="negotiation", sort="-date").json()

    (sanaa,) = body["features"]
    assert sanaa["properties"]["count"] == 3
    assert sanaa["properties"]["place"] == "Sanaa"
    link = QueryDict(sanaa["properties"]["list_url"].split("?", 1)[1])
    assert sanaa["properties"]["list_url"].startswith("/?")
    assert link.dict() == {"type": "negotiation", "sort": "-date", "location": "sanaa"}


def test_the_bbox_limits_what_is_sent(client, events):
    body = data(client, bbox="34,31,35,32", zoom=8).json()
    assert body["count"] == 5
    assert {f["properties"]["place"] for f in body["features"]} == {"Gaza City", "Rafah"}


def test_a_bbox_across_the_antimeridian_is_understood(client, events):
    body = data(client, bbox="170,-30,-170,0", zoom=4).json()
    assert body["count"] == 1
    assert body["features"][0]["properties"]["place"] == "Suva"


def test_filters_apply_to_the_map_data(client, events, places, monkeypatch):
    monkeypatch.setattr(map_views, "EVENT_LIMIT", 2)
    only_strikes = data(client, type="military-strike", zoom=3).json()
    assert only_strikes["count"] == 5
    assert counts(only_strikes["features"]) == 5

    in_rafah = data(client, location="rafah", zoom=3).json()
    assert in_rafah["count"] == 2


@pytest.mark.parametrize("zoom", [0, 2, 5, 8, 12, 19])
def test_cluster_counts_sum_to_the_filtered_mapped_total_at_every_zoom(
    client, events, monkeypatch, zoom
):
    monkeypatch.setattr(map_views, "EVENT_LIMIT", 0)
    body = data(client, zoom=zoom).json()
    mapped = Event.objects.published().filter(location__latitude__isnull=False).count()
    assert body["count"] == mapped == 11
    assert counts(body["features"]) == mapped


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bbox": "1,2,3"}, "bbox must be four numbers"),
        ({"bbox": "a,b,c,d"}, "bbox must be four numbers"),
        ({"bbox": "nan,0,10,10"}, "finite"),
        ({"bbox": "-200,0,10,10"}, "longitudes"),
        ({"bbox": "0,-95,10,10"}, "latitudes"),
        ({"bbox": "0,10,10,5"}, "south must not be above north"),
        ({"zoom": "x"}, "zoom must be a whole number"),
        ({"zoom": "-1"}, "zoom must be between 0 and 19"),
        ({"zoom": "25"}, "zoom must be between 0 and 19"),
        ({"type": "no-such-type"}, "no-such-type"),
        ({"from": "2025-07-07", "to": "2025-07-01"}, "after the end date"),
    ],
)
def test_bad_parameters_get_a_400_with_a_message_never_a_500(client, events, params, message):
    response = data(client, **params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert any(message in error for error in response.json()["errors"])


@pytest.mark.parametrize("mode", ["events", "clusters"])
def test_map_data_queries_do_not_grow_with_the_number_of_events(
    client, places, monkeypatch, django_assert_num_queries, mode
):
    monkeypatch.setattr(map_views, "EVENT_LIMIT", 1000 if mode == "events" else 0)
    for place in ("gaza", "beirut"):
        make_event(location=places[place])
    with django_assert_num_queries(2):  # count in view, then events or cells
        assert data(client, zoom=5).json()["mode"] == mode
    for place in ("gaza", "rafah", "sanaa", "suva") * 5:
        make_event(location=places[place])
    with django_assert_num_queries(2):
        assert data(client, zoom=5).json()["count"] == 22


# -- the page -------------------------------------------------------------------------------


def page(client, **params):
    return client.get(reverse("timeline:map"), params)


def test_the_page_keeps_the_filter_in_every_link_and_in_the_data_source(client, events):
    response = page(client, type="military-strike", sort="-date", cursor="xyz")

    assert response.status_code == 200
    html = unescape(response.text)
    assert '<a href="/?type=military-strike&sort=-date">List</a>' in html
    assert 'href="/map/?type=military-strike&sort=-date" aria-current="page">Map</a>' in html
    assert 'data-source="/map/data.json?type=military-strike&sort=-date"' in html
    assert 'href="/events.csv?type=military-strike&sort=-date"' in html
    assert 'href="/events.geojson?type=military-strike&sort=-date"' in html
    assert "Type: Military strike" in html  # the active filter, as a removable chip
    assert 'href="?sort=-date" aria-label="Remove filter Type: Military strike"' in html


def test_the_page_lists_places_with_counts_and_links_for_use_without_javascript(client, events):
    html = unescape(page(client).text)

    assert "The interactive map needs JavaScript" in html
    rows = re.findall(
        r'<tr data-place="([^"]+)">\s*<th scope="row"><a href="([^"]+)">[^<]+</a></th>\s*'
        r'<td><a href="([^"]+)">(\d+) events?</a></td>',
        html,
    )
    assert [(slug, int(n)) for slug, _, _, n in rows] == [
        ("gaza-city", 3),
        ("sanaa", 3),
        ("beirut", 2),
        ("rafah", 2),
        ("suva", 1),
    ]
    assert rows[0][1] == "/locations/gaza-city/"
    assert rows[0][2] == "/?location=gaza-city"
    assert "<strong>12 events</strong>, 11 at a place with coordinates" in html
    assert "the other 1 are only in the" in html


def test_the_tile_server_is_passed_to_the_script_through_data_attributes(client, events, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "&copy; Example <a href='https://example.org'>maps</a>"

    html = page(client).text

    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="&amp;copy; Example &lt;a href=&#x27;' in html
    bounds = re.search(r'data-bounds="([^"]+)"', html).group(1).split(",")
    assert [float(b) for b in bounds] == [34.25, -18.14, 178.44, 33.89]


def test_the_page_loads_only_local_scripts_and_stylesheets_and_no_inline_code(client, events):
    html = page(client).text

    urls = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    assert urls, "no scripts or stylesheets found"
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert static("leaflet/leaflet.js") in urls
    assert static("leaflet/leaflet.css") in urls
    assert static("js/map.js") in urls
    assert static("css/map.css") in urls
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script
    assert " style=" not in html and "<style" not in html


def test_leaflet_is_served_from_our_own_static_files(client):
    for path in ("leaflet/leaflet.js", "leaflet/leaflet.css", "js/map.js", "css/map.css"):
        response = client.get(static(path))
        assert response.status_code == 200, path


def test_a_bad_filter_gives_a_message_and_400_on_the_page(client, events):
    response = page(client, location="atlantis")
    assert response.status_code == 400
    assert "The filter could not be applied" in response.text
    assert "atlantis" in response.text
    assert "data-source" not in response.text


def test_a_filter_with_no_mapped_events_says_so(client, events):
    html = page(client, location="nowhere").text
    assert "<strong>1 event</strong>" in html
    assert "No event that matches this filter has a place with coordinates." in html
    assert 'data-bounds=""' in html


def test_proposed_events_stay_off_the_public_map(client, events):
    html = page(client, location="gaza-city").text
    assert "<strong>3 events</strong>" in html


def test_the_timeline_links_to_the_map_with_its_filter(client, events):
    html = unescape(client.get(reverse("timeline:timeline"), {"type": "negotiation"}).text)
    assert '<a href="/map/?type=negotiation">' in html
    assert '<a href="/map/">Map</a>' in html  # the site navigation


def test_page_queries_are_pinned_whatever_the_number_of_events(client, places):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert page(client).status_code == 200
        return len(captured)

    make_event(location=places["gaza"])
    few = page_queries()
    for place in ("gaza", "rafah", "beirut", "sanaa", "suva", "nowhere") * 6:
        make_event(location=places[place], date_start=date(2025, 7, 1))
    # The summary aggregate, the places list, the legend (counts per type, the types).
    assert page_queries() == few == 4
