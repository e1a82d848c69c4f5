"""Model validation: evidence against its article, dates, figures, places."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from timeline.date_display import describe_span
from timeline.models import Event, EventSubType, EventType, Evidence, Figure, Location
from timeline.tests.factories import (
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = pytest.mark.django_db


def test_the_sixteen_event_types_are_seeded_with_acled_and_plover_mappings():
    slugs = set(EventType.objects.values_list("slug", flat=True))
    assert slugs == {
        "negotiation",
        "diplomatic-meeting",
        "statement",
        "military-strike",
        "armed-clash",
        "casualty-report",
        "blockade",
        "humanitarian-aid",
        "ceasefire",
        "hostage-release",
        "violence-against-civilians",
        "protest",
        "riot",
        "arrest",
        "property-destruction",
        "strategic-development",
    }
    for event_type in EventType.objects.all():
        assert event_type.acled_event_type and event_type.acled_sub_event_type
        assert event_type.plover_category
        assert event_type.symbol


def test_every_acled_sub_event_type_and_ucdp_violence_type_is_exactly_one_sub_type():
    acled = list(
        EventSubType.objects.exclude(acled_sub_event_type="").values_list(
            "acled_sub_event_type", flat=True
        )
    )
    assert len(acled) == len(set(acled)) == 25
    ucdp = sorted(
        EventSubType.objects.exclude(ucdp_type_of_violence=None).values_list(
            "ucdp_type_of_violence", flat=True
        )
    )
    assert ucdp == [1, 2, 3]


def test_a_sub_type_of_another_type_is_refused():
    event = make_event(type="military-strike")
    event.sub_type = EventSubType.objects.get(slug="peaceful-protest")
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "sub_type" in error.value.message_dict


def test_evidence_offsets_are_found_from_the_quote():
    article = make_article(text="One. Two officials said three. Four.")
    evidence = make_evidence(event=make_event(), article=article, quote="Two officials said three")
    assert (evidence.start, evidence.end) == (5, 29)
    assert article.text[evidence.start : evidence.end] == evidence.quote


def test_a_quote_not_in_the_article_is_rejected():
    article = make_article(text="Something happened.")
    evidence = Evidence(event=make_event(), article=article, quote="Nothing happened")
    with pytest.raises(ValidationError, match="not in the article"):
        evidence.full_clean()


def test_an_ambiguous_quote_without_offsets_is_rejected():
    article = make_article(text="Talks began. Talks began.")
    evidence = Evidence(event=make_event(), article=article, quote="Talks began")
    with pytest.raises(ValidationError, match="more than once"):
        evidence.full_clean()


def test_offsets_must_match_the_quote_and_lie_inside_the_text():
    article = make_article(text="Talks began. Talks ended.")
    event = make_event()
    good = Evidence(event=event, article=article, quote="Talks", start=13, end=18)
    good.full_clean()
    with pytest.raises(ValidationError, match="does not match"):
        Evidence(event=event, article=article, quote="Talks", start=14, end=19).full_clean()
    with pytest.raises(ValidationError, match="outside the article"):
        Evidence(event=event, article=article, quote="x", start=24, end=99).full_clean()


def test_article_text_cannot_be_rewritten_under_evidence():
    article = make_article(text="Talks began in Doha.")
    make_evidence(event=make_event(), article=article, quote="Talks began")
    article.text = "Talks resumed in Doha."
    with pytest.raises(ValidationError, match="cannot be rewritten"):
        article.full_clean()


def test_article_keeps_a_content_hash():
    article = make_article(text="Exact text.")
    other = make_article(text="Exact text.")
    assert article.content_hash == other.content_hash
    assert len(article.content_hash) == 64


def test_event_end_before_start_is_rejected_by_validation_and_the_database():
    event = Event(
        slug="x",
        title="x",
        type=EventType.objects.get(slug="ceasefire"),
        date_start=date(2025, 3, 31),
        date_end=date(2025, 3, 1),
    )
    with pytest.raises(ValidationError, match="before the start"):
        event.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()


def test_event_keeps_its_last_day_for_overlap_queries():
    single = make_event(date_start=date(2025, 7, 6))
    span = make_event(date_start=date(2025, 3, 2), date_end=date(2025, 5, 19))
    assert single.date_last == date(2025, 7, 6)
    assert span.date_last == date(2025, 5, 19)
    overlapping = Event.objects.overlapping(date(2025, 5, 1), date(2025, 5, 31))
    assert list(overlapping) == [span]


def test_figure_low_above_high_is_rejected():
    figure = Figure(event=make_event(), kind="killed", low=40, high=30)
    with pytest.raises(ValidationError, match="below the low"):
        figure.full_clean()


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"low": 30, "qualifier": "more-than"}, "more than 30 killed"),
        ({"low": 12, "qualifier": "at-least"}, "at least 12 killed"),
        ({"low": 10, "high": 15, "qualifier": "about"}, "about 10–15 killed"),
        ({"low": 0, "high": 20, "qualifier": "up-to"}, "up to 20 killed"),
        ({"low": 1300, "qualifier": "exact"}, "1,300 killed"),
    ],
)
def test_figures_read_as_claimed(fields, shown):
    assert make_figure(event=make_event(), **fields).display == shown


def test_location_paths_follow_their_parents():
    country = make_location(slug="palestine", name="Palestine")
    gaza = make_location(slug="gaza-strip", name="Gaza Strip", parent=country)
    city = make_location(slug="gaza-city", name="Gaza City", parent=gaza)
    assert city.tree_path == "/palestine/gaza-strip/gaza-city/"
    other = make_location(slug="levant", name="Levant")
    gaza.parent = other
    gaza.save()
    city.refresh_from_db()
    assert city.tree_path == "/levant/gaza-strip/gaza-city/"


def test_a_place_cannot_be_inside_itself():
    country = make_location(slug="a")
    child = make_location(slug="b", parent=country)
    country.parent = child
    with pytest.raises(ValidationError, match="inside itself"):
        country.full_clean()


def test_coordinates_come_in_pairs_and_in_range():
    with pytest.raises(ValidationError):
        Location(slug="x", name="x", latitude=31.5).full_clean()
    with pytest.raises(ValidationError):
        Location(slug="x", name="x", latitude=95, longitude=34).full_clean()


@pytest.mark.parametrize(
    ("start", "end", "precision", "shown"),
    [
        (date(2025, 7, 6), None, "day", "6 Jul 2025"),
        (date(2025, 7, 6), date(2025, 7, 7), "day", "6–7 Jul 2025"),
        (date(2025, 6, 30), date(2025, 7, 2), "day", "30 Jun – 2 Jul 2025"),
        (date(2025, 6, 30), None, "week", "week of 30 Jun 2025"),
        (date(2025, 3, 1), date(2025, 3, 31), "month", "March 2025"),
        (date(2025, 3, 1), date(2025, 5, 31), "month", "March – May 2025"),
        (date(2025, 1, 1), date(2025, 12, 31), "year", "2025"),
        (date(2025, 3, 2), date(2025, 5, 19), "approximate", "about 2 Mar – 19 May 2025"),
        (date(2025, 3, 2), None, "approximate", "about 2 Mar 2025"),
        (date(2024, 12, 30), date(2025, 1, 2), "day", "30 Dec 2024 – 2 Jan 2025"),
    ],
)
def test_dates_render_at_their_precision(start, end, precision, shown):
    assert describe_span(start, end, precision) == shown
