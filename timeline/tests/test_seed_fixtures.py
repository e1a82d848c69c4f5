"""The seed in fixtures/: the Doha-talks article and the events coded from it."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from timeline.extraction.article_header import parse_raw_article
from timeline.importing.fixtures import import_fixture_paths
from timeline.models import Article, Event, Evidence, Figure

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED_TEXT = FIXTURES / "2025-07-07-doha-talks.txt"
SHARED_SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "2025-07-07-doha-talks.txt"
ARTICLE = "doha-talks-2025-07-07"


@pytest.fixture
def seeded(db) -> str:
    out = StringIO()
    call_command("import_fixtures", str(FIXTURES), stdout=out)
    return out.getvalue()


def seed_event_slugs() -> list[str]:
    document = yaml.safe_load((FIXTURES / "doha-talks-2025-07-07.yaml").read_text())
    return [event["slug"] for event in document["events"]]


def test_seed_folder_imports_one_article_and_every_event(seeded):
    slugs = seed_event_slugs()

    assert seeded.startswith(f"Imported 1 article (1 created), {len(slugs)} events")
    assert list(Article.objects.values_list("slug", flat=True)) == [ARTICLE]
    assert sorted(Event.objects.values_list("slug", flat=True)) == sorted(slugs)
    assert set(Event.objects.values_list("status", flat=True)) == {Event.Status.PUBLISHED}
    assert set(Event.objects.values_list("reported_on", flat=True)) == {date(2025, 7, 7)}


def test_seed_article_text_is_the_seed_body_exactly(seeded):
    article = Article.objects.get(slug=ARTICLE)
    raw = parse_raw_article(SEED_TEXT.read_bytes().decode("utf-8"))

    assert article.text == raw.body
    assert article.text.startswith("Israel and Hamas have started a delegation-level")
    assert article.title == "Israel and Hamas start indirect ceasefire talks in Qatar"
    assert article.outlet == "BBC (via wire)"
    assert (article.published, article.dateline) == (date(2025, 7, 7), "Tel Aviv")


def test_every_seed_quote_is_the_article_text_at_its_offsets(seeded):
    evidence = list(Evidence.objects.select_related("article"))

    assert len(evidence) >= len(seed_event_slugs())
    for item in evidence:
        assert item.article.text[item.start : item.end] == item.quote
        assert item.attributed_to


def test_every_seed_event_has_evidence(seeded):
    for event in Event.objects.prefetch_related("evidence"):
        assert event.evidence.all(), event.slug


def test_seed_casualty_report_has_the_more_than_30_figure_with_attribution(seeded):
    event = Event.objects.get(slug="gaza-hospital-deaths-2025-07-06")
    figure = event.figures.get()
    evidence = figure.evidence

    assert event.type.slug == "casualty-report"
    assert (event.date_start, event.date_end, event.date_precision) == (
        date(2025, 7, 6),
        None,
        "day",
    )
    assert event.location.slug == "gaza-strip"
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == (
        Figure.Kind.KILLED,
        30,
        None,
        Figure.Qualifier.MORE_THAN,
    )
    assert figure.attributed_to == "Hospital officials in Gaza"
    assert figure.display == "more than 30 killed"
    assert (
        evidence.quote
        == "Hospital officials in Gaza said more than 30 people were killed on Sunday"
    )
    assert evidence.attributed_to == "Hospital officials in Gaza, via the BBC"


def test_seed_strikes_carry_the_israeli_military_figure(seeded):
    event = Event.objects.get(slug="israel-strikes-130-hamas-targets-2025-07-06")
    figure = event.figures.get()

    assert (event.date_start, event.date_end, event.date_precision) == (
        date(2025, 7, 6),
        date(2025, 7, 7),
        "day",
    )
    assert (figure.kind, figure.low, figure.qualifier) == ("targets-struck", 130, "exact")
    assert figure.attributed_to == "Israeli military"
    assert figure.evidence.attributed_to == "Israeli military, via the BBC"
    roles = {(ea.actor.slug, ea.role) for ea in event.event_actors.select_related("actor")}
    assert roles == {("israel", "initiator"), ("hamas", "target")}


@pytest.mark.parametrize(
    ("slug", "type_slug", "start", "end", "precision", "location"),
    [
        ("israel-hamas-indirect-talks-doha-2025-07-07", "negotiation", "2025-07-07", None, "day",
         "doha"),
        ("netanyahu-trump-meeting-washington-2025-07-07", "diplomatic-meeting", "2025-07-07",
         None, "day", "washington"),
        ("israel-hamas-ceasefire-ends-2025-03", "ceasefire", "2025-03-01", "2025-03-31",
         "month", "gaza-strip"),
        ("israel-resumes-gaza-offensive-2025-03", "military-strike", "2025-03-01", "2025-03-31",
         "month", "gaza-strip"),
        ("israel-gaza-aid-blockade-2025-03-to-05", "blockade", "2025-03-02", "2025-05-19",
         "approximate", "gaza-strip"),
        ("hamas-responds-positively-to-ceasefire-proposal-2025-07", "statement", "2025-07-07",
         None, "approximate", None),
    ],
)  # fmt: skip
def test_seed_event_dates_types_and_places(
    seeded, slug, type_slug, start, end, precision, location
):
    event = Event.objects.select_related("type", "location").get(slug=slug)

    assert event.type.slug == type_slug
    assert event.date_start == date.fromisoformat(start)
    assert event.date_end == (date.fromisoformat(end) if end else None)
    assert event.date_precision == precision
    assert (event.location.slug if event.location else None) == location


def test_seed_talks_have_both_parties_and_both_mediators(seeded):
    event = Event.objects.get(slug="israel-hamas-indirect-talks-doha-2025-07-07")

    roles = {(ea.actor.slug, ea.role) for ea in event.event_actors.select_related("actor")}
    assert roles == {
        ("israel", "party"),
        ("hamas", "party"),
        ("qatar", "mediator"),
        ("egypt", "mediator"),
    }
    quotes = [e.quote for e in event.evidence.all()]
    assert quotes[0].startswith("Israel and Hamas have started")
    assert quotes[1].startswith("Qatari and Egyptian mediators will have their work cut out")


def test_seed_reimport_changes_nothing(seeded):
    ids = sorted(Evidence.objects.values_list("id", flat=True))

    summary = import_fixture_paths(paths=[FIXTURES])

    assert not summary.changed
    assert summary.events.unchanged == len(seed_event_slugs())
    assert sorted(Evidence.objects.values_list("id", flat=True)) == ids


def test_fixture_text_is_byte_identical_to_the_shared_seed():
    if not SHARED_SEED.exists():
        pytest.skip(f"the shared seed is not here ({SHARED_SEED}); nothing to compare with")

    assert SEED_TEXT.read_bytes() == SHARED_SEED.read_bytes()
