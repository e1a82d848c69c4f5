"""The sub_type filter: narrowing, its chip, its facet nested under each type, exports."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline.tests.factories import make_actor, make_event

pytestmark = pytest.mark.django_db


def slugs_in(response) -> list[str]:
    return re.findall(r'<article class="event-card[^"]*" data-event="([^"]+)"', response.text)


def timeline(client, query: str = ""):
    return client.get(reverse("timeline:timeline") + query)


@pytest.fixture
def strikes():
    """Two air strikes, one shelling (military strike), one peaceful protest, one negotiation."""
    israel = make_actor(slug="israel", name="Israel")
    return {
        "air-1": make_event(slug="air-1", sub_type="air-drone-strike", actors=[israel]),
        "air-2": make_event(slug="air-2", sub_type="air-drone-strike", date_start=date(2025, 7, 8)),
        "shelling": make_event(
            slug="shelling", sub_type="shelling-artillery-missile", actors=[israel]
        ),
        "protest": make_event(slug="protest", sub_type="peaceful-protest", actors=[israel]),
        "talks": make_event(slug="talks", type="negotiation"),
    }


def test_sub_type_narrows_the_timeline_to_events_of_that_sub_type(client, strikes):
    response = timeline(client, "?sub_type=air-drone-strike")

    assert response.status_code == 200
    assert sorted(slugs_in(response)) == ["air-1", "air-2"]


def test_several_sub_types_mean_any_of_them(client, strikes):
    response = timeline(client, "?sub_type=air-drone-strike&sub_type=peaceful-protest")

    assert sorted(slugs_in(response)) == ["air-1", "air-2", "protest"]


def test_sub_type_and_other_filters_all_apply(client, strikes):
    response = timeline(client, "?sub_type=air-drone-strike&actor=israel")

    assert slugs_in(response) == ["air-1"]


def test_an_unknown_sub_type_is_a_clear_message_and_a_400_not_a_500(client, strikes):
    response = timeline(client, "?sub_type=carpet-bombing")

    assert response.status_code == 400
    assert "there is no event sub-type “carpet-bombing”" in response.text
    assert slugs_in(response) == []


@pytest.mark.parametrize("export", ["events.json", "events.csv", "events.acled.csv"])
def test_exports_accept_sub_type_and_refuse_an_unknown_one(client, strikes, export):
    good = client.get(f"/{export}?sub_type=shelling-artillery-missile")
    bad = client.get(f"/{export}?sub_type=carpet-bombing")

    assert good.status_code == 200
    body = b"".join(good.streaming_content).decode() if good.streaming else good.text
    # The ACLED export names no curated event by slug (no fake event_id_cnty): its type does.
    assert "shelling" in body.lower() and "air-1" not in body
    assert bad.status_code == 400
    assert "carpet-bombing" in bad.content.decode()


def test_a_chosen_sub_type_is_a_removable_chip(client, strikes):
    response = timeline(client, "?sub_type=air-drone-strike&sort=-date")

    chip = re.search(
        r'<a href="([^"]*)" aria-label="Remove filter Sub-type: Air or drone strike"', response.text
    )
    assert chip, "no chip for the sub-type"
    assert chip.group(1) == "?sort=-date"


def facet(response) -> dict[str, dict[str, int]]:
    """{type slug: {sub-type slug: count}} as the filter panel nests them."""
    nested: dict[str, dict[str, int]] = {}
    panel = re.search(
        r'<fieldset class="facet" id="facet-type">.*?</fieldset>', response.text, re.S
    )
    assert panel, "no type facet"
    current = None
    # Each option is <li data-count=N><input name=… value=…>; read them pairwise.
    for count, name, value in re.findall(
        r'data-count="(\d+)">\s*<input type="checkbox" name="(type|sub_type)" value="([^"]+)"',
        panel.group(0),
    ):
        if name == "type":
            current = nested.setdefault(value, {})
        else:
            assert current is not None
            current[value] = int(count)
    return nested


def test_sub_types_are_nested_under_their_type_with_counts(client, strikes):
    nested = facet(timeline(client))

    assert nested["military-strike"] == {"air-drone-strike": 2, "shelling-artillery-missile": 1}
    assert nested["protest"] == {"peaceful-protest": 1}
    assert nested["negotiation"] == {}  # talks have no sub-type; none listed


def test_sub_type_counts_apply_every_other_filter_but_their_own(client, strikes):
    # Datasette's semantics: choosing a sub-type leaves its siblings' counts as they were,
    # while the actor filter narrows them.
    nested = facet(timeline(client, "?sub_type=air-drone-strike&actor=israel"))

    assert nested["military-strike"] == {"air-drone-strike": 1, "shelling-artillery-missile": 1}
    assert nested["protest"] == {"peaceful-protest": 1}


def test_a_chosen_sub_type_stays_listed_and_ticked_when_nothing_matches(client, strikes):
    response = timeline(client, "?sub_type=chemical-weapon")

    assert facet(response)["military-strike"]["chemical-weapon"] == 0
    assert re.search(
        r'value="chemical-weapon" id="sub_type-chemical-weapon" checked', response.text
    )


def queries_for(client, query: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = timeline(client, query)
    assert response.status_code == 200
    return len(captured)


# 17: the data version (timeline.count_cache), the page, its count, the chart, every facet
# (sub-types: one grouped count and one list); the chosen type and sub-type each add the
# query that looks their slugs up. PostgreSQL asks once more: whether the facet summary is
# current (timeline.facet_summary; inside a test's uncommitted transaction it is not, and
# the facets count exactly); and it counts the type, sub-type and place facets in one
# query when at least two of them are not filtered (EventFilter._shared_counts): 2 fewer,
# and that query counts the page's total and the chart's rows too: 3 fewer.
@pytest.mark.parametrize(
    ("query", "sqlite", "postgresql"),
    [("", 17, 13), ("?sub_type=air-drone-strike&type=military-strike", 19, 20)],
)
def test_the_facet_query_count_does_not_grow_with_sub_types_or_events(
    client, django_assert_num_queries, query, sqlite, postgresql
):
    make_event(sub_type="air-drone-strike")
    few = queries_for(client, query)
    for slug in ["air-drone-strike", "grenade", "armed-clash", "arrests", "peaceful-protest"]:
        for _ in range(4):
            make_event(sub_type=slug)

    with django_assert_num_queries(few):
        timeline(client, query)
    assert few == (postgresql if connection.vendor == "postgresql" else sqlite)


# -- the six new top-level types' colours ---------------------------------------------------

NEW_TYPES = [
    "violence-against-civilians",
    "protest",
    "riot",
    "arrest",
    "property-destruction",
    "strategic-development",
]


def colour_rules(css: str) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """({slug: (colour, ink)} for the light theme, the same for the dark theme's overrides)."""
    light_css, _, dark_css = css.partition("@media (prefers-color-scheme: dark)")
    pattern = r"\.type-([a-z-]+)\{--type-colour:(#[0-9A-Fa-f]{6});--type-ink:(#[0-9a-f]{6})\}"

    def rules(text):
        return {slug: (colour, ink) for slug, colour, ink in re.findall(pattern, text)}

    return rules(light_css), rules(dark_css)


def test_every_type_has_a_colour_with_readable_ink_that_stands_out_on_both_themes(client):
    from timeline.colours import DARK_BACKGROUND, contrast
    from timeline.models import EventType

    light, dark = colour_rules(client.get(reverse("timeline:type-styles")).text)

    assert set(NEW_TYPES) <= set(light)
    assert set(light) == set(EventType.objects.values_list("slug", flat=True))
    for slug, (colour, ink) in light.items():
        assert contrast(colour, ink) >= 4.5, f"{slug}: its label is hard to read"
        dark_colour, dark_ink = dark.get(slug, (colour, ink))
        assert contrast(dark_colour, DARK_BACKGROUND) >= 3, f"{slug} vanishes on the dark page"
        assert contrast(dark_colour, dark_ink) >= 4.5, f"{slug}: its dark label is hard to read"
    new_colours = {light[slug][0].lower() for slug in NEW_TYPES}
    old_colours = {colour.lower() for slug, (colour, _) in light.items() if slug not in NEW_TYPES}
    assert len(new_colours) == len(NEW_TYPES) and not new_colours & old_colours


def test_the_filter_panel_and_chart_legend_draw_the_new_types_with_their_colour_class(client):
    make_event(sub_type="peaceful-protest")
    make_event(sub_type="arrests")

    response = timeline(client)

    for slug in ("protest", "arrest"):
        assert f'<span class="type-swatch type-{slug}" aria-hidden="true">' in response.text
    legend = re.search(r'<ul class="inline-list chart-legend".*?</ul>', response.text, re.S)
    assert "type-swatch type-protest" in legend.group(0)
    assert "type-swatch type-arrest" in legend.group(0)
