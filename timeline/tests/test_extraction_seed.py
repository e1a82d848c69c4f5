"""The extractor against the analyst's answer key for the seed article."""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from timeline.extraction.article_header import parse_raw_article
from timeline.extraction.evaluation import KeyEvent, evaluate
from timeline.extraction.gazetteer import Gazetteer, GazetteerEntry
from timeline.extraction.propose import propose_events

SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "2025-07-07-doha-talks.txt"

GAZETTEER = Gazetteer(
    [
        GazetteerEntry(
            "actor",
            "israel",
            (
                "Israel",
                "Israeli",
                "Israeli government",
                "Israeli military",
                "IDF",
                "Israeli forces",
                "Military Forces of Israel",
            ),
        ),
        GazetteerEntry("actor", "hamas", ("Hamas",)),
        GazetteerEntry(
            "actor",
            "benjamin-netanyahu",
            ("Benjamin Netanyahu", "Netanyahu", "Israeli Prime Minister"),
        ),
        GazetteerEntry("actor", "donald-trump", ("Donald Trump", "Trump", "US President")),
        GazetteerEntry("actor", "united-states", ("United States", "US", "USA")),
        GazetteerEntry("actor", "qatar", ("Qatar", "Qatari")),
        GazetteerEntry("actor", "egypt", ("Egypt", "Egyptian")),
        GazetteerEntry("location", "gaza-strip", ("Gaza Strip", "Gaza")),
        GazetteerEntry("location", "doha", ("Doha",)),
        GazetteerEntry("location", "qatar", ("Qatar",)),
        GazetteerEntry("location", "washington", ("Washington",)),
        GazetteerEntry("location", "israel", ("Israel",)),
        GazetteerEntry("location", "tel-aviv", ("Tel Aviv",)),
    ]
)


def _span(body: str, quote: str) -> tuple[int, int]:
    start = body.index(quote)
    assert body.count(quote) == 1, quote
    return start, start + len(quote)


def answer_key(body: str) -> list[KeyEvent]:
    """The analyst's coding of the seed article, with evidence located by quote: the same
    fourteen events as the curated fixture, fixtures/doha-talks-2025-07-07.yaml."""
    day = date(2025, 7, 7)
    return [
        KeyEvent(
            "negotiation",
            day,
            None,
            (
                _span(body, "Israel and Hamas have started a delegation-level indirect round"),
                _span(body, "Qatari and Egyptian mediators will have their work cut out"),
            ),
        ),
        KeyEvent(
            "diplomatic-meeting",
            day,
            None,
            (_span(body, "his meeting with the US President on Monday"),),
        ),
        KeyEvent(
            "statement",
            day,
            None,
            (_span(body, "he had issued his negotiators clear instructions"),),
        ),
        KeyEvent("statement", day, None, (_span(body, "in a positive spirit"),)),
        KeyEvent("statement", day, None, (_span(body, "three missions"),)),
        KeyEvent(
            "statement",
            day,
            None,
            (_span(body, "The Israeli Prime Minister said he thinks his meeting"),),
        ),
        KeyEvent(
            "statement",
            day,
            None,
            (
                _span(body, "Hamas still seems to be holding out for"),
                _span(body, "Netanyahu's government, however, has rejected this before"),
            ),
        ),
        KeyEvent(
            "statement",
            day,
            None,
            (_span(body, "The Israeli government says these measures have been aimed"),),
        ),
        KeyEvent(
            "ceasefire",
            date(2025, 3, 1),
            date(2025, 3, 31),
            (_span(body, "since the previous ceasefire ended in March"),),
        ),
        KeyEvent(
            "military-strike",
            date(2025, 3, 1),
            date(2025, 3, 31),
            (_span(body, "Israel has since resumed its offensive against Hamas"),),
        ),
        KeyEvent(
            "blockade",
            date(2025, 3, 2),
            date(2025, 5, 19),
            (_span(body, "imposing an eleven-week blockade on aid entering Gaza"),),
        ),
        KeyEvent(
            "humanitarian-aid",
            date(2025, 5, 19),
            None,
            (_span(body, "which was partially lifted several weeks ago"),),
        ),
        KeyEvent(
            "military-strike",
            date(2025, 7, 6),
            date(2025, 7, 7),
            (_span(body, "the Israeli military says it struck 130 Hamas targets"),),
            (("targets-struck", 130),),
        ),
        KeyEvent(
            "casualty-report",
            date(2025, 7, 6),
            None,
            (_span(body, "Hospital officials in Gaza said more than 30 people were killed"),),
            (("killed", 30),),
        ),
    ]


@pytest.fixture(scope="module")
def seed_article():
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    return parse_raw_article(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_proposals(seed_article):
    return propose_events(
        seed_article.body,
        published=seed_article.published,
        gazetteer=GAZETTEER,
        dateline=seed_article.dateline,
    )


def test_seed_proposals_match_the_answer_key_with_high_precision_and_recall(
    seed_article, seed_proposals
):
    report = evaluate(
        {"seed": seed_proposals},
        {"seed": answer_key(seed_article.body)},
        texts_by_doc={"seed": seed_article.body},
    )
    print(report.format())
    assert report.overall.precision >= 0.9
    assert report.overall.recall >= 0.9
    assert report.figure_accuracy == 1.0


def test_every_seed_evidence_span_and_figure_quotes_the_body_exactly(seed_article, seed_proposals):
    body = seed_article.body
    for proposal in seed_proposals:
        for evidence in proposal.evidence:
            assert body[evidence.start : evidence.end] == evidence.quote
        for figure in proposal.figures:
            assert body[figure.start : figure.end] == figure.text


def test_seed_casualty_report_is_dated_sunday_in_gaza_and_attributed_via_the_bbc(seed_proposals):
    [report] = [p for p in seed_proposals if p.event_type == "casualty-report"]
    assert report.date_start == date(2025, 7, 6)
    assert report.location_slug == "gaza-strip"
    [figure] = report.figures
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == (
        "killed",
        30,
        None,
        "more-than",
    )
    assert figure.attributed_to == "Hospital officials in Gaza"
    assert report.evidence[0].attributed_to == "Hospital officials in Gaza, via the BBC"


def test_seed_strikes_in_the_past_day_carry_the_target_count_and_the_military_as_source(
    seed_proposals,
):
    [strike] = [
        p
        for p in seed_proposals
        if p.event_type == "military-strike" and p.date_end == date(2025, 7, 7)
    ]
    assert strike.date_start == date(2025, 7, 6)
    [figure] = strike.figures
    assert (figure.kind, figure.low, figure.qualifier) == ("targets-struck", 130, "exact")
    assert figure.attributed_to == "the Israeli military"
    assert ("israel", "initiator") in strike.actors
    assert ("hamas", "target") in strike.actors


def test_seed_blockade_is_an_approximate_range_ending_weeks_before_publication(seed_proposals):
    [blockade] = [p for p in seed_proposals if p.event_type == "blockade"]
    assert blockade.date_precision == "approximate"
    assert blockade.date_end is not None
    assert (blockade.date_end - blockade.date_start).days == 77
    assert date(2025, 2, 15) <= blockade.date_start <= date(2025, 3, 20)


def test_seed_partial_lifting_is_aid_restored_in_an_approximate_span_weeks_ago(seed_proposals):
    [aid] = [p for p in seed_proposals if p.event_type == "humanitarian-aid"]
    assert aid.date_precision == "approximate"
    assert aid.date_end is not None
    assert aid.date_start <= date(2025, 5, 19) <= aid.date_end < date(2025, 7, 7)
    assert aid.location_slug == "gaza-strip"
    [blockade] = [p for p in seed_proposals if p.event_type == "blockade"]
    assert blockade.date_end <= aid.date_end


def test_seed_hospital_officials_casualty_sentence_proposes_no_statement(
    seed_article, seed_proposals
):
    start = seed_article.body.index("Hospital officials in Gaza said")
    in_sentence = [p for p in seed_proposals if p.evidence[0].start == start]
    assert [p.event_type for p in in_sentence] == ["casualty-report"]


def test_seed_negotiation_is_in_qatar_between_israel_and_hamas(seed_proposals):
    [talks] = [p for p in seed_proposals if p.event_type == "negotiation"]
    assert talks.location_slug == "qatar"
    assert {("israel", "party"), ("hamas", "party")} <= set(talks.actors)
    [ceasefire] = [p for p in seed_proposals if p.event_type == "ceasefire"]
    assert ("qatar", "mediator") in ceasefire.actors
    assert ("egypt", "mediator") in ceasefire.actors


def test_seed_aims_and_conditions_propose_no_release_or_ceasefire_today(seed_proposals):
    assert not [p for p in seed_proposals if p.event_type == "hostage-release"]
    assert all(p.date_start.month == 3 for p in seed_proposals if p.event_type == "ceasefire")
