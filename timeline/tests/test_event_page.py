"""The event page and cards say who claimed a figure and who coded it, show the sides, and
show a dataset's own record in an "As coded by" panel."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from timeline.models import DatasetRecord, Figure
from timeline.provenance import describe_figure, split_sources
from timeline.tests.factories import (
    ACLED_ROW,
    make_acled_event,
    make_actor,
    make_article,
    make_dataset_record,
    make_event,
    make_evidence,
    make_figure,
    make_side,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script>'

# A real UCDP GED 23.1 row's columns that matter here (id 176584 of the Israel slice has
# best 1; these numbers are made up to show a range).
UCDP_ROW = {
    "id": "244653",
    "type_of_violence": "1",
    "conflict_name": "Israel: Palestine",
    "side_a": "Government of Israel",
    "side_b": "Hamas",
    "source_office": "Reuters;AFP",
    "source_headline": "Israeli air strike kills five in Gaza",
    "best": "5",
    "low": "3",
    "high": "8",
}


INLINE_TAGS = re.compile(r"</?(?:a|strong|span|em|code|time)\b[^>]*>")


def as_text(html: str) -> str:
    """HTML as a reader sees it: inline tags dropped, blocks apart, spaces collapsed."""
    html = INLINE_TAGS.sub("", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def text_of(response) -> str:
    return as_text(response.text)


def section(response, heading_id: str) -> str:
    match = re.search(
        rf'<section[^>]*aria-labelledby="{heading_id}">.*?</section>', response.text, re.S
    )
    assert match, f"no section {heading_id}"
    return as_text(match.group(0))


def test_an_acled_figure_reads_as_acleds_coding_from_the_outlets_it_read(client):
    event = make_acled_event(
        fatalities="1",
        source="Israeli Defense Forces; Ma'an News Agency; Palestinian Ministry of Health",
    )

    figures = section(client.get(event.get_absolute_url()), "figures-heading")

    assert (
        "ACLED coded at least 1 fatality, from: Israeli Defense Forces; Ma'an News Agency; "
        "Palestinian Ministry of Health"
    ) in figures
    assert "claimed by" not in figures
    assert "Dataset coding" in figures


def test_a_claim_reads_as_claimed_by_its_source_via_the_outlet(client):
    event = make_event(type="casualty-report")
    article = make_article(
        outlet="the BBC", text="Hospital officials in Gaza said more than 30 people were killed."
    )
    evidence = make_evidence(event=event, article=article)
    make_figure(
        event=event,
        low=30,
        qualifier="more-than",
        attributed_to="hospital officials in Gaza",
        evidence=evidence,
    )

    figures = section(client.get(event.get_absolute_url()), "figures-heading")

    assert "Claim more than 30 killed — claimed by hospital officials in Gaza, via the BBC" in (
        figures
    )


def test_ucdp_coding_reads_as_a_best_estimate_inside_its_range(client):
    event = make_event(sub_type="state-based-violence")
    make_figure(
        event=event,
        basis=Figure.Basis.CODING,
        low=3,
        best=5,
        high=8,
        attributed_to="UCDP",
    )
    make_dataset_record(event=event, dataset="ucdp", row=UCDP_ROW, record_id="244653")

    page = client.get(event.get_absolute_url())

    assert "UCDP coded 5 deaths (best estimate; low 3, high 8), from: Reuters; AFP" in section(
        page, "figures-heading"
    )
    assert "As coded by UCDP GED" in text_of(page)


def test_no_outlet_is_named_as_claimant_of_a_coded_number():
    figure = Figure(
        kind="killed", basis="coding", low=4, qualifier="at-least", attributed_to="ACLED"
    )

    words = str(describe_figure(figure, outlets=["Quds News Network", "Twitter"]))

    assert words == "ACLED coded at least 4 fatalities, from: Quds News Network; Twitter"
    assert "claimed" not in words


def test_a_figure_with_no_claimant_says_so():
    figure = Figure(kind="injured", low=12, qualifier="exact", attributed_to="")

    assert str(describe_figure(figure)) == "12 injured — not attributed to a source"


def test_a_dataset_source_list_splits_into_outlets_in_order_without_repeats():
    assert split_sources("Al Ghad (Jordan); Arab 48;Quds News Network; ; Arab 48") == [
        "Al Ghad (Jordan)",
        "Arab 48",
        "Quds News Network",
    ]


def test_the_event_page_shows_side_a_vs_side_b_primary_first_with_the_datasets_spelling(client):
    israel = make_actor(slug="israel", name="Israel")
    event = make_acled_event(resolve={"Military Forces of Israel (2022-)": israel})

    page = client.get(event.get_absolute_url())
    text = text_of(page)

    assert (
        "Sides Side A: Israel (“Military Forces of Israel (2022-)” in ACLED) vs "
        "Side B: PIJ: Palestinian Islamic Jihad; associated: Civilians (Palestine), "
        "Journalists (Palestine)"
    ) in text
    sides = re.search(r'<dd class="sides">.*?</dd>', page.text, re.S).group(0)
    links = re.findall(r'<a href="/actors/([^/]+)/">', sides)
    assert links[0] == "israel"
    assert len(links) == 4  # every actor links to its page


def test_a_side_of_associated_actors_only_and_a_spelling_without_a_dataset(client):
    event = make_event(type="armed-clash")
    make_side(event=event, actor=make_actor(name="Hamas"), side="a", source_name="Hamas Movement")
    make_side(event=event, actor=make_actor(name="Fatah"), side="b", associated=True)

    text = text_of(client.get(event.get_absolute_url()))

    assert "Side A: Hamas (“Hamas Movement” in the source) vs Side B: associated: Fatah" in text


def test_actors_without_sides_are_listed_with_their_role(client):
    talks = make_event(actors=[(make_actor(name="Qatar"), "mediator")])

    text = text_of(client.get(talks.get_absolute_url()))

    assert "Who Qatar mediator" in text
    assert "Side A" not in text


def test_the_coding_panel_lists_every_column_of_the_record_in_the_datasets_order(client):
    event = make_acled_event()

    page = client.get(event.get_absolute_url())
    panel = re.search(r'<section class="coded-record".*?</section>', page.text, re.S).group(0)

    assert "As coded by ACLED" in panel
    assert '<strong class="record-id">PSE75473</strong>' in panel
    names = re.findall(r"<dt><code>([^<]+)</code></dt>", panel)
    assert names == list(ACLED_ROW)
    assert "Civilians (Palestine); Journalists (Palestine)" in panel
    assert "Fatalities coded as at least 4." in panel
    assert "(blank)" in panel  # assoc_actor_1 is empty


def test_the_coding_panel_escapes_the_datasets_text(client):
    event = make_acled_event(notes=f"Notes with {HOSTILE} in them.", tags=HOSTILE)

    page = client.get(event.get_absolute_url())

    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text


def test_an_event_with_no_dataset_record_has_no_coding_panel(client):
    event = make_event()

    assert "coded-record" not in client.get(event.get_absolute_url()).text


def test_the_event_page_names_the_type_and_sub_type(client):
    event = make_event(sub_type="looting-property-destruction")

    page = client.get(event.get_absolute_url())

    assert "Type Property destruction › Looting or property destruction" in text_of(page)
    assert 'href="/?sub_type=looting-property-destruction"' in page.text


def test_the_event_page_query_count_is_pinned(client, django_assert_num_queries):
    event = make_acled_event()
    make_figure(event=event, low=7, attributed_to="Civil defence")

    # The event with its type, sub-type, place and record; its actors; figures; evidence
    # and its articles' outlets; its history (events, figures, evidence, actors: one query
    # each, timeline/history.py); and beside it (timeline/related.py) events at the same
    # place, and with the same actors before and after it.
    with django_assert_num_queries(12):
        response = client.get(event.get_absolute_url())
    assert response.status_code == 200


def test_cards_show_the_sub_type_and_the_coding_in_words(client):
    make_acled_event(
        fatalities="1",
        source="Israeli Defense Forces; Ma'an News Agency; Palestinian Ministry of Health",
    )

    response = client.get(reverse("timeline:timeline"))
    card = re.search(r'<article class="event-card.*?</article>', response.text, re.S).group(0)
    text = as_text(card)

    assert "✸ Military strike Air or drone strike" in text
    assert (
        "ACLED coded at least 1 fatality, from: Israeli Defense Forces; Ma'an News Agency; "
        "Palestinian Ministry of Health"
    ) in text
    assert "claimed by Israeli Defense Forces" not in text


def test_cards_of_claims_say_who_claimed_them(client):
    event = make_event(type="casualty-report", date_start=date(2025, 7, 6))
    make_figure(event=event, low=30, qualifier="more-than", attributed_to="Hospital officials")

    text = text_of(client.get(reverse("timeline:timeline")))

    assert "more than 30 killed — claimed by Hospital officials" in text


def test_the_dataset_record_survives_as_given(client):
    event = make_acled_event()

    record = DatasetRecord.objects.get(event=event)

    assert record.row == ACLED_ROW
    assert record.get_dataset_display() == "ACLED"
