"""Article header, sentences, dates, gazetteer and attribution: offsets always quote."""

from datetime import date

import pytest

from timeline.extraction.article_header import RawArticleError, default_title, parse_raw_article
from timeline.extraction.attribution import find_attribution
from timeline.extraction.dates import anchor_duration, find_dates, find_durations
from timeline.extraction.gazetteer import Gazetteer, GazetteerEntry
from timeline.extraction.numbers import parse_number
from timeline.extraction.propose import propose_events
from timeline.extraction.sentences import split_sentences

MONDAY = date(2025, 7, 7)


def test_raw_article_header_gives_dates_dateline_and_the_untouched_body():
    raw = " date 2025-07-07 Tel Aviv, July 7 Israel and Hamas have started talks.\n\nMore.\n\n"
    article = parse_raw_article(raw)
    assert article.published == date(2025, 7, 7)
    assert article.dateline == "Tel Aviv"
    assert article.dateline_date == date(2025, 7, 7)
    assert article.body == "Israel and Hamas have started talks.\n\nMore.\n\n"
    assert raw.endswith(article.body)


def test_dateline_after_publication_falls_in_the_year_before():
    article = parse_raw_article("date 2025-01-01 Gaza, December 31 Strikes continued.")
    assert article.dateline_date == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("Tel Aviv, July 7 Israel and Hamas", "missing header"),
        ("date 2025-13-07 Tel Aviv, July 7 Text.", "bad publication date"),
        ("date 07/07/2025 Tel Aviv, July 7 Text.", "bad publication date"),
        ("date 2025-07-07 Israel and Hamas have started talks.", "missing dateline"),
        ("date 2025-07-07 Tel Aviv, July 32 Text.", "bad dateline date"),
        ("date 2025-07-07 Tel Aviv, July 7 ", "empty body"),
    ],
)
def test_malformed_headers_raise_a_clear_error(raw, message):
    with pytest.raises(RawArticleError, match=message):
        parse_raw_article(raw)


def test_default_title_is_the_first_sentence_cut_at_a_word():
    body = "Israel and Hamas have started a delegation-level indirect round of ceasefire talks " * 3
    title = default_title(body + ". Second.")
    assert len(title) <= 120
    assert body.startswith(title)
    assert not title.endswith(" ")
    assert default_title("Short one. Two.") == "Short one"


def test_sentences_keep_offsets_and_skip_abbreviations():
    text = (
        'Mr. Smith met Dr. Jones at St. Paul. The U.N. said so, e.g. twice. "Go!" he said.'
        " The US - and Egypt - agreed.\n\nNew paragraph without a stop"
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Mr. Smith met Dr. Jones at St. Paul.",
        "The U.N. said so, e.g. twice.",
        '"Go!" he said.',
        "The US - and Egypt - agreed.",
        "New paragraph without a stop",
    ]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert "\n\n" not in sentence.text


def test_a_paragraph_break_always_ends_a_sentence():
    text = "No full stop here\n\nNor here"
    assert [s.text for s in split_sentences(text)] == ["No full stop here", "Nor here"]


def test_run_on_sentence_with_a_comma_stays_one_sentence():
    text = "gaps remain if any deal is to be agreed, For now, Hamas still holds out."
    assert len(split_sentences(text)) == 1


def test_a_heading_glued_to_the_text_after_it_is_a_sentence_of_its_own():
    text = (
        "Analysis backs claim drones were used to attack the presidentAnalysis of open "
        "sources suggests drones were used. 7 militants killed in blasts in "
        "AfghanistanKANDAHAR, Oct. 3 -- Seven militants were killed."
    )
    assert [s.text for s in split_sentences(text)] == [
        "Analysis backs claim drones were used to attack the president",
        "Analysis of open sources suggests drones were used.",
        "7 militants killed in blasts in Afghanistan",
        "KANDAHAR, Oct. 3 -- Seven militants were killed.",
    ]
    # Names written with a capital inside them stay whole.
    text = "He wrote on WhatsApp and YouTube to McDonald and DeSantis."
    assert [s.text for s in split_sentences(text)] == [text]


def test_a_heading_glued_to_a_wire_story_proposes_nothing_of_its_own():
    text = (
        "7 militants killed in blasts in AfghanistanKANDAHAR, Afghanistan, Oct. 3 (Xinhua) "
        "-- Seven Taliban militants were killed in two accidental explosions in "
        "Afghanistan's southern Kandahar province Friday night, police said Saturday."
    )
    proposals = propose_events(text, published=date(2015, 10, 3), gazetteer=Gazetteer([]))
    # The headline's "blasts" is the story's accidental explosions: a toll, no strike.
    assert [p.event_type for p in proposals] == ["casualty-report"]
    assert proposals[0].evidence[0].quote.startswith("Seven Taliban militants")


@pytest.mark.parametrize(
    ("text", "quote", "start", "end", "precision"),
    [
        ("He spoke on Sunday.", "on Sunday", date(2025, 7, 6), None, "day"),
        ("They meet on Monday.", "on Monday", date(2025, 7, 7), None, "day"),
        ("It happened last Monday.", "last Monday", date(2025, 6, 30), None, "day"),
        ("Talks will resume on Friday.", "on Friday", date(2025, 7, 11), None, "day"),
        ("Talks resume next Friday.", "next Friday", date(2025, 7, 11), None, "day"),
        ("It ended today.", "today", MONDAY, None, "day"),
        ("It ended yesterday.", "yesterday", date(2025, 7, 6), None, "day"),
        ("in the past 24 hours", "in the past 24 hours", date(2025, 7, 6), MONDAY, "day"),
        ("in the last 24 hours", "in the last 24 hours", date(2025, 7, 6), MONDAY, "day"),
        ("It began last week.", "last week", date(2025, 6, 30), date(2025, 7, 6), "week"),
        ("last month", "last month", date(2025, 6, 1), date(2025, 6, 30), "month"),
        ("since March", "since March", date(2025, 3, 1), date(2025, 3, 31), "month"),
        ("ended in March", "in March", date(2025, 3, 1), date(2025, 3, 31), "month"),
        ("in September", "in September", date(2024, 9, 1), date(2024, 9, 30), "month"),
        ("in May 2024", "in May 2024", date(2024, 5, 1), date(2024, 5, 31), "month"),
        ("in 2024", "in 2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
        (
            "several weeks ago",
            "several weeks ago",
            date(2025, 5, 12),
            date(2025, 6, 16),
            "approximate",
        ),
        ("a few weeks ago", "a few weeks ago", date(2025, 6, 9), date(2025, 6, 23), "approximate"),
        ("three weeks ago", "three weeks ago", date(2025, 6, 16), None, "approximate"),
        ("two days ago", "two days ago", date(2025, 7, 5), None, "day"),
        ("On 6 June 2025, Israeli", "6 June 2025", date(2025, 6, 6), None, "day"),
        ("on June 6, 2025 in", "June 6, 2025", date(2025, 6, 6), None, "day"),
        ("dated 2025-06-06.", "2025-06-06", date(2025, 6, 6), None, "day"),
        ("event 6-Jun-25 row", "6-Jun-25", date(2025, 6, 6), None, "day"),
        ("Tel Aviv, July 7 Israel", "July 7", MONDAY, None, "day"),
        ("[on 11 May]", "11 May", date(2025, 5, 11), None, "day"),
        ("Around 15 April 2025, a", "15 April 2025", date(2025, 4, 15), None, "approximate"),
    ],
)
def test_date_expressions_resolve_against_the_publication_date(text, quote, start, end, precision):
    [mention] = find_dates(text, MONDAY)
    assert text[mention.start : mention.end] == mention.text == quote
    assert (mention.date_start, mention.date_end, mention.precision) == (start, end, precision)


def test_a_weekday_followed_by_its_date_is_that_day_past_or_to_come():
    saturday = date(1989, 12, 9)
    ahead = find_dates("The summit to be held in the capital on Sunday, 10 December.", saturday)
    assert [d.date_start for d in ahead] == [date(1989, 12, 10), date(1989, 12, 10)]
    past = find_dates("They met on Sunday, Dec. 3, in Geneva.", saturday)
    assert [d.date_start for d in past] == [date(1989, 12, 3), date(1989, 12, 3)]
    # Without a day of the month, news reports what happened: the Sunday before.
    assert [d.date_start for d in find_dates("They met on Sunday.", saturday)] == [
        date(1989, 12, 3)
    ]


def test_vague_ago_is_a_span_with_an_estimate_and_a_counted_ago_is_a_point():
    [several] = find_dates("several weeks ago", MONDAY)
    assert several.anchor == several.estimate == date(2025, 5, 26)
    [couple] = find_dates("a couple of days ago", MONDAY)
    assert (couple.date_start, couple.date_end) == (date(2025, 7, 4), date(2025, 7, 5))
    [three] = find_dates("three weeks ago", MONDAY)
    assert three.estimate is None
    assert three.anchor == three.date_start == date(2025, 6, 16)


def test_since_opens_a_range_and_modal_may_is_not_a_month():
    [since] = find_dates("since March", MONDAY)
    assert since.relation == "since"
    assert find_dates("The position may also not have shifted.", MONDAY) == []
    assert find_dates("31 June 2025", MONDAY) == []


@pytest.mark.parametrize(
    ("text", "quote", "days"),
    [
        ("an eleven-week blockade", "eleven-week", 77),
        ("an 11-week blockade", "11-week", 77),
        ("a three-day truce", "three-day", 3),
        ("a six-month siege", "six-month", 180),
        ("fighting for several weeks", "for several weeks", 42),
    ],
)
def test_durations_give_their_length_in_days(text, quote, days):
    [duration] = find_durations(text)
    assert text[duration.start : duration.end] == duration.text == quote
    assert duration.days == days


def test_durations_ignore_ages_and_anchor_at_either_end():
    assert find_durations("a 79-year-old man") == []
    [blockade] = find_durations("an eleven-week blockade")
    assert anchor_duration(blockade, end=date(2025, 5, 19)) == (date(2025, 3, 3), date(2025, 5, 19))
    assert anchor_duration(blockade, start=date(2025, 3, 2)) == (
        date(2025, 3, 2),
        date(2025, 5, 18),
    )
    with pytest.raises(ValueError):
        anchor_duration(blockade)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("30", 30),
        ("1,200", 1200),
        ("thirty", 30),
        ("twenty-two", 22),
        ("twenty two", 22),
        ("eleven", 11),
        ("two hundred and five", 205),
        ("a", None),
        ("people", None),
    ],
)
def test_numbers_in_digits_and_words(text, value):
    assert parse_number(text) == value


GAZETTEER = Gazetteer(
    [
        GazetteerEntry("actor", "israel", ("Israel", "Israeli", "Israeli military")),
        GazetteerEntry("actor", "hamas", ("Hamas",)),
        GazetteerEntry(
            "actor", "netanyahu", ("Benjamin Netanyahu", "Netanyahu", "Israeli Prime Minister")
        ),
        GazetteerEntry("actor", "united-states", ("United States", "US")),
        GazetteerEntry("actor", "qatar", ("Qatar", "Qatari")),
        GazetteerEntry("location", "qatar", ("Qatar",)),
        GazetteerEntry("location", "gaza-strip", ("Gaza Strip", "Gaza")),
    ]
)


def test_gazetteer_prefers_the_longest_name_and_never_overlaps():
    text = "Israeli Prime Minister Benjamin Netanyahu met the Israeli military in the Gaza Strip."
    mentions = GAZETTEER.find(text)
    assert [(m.text, m.slug) for m in mentions] == [
        ("Israeli Prime Minister", "netanyahu"),
        ("Benjamin Netanyahu", "netanyahu"),
        ("Israeli military", "israel"),
        ("Gaza Strip", "gaza-strip"),
    ]
    for mention in mentions:
        assert text[mention.start : mention.end] == mention.text


def test_gazetteer_matches_possessives_and_respects_word_boundaries():
    text = "Hamas's capabilities, Netanyahu's government, USA and US users, Gazans"
    mentions = GAZETTEER.find(text)
    assert [(m.text, m.slug) for m in mentions] == [
        ("Hamas", "hamas"),
        ("Netanyahu", "netanyahu"),
        ("US", "united-states"),
    ]


def test_a_name_that_is_actor_and_place_is_read_from_its_preposition():
    mentions = GAZETTEER.find("talks in Qatar; Qatar said")
    assert [(m.kind, m.slug) for m in mentions] == [("location", "qatar"), ("actor", "qatar")]


@pytest.mark.parametrize(
    ("sentence", "source", "via", "rendered"),
    [
        (
            "Hospital officials in Gaza said more than 30 people were killed on Sunday, "
            "the BBC reported.",
            "Hospital officials in Gaza",
            "BBC",
            "Hospital officials in Gaza, via the BBC",
        ),
        (
            "Just in the past 24 hours, the Israeli military says it struck 130 Hamas targets.",
            "the Israeli military",
            None,
            "the Israeli military",
        ),
        ("According to the health ministry, 5 people died.", "the health ministry", None, None),
        ("A spokesman told reporters that talks continue.", "A spokesman", None, None),
        ("Five people were killed, medics said.", "medics", None, None),
        ("Netanyahu's government has rejected this, the BBC reported.", "the BBC", None, None),
        ("As he was leaving, Netanyahu said he was committed.", "Netanyahu", None, None),
    ],
)
def test_attribution_finds_the_source_and_the_outlet(sentence, source, via, rendered):
    attribution = find_attribution(sentence)
    assert attribution is not None
    assert sentence[attribution.start : attribution.end] == attribution.source == source
    assert attribution.via == via
    if rendered:
        assert attribution.attribution_text() == rendered


def test_a_sentence_without_a_speaker_has_no_attribution():
    assert find_attribution("Israel has since resumed its offensive against Hamas.") is None
