"""Exports of the current filter: JSON, CSV, GeoJSON, TimelineJS and ACLED CSV, streamed."""

import csv
import io
import json
import math
import re
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from timeline import database_exports, exports
from timeline.datasets import acled, ucdp
from timeline.models import DatasetRecord, Event
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = pytest.mark.django_db

EXPORTS = [
    "timeline:events-json",
    "timeline:events-csv",
    "timeline:events-geojson",
    "timeline:events-timelinejs",
    "timeline:events-acled",
]
# Also streamed in chunks, but its rows carry nothing that names one event of a curated set.
CHUNKED_EXPORTS = [*EXPORTS, "timeline:events-ucdp"]
JSON_EXPORTS = {"timeline:events-json", "timeline:events-geojson", "timeline:events-timelinejs"}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world():
    """Two places (one inside the other) and one elsewhere, two actors, five events."""
    country = make_location(
        slug="palestine", name="Palestine", kind="country", latitude=31.9, longitude=35.2
    )
    gaza = make_location(
        slug="gaza-strip",
        name="Gaza Strip",
        kind="region",
        parent=country,
        latitude=31.4167,
        longitude=34.3333,
    )
    doha = make_location(slug="doha", name="Doha", kind="city")  # no coordinates
    israel = make_actor(slug="israel", name="Israel", acled_type="State forces")
    hamas = make_actor(slug="hamas", name="Hamas", kind="armed-group", acled_type="Rebel group")
    article = make_article(
        slug="wire",
        title="Talks and strikes",
        outlet="Wire One",
        text="Talks began in Doha. Israel struck 130 targets. Officials said 30 were killed.",
    )
    talks = make_event(
        slug="talks",
        title="Talks in Doha",
        type="negotiation",
        date_start=date(2025, 7, 7),
        location=doha,
        actors=[israel, hamas],
    )
    make_evidence(event=talks, article=article, quote="Talks began in Doha")
    strike = make_event(
        slug="strike",
        title="Strikes on 130 targets",
        summary="Israel says it struck 130 targets.",
        type="military-strike",
        date_start=date(2025, 7, 6),
        date_end=date(2025, 7, 7),
        reported_on=date(2025, 7, 7),
        location=gaza,
        actors=[(israel, "initiator"), (hamas, "target")],
    )
    make_evidence(
        event=strike,
        article=article,
        quote="Israel struck 130 targets",
        attributed_to="The Israeli military",
    )
    make_figure(
        event=strike,
        kind="targets-struck",
        low=130,
        qualifier="exact",
        attributed_to="The Israeli military",
    )
    deaths = make_event(
        slug="deaths",
        title="30 killed",
        type="casualty-report",
        date_start=date(2025, 7, 6),
        location=gaza,
    )
    make_evidence(
        event=deaths,
        article=article,
        quote="Officials said 30 were killed",
        attributed_to="Hospital officials in Gaza",
    )
    make_figure(
        event=deaths, low=30, qualifier="more-than", attributed_to="Hospital officials in Gaza"
    )
    make_figure(event=deaths, low=25, high=28, qualifier="about", attributed_to="The army")
    make_figure(event=deaths, kind="injured", low=10, attributed_to="Hospital officials in Gaza")
    blockade = make_event(
        slug="blockade",
        title="Blockade",
        type="blockade",
        date_start=date(2025, 3, 2),
        date_end=date(2025, 5, 19),
        date_precision="approximate",
        location=gaza,
        actors=[(israel, "initiator")],
    )
    hidden = make_event(slug="hidden", title="Proposed only", status=Event.Status.PROPOSED)
    return {
        "talks": talks,
        "strike": strike,
        "deaths": deaths,
        "blockade": blockade,
        "hidden": hidden,
        "article": article,
        "gaza": gaza,
    }


def export(client, name: str, **params):
    return client.get(reverse(name), params)


def body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def as_json(response):
    return json.loads(body(response))


def as_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def page_slugs(client, **params) -> list[str]:
    response = client.get(reverse("timeline:timeline"), params)
    assert response.status_code == 200
    return re.findall(r'<article class="event-card[^"]*" data-event="([^"]+)"', response.text)


def exported_slugs(client, name: str, **params) -> list[str]:
    """The event slugs an export lists, in its order."""
    response = export(client, name, **params)
    assert response.status_code == 200
    if name == "timeline:events-json":
        return [event["slug"] for event in as_json(response)["events"]]
    if name == "timeline:events-geojson":
        return [feature["id"] for feature in as_json(response)["features"]]
    if name == "timeline:events-timelinejs":
        return [slide["unique_id"] for slide in as_json(response)["events"]]
    if name == "timeline:events-csv":
        return [row["slug"] for row in as_csv(response)]
    # The ACLED export names no curated event (no fake event_id_cnty): its notes (the first
    # quote, else the summary) and date do.
    slug_by_key = {}
    for event in Event.objects.prefetch_related("evidence"):
        quotes = [evidence.quote for evidence in event.evidence.all()]
        key = (quotes[0] if quotes else event.summary, event.date_start.isoformat())
        slug_by_key[key] = event.slug
    return [slug_by_key[row["notes"], row["event_date"]] for row in as_csv(response)]


def acled_rows(client, **params) -> dict[str, dict[str, str]]:
    """slug -> the ACLED export's row, matched through the JSON export's order."""
    slugs = exported_slugs(client, "timeline:events-json", **params)
    rows = as_csv(export(client, "timeline:events-acled", **params))
    return dict(zip(slugs, rows, strict=True))


# -- JSON -----------------------------------------------------------------------------------


def test_json_export_gives_the_count_then_every_event_with_its_fields(client, world):
    response = export(client, "timeline:events-json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = as_json(response)
    assert data["count"] == 4
    # Newest first, as the timeline lists them by default.
    assert [e["slug"] for e in data["events"]] == ["talks", "deaths", "strike", "blockade"]
    required = {
        "slug",
        "type",
        "title",
        "date_start",
        "date_end",
        "date_precision",
        "date_display",
        "location",
        "location_name",
        "latitude",
        "longitude",
        "actors",
        "actor_roles",
        "figures",
        "evidence",
        "url",
        "status",
        "summary",
        "reported_on",
    }
    for event in data["events"]:
        assert required <= event.keys(), event["slug"]
        for figure in event["figures"]:
            assert {"kind", "low", "high", "qualifier", "attributed_to"} <= figure.keys()
        for evidence in event["evidence"]:
            assert {"article", "quote", "attributed_to", "url"} <= evidence.keys()


def test_json_event_values_point_back_to_the_event_page_and_the_marked_quote(client, world):
    events = {e["slug"]: e for e in as_json(export(client, "timeline:events-json"))["events"]}
    strike = events["strike"]
    evidence = world["strike"].evidence.get()
    assert strike["type"] == "military-strike"
    assert strike["title"] == "Strikes on 130 targets"
    assert strike["summary"] == "Israel says it struck 130 targets."
    assert (strike["date_start"], strike["date_end"]) == ("2025-07-06", "2025-07-07")
    assert strike["date_precision"] == "day"
    assert strike["date_display"] == "6–7 Jul 2025"
    assert strike["reported_on"] == "2025-07-07"
    assert strike["location"] == "gaza-strip"
    assert strike["location_name"] == "Gaza Strip"
    assert (strike["latitude"], strike["longitude"]) == (31.4167, 34.3333)
    assert strike["actors"] == ["israel", "hamas"]
    assert strike["actor_roles"] == [
        {"actor": "israel", "name": "Israel", "role": "initiator"},
        {"actor": "hamas", "name": "Hamas", "role": "target"},
    ]
    assert strike["figures"][0] | {"display": None} == {
        "kind": "targets-struck",
        "low": 130,
        "high": None,
        "qualifier": "exact",
        "attributed_to": "The Israeli military",
        "display": None,
    }
    assert strike["evidence"][0]["article"] == "wire"
    assert strike["evidence"][0]["quote"] == "Israel struck 130 targets"
    assert strike["evidence"][0]["attributed_to"] == "The Israeli military"
    assert strike["evidence"][0]["url"] == f"/articles/wire/#ev-{evidence.pk}"
    assert (
        strike["evidence"][0]["permalink"] == f"http://testserver/articles/wire/#ev-{evidence.pk}"
    )
    assert strike["url"] == "/events/strike/"
    assert strike["url"] == world["strike"].get_absolute_url()
    assert strike["status"] == "published"
    assert events["blockade"]["date_display"] == "about 2 Mar – 19 May 2025"
    assert events["deaths"]["date_end"] is None


def test_json_export_of_nothing_is_an_empty_list(client, world):
    assert as_json(export(client, "timeline:events-json", type="ceasefire")) == {
        "count": 0,
        "events": [],
    }


# -- the filter -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"type": ["negotiation", "blockade"]},
        {"actor": "hamas"},
        {"location": "palestine"},
        {"from": "2025-07-07"},
        {"from": "2025-04-01", "to": "2025-04-30"},
        {"q": "officials killed"},
        {"outlet": "wire one"},
        {"casualties": "on"},
        {"sort": "-date"},
        {"type": "military-strike", "actor": "hamas", "location": "gaza-strip"},
    ],
)
def test_every_export_lists_the_same_events_as_the_page(client, world, name, params):
    expected = page_slugs(client, **params)
    if name == "timeline:events-geojson":
        expected = [slug for slug in expected if slug != "talks"]  # Doha has no coordinates
    assert exported_slugs(client, name, **params) == expected


@pytest.mark.parametrize("name", EXPORTS)
def test_proposed_events_are_exported_to_staff_only(client, world, name):
    assert "hidden" not in exported_slugs(client, name, status="proposed")
    world["hidden"].location = world["gaza"]  # so that GeoJSON has it too
    world["hidden"].save()
    staff = User.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(staff)
    assert exported_slugs(client, name, status="proposed") == ["hidden"]


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "not-a-date"}, "from", "Enter a valid date."),
        ({"to": "2025-13-45"}, "to", "Enter a valid date."),
        ({"type": "no-such-type"}, "type", "no-such-type"),
        ({"actor": "nobody"}, "actor", "nobody"),
        ({"location": "atlantis"}, "location", "atlantis"),
        ({"sort": "sideways"}, "sort", "sideways"),
        ({"from": "2025-07-07", "to": "2025-07-01"}, "__all__", "is after the end date"),
    ],
)
def test_a_bad_filter_value_is_a_400_with_a_clear_message(
    client, world, name, params, field, message
):
    response = export(client, name, **params)
    assert response.status_code == 400
    if name in JSON_EXPORTS:
        assert response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert message in data["error"]
        assert any(message in text for text in data["errors"][field])
    else:
        assert response["Content-Type"].startswith("text/plain")
        assert message in response.content.decode()


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_answer_get_only(client, world, name):
    assert client.post(reverse(name)).status_code == 405
    assert client.put(reverse(name)).status_code == 405


@pytest.mark.parametrize("name", EXPORTS)
def test_every_export_is_streamed(client, world, name):
    response = export(client, name)
    assert response.status_code == 200
    assert response.streaming is True
    assert isinstance(response, StreamingHttpResponse)


# -- CSV ------------------------------------------------------------------------------------


def test_csv_export_flattens_the_json_fields_with_a_header_and_a_dated_filename(client, world):
    response = export(client, "timeline:events-csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="events-{today}.csv"'
    text = body(response)
    header = next(csv.reader(io.StringIO(text)))
    assert header[:20] == [
        "slug",
        "type",
        "title",
        "date_start",
        "date_end",
        "date_precision",
        "date_display",
        "location",
        "location_name",
        "latitude",
        "longitude",
        "actors",
        "figures",
        "killed_low",
        "killed_high",
        "injured_low",
        "injured_high",
        "evidence_quotes",
        "evidence_urls",
        "url",
    ]
    rows = {row["slug"]: row for row in csv.DictReader(io.StringIO(text))}
    deaths = rows["deaths"]
    evidence = world["deaths"].evidence.get()
    assert deaths["figures"] == (
        "10 injured (Hospital officials in Gaza); "
        "more than 30 killed (Hospital officials in Gaza); "
        "about 25–28 killed (The army)"
    )
    assert deaths["evidence_quotes"] == "Officials said 30 were killed"
    assert deaths["evidence_urls"] == f"http://testserver/articles/wire/#ev-{evidence.pk}"
    assert deaths["url"] == "http://testserver/events/deaths/"
    assert deaths["date_display"] == "6 Jul 2025"
    assert deaths["date_end"] == ""
    assert rows["strike"]["actors"] == "israel; hamas"
    assert rows["strike"]["latitude"] == "31.4167"
    assert rows["talks"]["latitude"] == ""


def test_csv_export_gives_the_figures_as_numbers_over_every_source(client, world):
    rows = {
        row["slug"]: row
        for row in csv.DictReader(io.StringIO(body(export(client, "timeline:events-csv"))))
    }
    deaths = rows["deaths"]
    # "more than 30" (open-ended) and "about 25–28": the lowest low, and no high.
    assert (deaths["killed_low"], deaths["killed_high"]) == ("25", "")
    assert (deaths["injured_low"], deaths["injured_high"]) == ("10", "10")
    assert [rows["talks"][c] for c in ("killed_low", "killed_high")] == ["", ""]


def test_csv_export_of_nothing_still_has_its_header(client, world):
    text = body(export(client, "timeline:events-csv", type="ceasefire"))
    assert text.splitlines() == [",".join(exports.CSV_COLUMNS)]


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(client):
    place = make_location(name="-Somewhere", latitude=-31.5, longitude=-0.25)
    article = make_article(text='=HYPERLINK("http://evil") said the man. Then more.')
    event = make_event(title="=1+2", summary="@SUM(A1)", location=place)
    make_evidence(event=event, article=article, quote='=HYPERLINK("http://evil") said the man')
    make_figure(event=event, attributed_to="+cmd|' /C calc'!A0")
    for name in ("timeline:events-csv", "timeline:events-acled"):
        text = body(export(client, name))
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "@")), (name, cell)
                assert not cell.startswith("-") or re.fullmatch(r"-[\d.]+", cell), (name, cell)
    row = as_csv(export(client, "timeline:events-csv"))[0]
    assert row["title"] == "'=1+2"
    assert row["summary"] == "'@SUM(A1)"
    assert row["location_name"] == "'-Somewhere"
    assert row["evidence_quotes"] == '\'=HYPERLINK("http://evil") said the man'
    assert row["latitude"] == "-31.5"  # a negative number is a number, not a formula
    acled_row = as_csv(export(client, "timeline:events-acled"))[0]
    assert acled_row["notes"] == '\'=HYPERLINK("http://evil") said the man'
    assert acled_row["longitude"] == "-0.2500"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=cmd", "'=cmd"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@x", "'@x"),
        ("\t=x", "'\t=x"),
        ("-31.5", "-31.5"),
        ("-3e5", "-3e5"),
        ("plain = text", "plain = text"),
        (None, ""),
        (12, "12"),
    ],
)
def test_safe_cell(value, cell):
    assert exports.safe_cell(value) == cell


# -- GeoJSON --------------------------------------------------------------------------------


def test_geojson_is_a_feature_collection_of_points_lon_lat(client, world):
    response = export(client, "timeline:events-geojson")
    assert response["Content-Type"] == "application/geo+json"
    data = as_json(response)
    assert data["type"] == "FeatureCollection"
    assert data["excluded_without_coordinates"] == 1  # talks, in Doha
    features = {f["id"]: f for f in data["features"]}
    assert set(features) == {"blockade", "strike", "deaths"}
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
    assert features["strike"]["geometry"]["coordinates"] == [34.3333, 31.4167]
    properties = features["strike"]["properties"]
    assert properties["slug"] == "strike"
    assert properties["actors"] == ["israel", "hamas"]
    assert properties["url"] == "/events/strike/"


def test_geojson_of_nothing_is_an_empty_collection(client, world):
    data = as_json(export(client, "timeline:events-geojson", type="ceasefire"))
    assert data == {"type": "FeatureCollection", "excluded_without_coordinates": 0, "features": []}


# -- TimelineJS -----------------------------------------------------------------------------


def test_timelinejs_slides_have_numeric_dates_groups_and_display_dates(client, world):
    response = export(client, "timeline:events-timelinejs")
    assert response["Content-Type"] == "application/json"
    data = as_json(response)
    assert data["title"]["text"]["headline"]
    assert "4 events" in data["title"]["text"]["text"]
    slides = {slide["unique_id"]: slide for slide in data["events"]}
    strike = slides["strike"]
    assert strike["start_date"] == {"year": 2025, "month": 7, "day": 6}
    assert strike["end_date"] == {"year": 2025, "month": 7, "day": 7}
    assert strike["group"] == "Military strike"
    assert strike["display_date"] == "6–7 Jul 2025"
    assert strike["text"]["headline"] == "Strikes on 130 targets"
    assert "media" not in strike
    assert "end_date" not in slides["deaths"]
    assert slides["blockade"]["display_date"] == "about 2 Mar – 19 May 2025"


def test_timelinejs_text_quotes_the_source_and_links_the_event(client, world):
    slides = {
        s["unique_id"]: s for s in as_json(export(client, "timeline:events-timelinejs"))["events"]
    }
    text = slides["deaths"]["text"]["text"]
    evidence = world["deaths"].evidence.get()
    assert "<blockquote>“Officials said 30 were killed”</blockquote>" in text
    assert "Hospital officials in Gaza, in " in text
    assert f'href="http://testserver/articles/wire/#ev-{evidence.pk}"' in text
    assert 'href="http://testserver/events/deaths/"' in text
    assert "more than 30 killed (Hospital officials in Gaza)" in text


@pytest.mark.parametrize(
    ("precision", "start", "end", "start_date", "end_date"),
    [
        ("day", date(2025, 7, 6), None, {"year": 2025, "month": 7, "day": 6}, None),
        ("week", date(2025, 6, 30), None, {"year": 2025, "month": 6, "day": 30}, None),
        ("month", date(2025, 3, 1), None, {"year": 2025, "month": 3}, None),
        (
            "month",
            date(2025, 3, 1),
            date(2025, 5, 31),
            {"year": 2025, "month": 3},
            {"year": 2025, "month": 5},
        ),
        ("year", date(2024, 1, 1), date(2024, 12, 31), {"year": 2024}, None),
        ("year", date(2023, 1, 1), date(2024, 12, 31), {"year": 2023}, {"year": 2024}),
    ],
)
def test_timelinejs_dates_keep_only_what_the_precision_knows(
    client, precision, start, end, start_date, end_date
):
    make_event(slug="fuzzy", date_start=start, date_end=end, date_precision=precision)
    (slide,) = as_json(export(client, "timeline:events-timelinejs"))["events"]
    assert slide["start_date"] == start_date
    assert slide.get("end_date") == end_date


def test_hostile_html_is_escaped_in_timelinejs(client):
    article = make_article(title=HOSTILE, outlet=HOSTILE, text=f"{HOSTILE} said it. Then.")
    event = make_event(title=HOSTILE, summary=HOSTILE, location=make_location(name=HOSTILE))
    make_evidence(event=event, article=article, quote=f"{HOSTILE} said it", attributed_to=HOSTILE)
    make_figure(event=event, attributed_to=HOSTILE)
    (slide,) = as_json(export(client, "timeline:events-timelinejs"))["events"]
    for html in (slide["text"]["headline"], slide["text"]["text"]):
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;" in html
    assert slide["text"]["headline"] == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    )


# -- ACLED ----------------------------------------------------------------------------------


def test_acled_csv_has_exactly_acleds_31_columns_in_order(client, world):
    response = export(client, "timeline:events-acled")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="events-acled-{today}.csv"'
    header = next(csv.reader(io.StringIO(body(response))))
    assert header == [
        "event_id_cnty",
        "event_date",
        "year",
        "time_precision",
        "disorder_type",
        "event_type",
        "sub_event_type",
        "actor1",
        "assoc_actor_1",
        "inter1",
        "actor2",
        "assoc_actor_2",
        "inter2",
        "interaction",
        "civilian_targeting",
        "iso",
        "region",
        "country",
        "admin1",
        "admin2",
        "admin3",
        "location",
        "latitude",
        "longitude",
        "geo_precision",
        "source",
        "source_scale",
        "notes",
        "fatalities",
        "tags",
        "timestamp",
    ]
    assert header == acled.ACLED_COLUMNS


def test_acled_fatalities_are_the_lowest_reported_killed(client, world):
    rows = acled_rows(client)
    # "more than 30" and "about 25–28" killed, 10 injured: ACLED records the lowest, 25.
    assert rows["deaths"]["fatalities"] == "25"
    assert rows["strike"]["fatalities"] == "0"  # 130 targets struck is not a death toll
    assert rows["talks"]["fatalities"] == "0"


def test_acled_row_maps_our_event_onto_acleds_columns(client, world):
    rows = acled_rows(client)
    strike = rows["strike"]
    assert strike["event_id_cnty"] == ""  # not ACLED's event: no id of ACLED's
    assert strike["event_date"] == "2025-07-06"
    assert strike["year"] == "2025"
    assert strike["time_precision"] == "1"
    assert strike["disorder_type"] == "Political violence"
    assert (strike["event_type"], strike["sub_event_type"]) == (
        "Explosions/Remote violence",
        "Air/drone strike",
    )
    assert (strike["actor1"], strike["inter1"]) == ("Israel", "State forces")
    assert (strike["actor2"], strike["inter2"]) == ("Hamas", "Rebel group")
    assert strike["interaction"] == "State forces-Rebel group"
    assert strike["country"] == "Palestine"
    assert strike["location"] == "Gaza Strip"
    assert (strike["latitude"], strike["longitude"]) == ("31.4167", "34.3333")
    assert strike["source"] == "Wire One"  # the outlet the evidence cites
    assert strike["notes"] == "Israel struck 130 targets"
    talks = rows["talks"]
    assert talks["disorder_type"] == "Strategic developments"
    assert (talks["actor1"], talks["actor2"]) == ("Israel", "Hamas")  # two parties
    assert rows["blockade"]["time_precision"] == "3"
    assert {row["event_id_cnty"] for row in rows.values()} == {""}


def test_acled_date_format_acled_writes_acleds_spreadsheet_form(client, world):
    rows = acled_rows(client, date_format="acled")
    assert rows["strike"]["event_date"] == "6-Jul-25"
    assert rows["blockade"]["event_date"] == "2-Mar-25"


def test_acled_sub_type_and_sides_decide_the_columns(client):
    event = make_event(type="property-destruction")
    event.sub_type = event.type.sub_types.get(slug="looting-property-destruction")
    event.save()
    army, rebels, locals_ = make_actor(name="Army"), make_actor(name="Rebels"), make_actor()
    for actor, side, associated in ((army, "a", False), (rebels, "b", False), (locals_, "b", True)):
        event.event_actors.create(actor=actor, role="party", side=side, associated=associated)
    event.event_actors.filter(actor=rebels).update(source_name="Rebels (2019-)")

    (row,) = as_csv(export(client, "timeline:events-acled"))

    assert (row["event_type"], row["sub_event_type"]) == (
        "Strategic developments",
        "Looting/property destruction",
    )
    assert (row["actor1"], row["assoc_actor_1"]) == ("Army", "")
    assert (row["actor2"], row["assoc_actor_2"]) == ("Rebels (2019-)", locals_.name)


def test_an_event_imported_from_acled_exports_its_stored_row(client):
    event = make_event(external_id="acled:PSE75457", external_timestamp=1700000000)
    stored = dict.fromkeys(acled.ACLED_COLUMNS, "as read")
    stored.update(event_id_cnty="PSE75457", event_date="6-Jun-25", timestamp="1700000000")
    DatasetRecord.objects.create(
        event=event, dataset="acled", record_id="PSE75457", revision=1700000000, row=stored
    )
    make_event(slug="ours", date_precision="week")

    rows = acled_rows(client)

    assert rows[event.slug] == {**stored, "event_date": "2025-06-06"}
    assert rows["ours"]["event_id_cnty"] == ""
    assert rows["ours"]["time_precision"] == "2"
    assert acled_rows(client, date_format="acled")[event.slug] == stored


def test_a_bad_date_format_is_a_400_naming_the_choices(client):
    response = export(client, "timeline:events-acled", date_format="ucdp")
    assert response.status_code == 400
    assert "use iso or acled" in response.text
    response = export(client, "timeline:events-ucdp", date_format="acled")
    assert response.status_code == 400
    assert "use iso or ucdp" in response.text


def test_acled_notes_are_the_first_evidence_quote(client):
    article = make_article(text="First claim here. Second claim there.")
    event = make_event()
    make_evidence(event=event, article=article, quote="First claim here", attributed_to="A")
    make_evidence(event=event, article=article, quote="Second claim there", attributed_to="B")
    (row,) = as_csv(export(client, "timeline:events-acled"))
    assert row["notes"] == "First claim here"
    assert row["source"] == article.outlet  # the outlet cited, once


def test_ucdp_csv_has_geds_49_columns_and_maps_our_events(client, world):
    response = export(client, "timeline:events-ucdp")
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="events-ucdp-{today}.csv"'
    text = body(response)
    assert next(csv.reader(io.StringIO(text))) == ucdp.UCDP_COLUMNS
    assert len(ucdp.UCDP_COLUMNS) == 49
    slugs = exported_slugs(client, "timeline:events-json")
    rows = dict(zip(slugs, as_csv(export(client, "timeline:events-ucdp")), strict=True))
    strike = rows["strike"]
    assert strike["id"] == ""  # not UCDP's event: no GED id
    assert strike["type_of_violence"] == "1"  # a strike with a state on a side
    assert (strike["side_a"], strike["side_b"]) == ("Israel", "Hamas")
    assert strike["dyad_name"] == "Israel - Hamas"
    assert (strike["date_start"], strike["date_end"], strike["date_prec"]) == (
        "2025-07-06",
        "2025-07-07",
        "1",
    )
    assert (strike["country"], strike["adm_1"], strike["where_coordinates"]) == (
        "Palestine",
        "Gaza Strip",
        "Gaza Strip",
    )
    deaths = rows["deaths"]
    assert (deaths["type_of_violence"], deaths["low"], deaths["best"], deaths["high"]) == (
        "3",
        "25",
        "25",
        "30",
    )
    assert rows["talks"]["type_of_violence"] == ""  # talks are not organised violence
    ucdp_form = dict(
        zip(slugs, as_csv(export(client, "timeline:events-ucdp", date_format="ucdp")), strict=True)
    )
    assert ucdp_form["strike"]["date_start"] == "2025-07-06 00:00:00.000"


# -- streaming in chunks --------------------------------------------------------------------


def make_events_on_one_day(n: int) -> list[str]:
    """n events sharing one day, each with a place, an actor, a figure and a quote."""
    place = make_location(latitude=31.5, longitude=34.4, parent=make_location(kind="country"))
    actor = make_actor()
    article = make_article(text=" ".join(f"Sentence {i}." for i in range(n)))
    slugs = []
    for i in range(n):
        event = make_event(date_start=date(2025, 1, 1), location=place, actors=[actor])
        make_evidence(event=event, article=article, quote=f"Sentence {i}.")
        make_figure(event=event)
        slugs.append(event.slug)
    return slugs


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("sort", ["date", "-date"])
def test_chunks_neither_skip_nor_repeat_events_on_the_same_day(client, monkeypatch, name, sort):
    slugs = make_events_on_one_day(7)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    monkeypatch.setattr(database_exports, "SQL_CHUNK_SIZE", 2)
    expected = slugs if sort == "date" else slugs[::-1]
    assert exported_slugs(client, name, sort=sort) == expected


# Queries per export: the COUNT (JSON, TimelineJS) or the count of events left out
# (GeoJSON), then per chunk one for the events (values, by keyset) and one each for
# actors, figures and evidence. ACLED and UCDP read the stored rows in the chunk's query;
# events not imported from the dataset (all of them here) are loaded per chunk as
# instances for the mapping: the events, their actors, figures, evidence, the outlets
# cited and the places' ancestors.
FIXED_QUERIES = {
    "timeline:events-json": 1,
    "timeline:events-csv": 0,
    "timeline:events-geojson": 1,
    "timeline:events-timelinejs": 1,
    "timeline:events-acled": 0,
    "timeline:events-ucdp": 0,
}
# On PostgreSQL the database writes the JSON and CSV (timeline/database_exports.py): one
# statement per chunk.
WRITTEN_BY_DATABASE = connection.vendor == "postgresql"
QUERIES_PER_CHUNK = {
    "timeline:events-json": 1 if WRITTEN_BY_DATABASE else 4,
    "timeline:events-csv": 1 if WRITTEN_BY_DATABASE else 4,
    "timeline:events-geojson": 4,
    "timeline:events-timelinejs": 4,
    "timeline:events-acled": 7,
    "timeline:events-ucdp": 7,
}


@pytest.mark.parametrize("name", CHUNKED_EXPORTS)
@pytest.mark.parametrize("n", [3, 9])
def test_export_queries_grow_with_chunks_not_events(
    client, monkeypatch, django_assert_num_queries, name, n
):
    make_events_on_one_day(n)
    chunk_size = 2
    monkeypatch.setattr(exports, "CHUNK_SIZE", chunk_size)
    monkeypatch.setattr(database_exports, "SQL_CHUNK_SIZE", chunk_size)
    chunks = math.ceil(n / chunk_size)
    with django_assert_num_queries(FIXED_QUERIES[name] + chunks * QUERIES_PER_CHUNK[name]):
        response = export(client, name)
        body(response)


@pytest.mark.parametrize("name", CHUNKED_EXPORTS)
def test_export_queries_within_one_chunk_do_not_depend_on_the_number_of_events(
    client, django_assert_num_queries, name
):
    make_events_on_one_day(3)
    expected = FIXED_QUERIES[name] + QUERIES_PER_CHUNK[name]
    with django_assert_num_queries(expected):
        body(export(client, name))
    make_events_on_one_day(12)
    with django_assert_num_queries(expected):
        response = export(client, name)
        assert len(exported_slugs_from(name, response)) == 15


def exported_slugs_from(name: str, response) -> list:
    if name in JSON_EXPORTS:
        data = as_json(response)
        return data.get("events") or data.get("features")
    return as_csv(response)


@pytest.mark.parametrize("chunk_size, queries", [(3, 3), (1000, 1)])
def test_an_export_of_imported_rows_reads_one_query_per_chunk(
    client, monkeypatch, django_assert_num_queries, tmp_path, chunk_size, queries
):
    """The stored rows come with the chunk's own query: nothing is loaded per event."""
    from timeline.datasets.acled import import_acled
    from timeline.tests.test_import_acled import sample_rows, write_rows

    rows = sample_rows()
    import_acled(path=write_rows(tmp_path / "sample.csv", rows))
    monkeypatch.setattr(exports, "CHUNK_SIZE", chunk_size)
    with django_assert_num_queries(queries):
        response = client.get(reverse("timeline:events-acled"), {"date_format": "acled"})
        lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 8
    assert sorted(line[0] for line in lines[1:]) == sorted(row["event_id_cnty"] for row in rows)


def test_figures_read_as_values_say_what_the_model_says(client):
    """Every qualifier and range, open-ended or not, reads as Figure.display does."""
    event = make_event(slug="numbers")
    figures = [
        make_figure(event=event, kind="killed", low=30, qualifier="more-than"),
        make_figure(event=event, kind="killed", low=10, high=15, qualifier="about"),
        make_figure(event=event, kind="injured", low=5, high=7, qualifier="up-to"),
        make_figure(event=event, kind="injured", low=1200, attributed_to="Ministry"),
    ]
    data = as_json(export(client, "timeline:events-json"))
    exported = data["events"][0]["figures"]
    expected = sorted(figures, key=lambda figure: (figure.kind, figure.pk))
    assert [figure["display"] for figure in exported] == [figure.display for figure in expected]
    assert [(f["low"], f["high"], f["qualifier"]) for f in exported] == [
        (figure.low, figure.high, figure.qualifier) for figure in expected
    ]
    row = as_csv(export(client, "timeline:events-csv"))[0]
    assert (row["killed_low"], row["killed_high"]) == ("10", "")
    assert (row["injured_low"], row["injured_high"]) == ("5", "1200")
