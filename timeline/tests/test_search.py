"""Text search (`q`): the same results on PostgreSQL and SQLite, and escaped snippets.

The suite runs on both databases; every expectation here holds on both.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.urls import reverse

from timeline import search
from timeline.filters import EventFilter
from timeline.models import Event, EventActor
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_location,
)

pytestmark = pytest.mark.django_db

# The seed article's body (after its header `date 2025-07-07 Tel Aviv, July 7 `).
SEED_BODY = "\n\n".join(
    [
        (
            "Israel and Hamas have started a delegation-level indirect round of ceasefire "
            "talks in Qatar as Israeli Prime Minister Benjamin Netanyahu has headed to "
            "Washington to meet US Donald Trump."
        ),
        (
            "The Israeli Prime Minister said he thinks his meeting with the US President on "
            "Monday should help progress efforts to reach a deal for the release of more "
            "hostages and a ceasefire in Gaza, the BBC reported."
        ),
        (
            "Netanyahu said that he had issued his negotiators clear instructions to "
            "achieve a ceasefire agreement under conditions Israel has accepted."
        ),
        (
            "Hamas has said it has responded to the latest ceasefire proposal in a positive "
            "spirit, but it seems clear there are still gaps between the two sides that "
            "need to be bridged if any deal is to be agreed, For now, Hamas still seems to "
            "be holding out for essentially the same conditions it has previously insisted "
            "on - including a guarantee of an end to all hostilities at the end of any "
            "truce and the withdrawal of Israeli troops. Netanyahu's government, however, "
            "has rejected this before, the BBC reported."
        ),
        (
            "The Israeli position may also not have shifted to any major degree. As he was "
            "leaving Israel for the US, Netanyahu said he was still committed to what he "
            'described as three missions: "The release and return of all the hostages, the '
            "living and the fallen; the destruction of Hamas's capabilities - to kick it "
            "out of there, and to ensure that Gaza will no longer constitute a threat to "
            'Israel."'
        ),
        (
            "Qatari and Egyptian mediators will have their work cut out during the indirect "
            "talks between Israel and Hamas in trying to overcome these sticking points, "
            "which have derailed other initiatives since the previous ceasefire ended in "
            "March."
        ),
        (
            "Israel has since resumed its offensive against Hamas with great intensity, as "
            "well as imposing an eleven-week blockade on aid entering Gaza, which was "
            "partially lifted several weeks ago."
        ),
        (
            "The Israeli government says these measures have been aimed at further "
            "weakening Hamas and forcing it to negotiate and free the hostages."
        ),
        (
            "Just in the past 24 hours, the Israeli military says it struck 130 Hamas "
            "targets and killed a number of militants. But the cost in civilian lives in "
            "Gaza continues to grow as well. Hospital officials in Gaza said more than 30 "
            "people were killed on Sunday, the BBC reported."
        ),
    ]
)

TALKS = "ceasefire-talks-doha-2025-07-06"
MEETING = "netanyahu-trump-meeting-2025-07-07"
INSTRUCTIONS = "netanyahu-instructs-negotiators-2025-07-07"
MISSIONS = "netanyahu-three-missions-2025-07-07"
HAMAS_RESPONSE = "hamas-responds-to-proposal-2025-07-06"
BLOCKADE = "gaza-aid-blockade-2025"
STRIKES = "israeli-strikes-gaza-2025-07-06"
HOSPITAL = "gaza-hospital-deaths-2025-07-06"


@pytest.fixture
def seed():
    """The seed article and its events, as the curated fixtures describe them."""
    article = make_article(
        slug="doha-talks-2025-07-07",
        title="Israel and Hamas start indirect ceasefire talks in Qatar",
        outlet="BBC (via wire)",
        text=SEED_BODY,
    )
    palestine = make_location(slug="palestine", name="Palestine", kind="country")
    gaza = make_location(
        slug="gaza-strip", name="Gaza Strip", kind="region", parent=palestine, aliases="Gaza"
    )
    qatar_place = make_location(slug="qatar", name="Qatar", kind="country")
    doha = make_location(
        slug="doha", name="Doha", kind="city", parent=qatar_place, aliases="Ad Dawhah\nالدوحة"
    )
    usa_place = make_location(slug="united-states", name="United States", kind="country")
    washington = make_location(
        slug="washington", name="Washington", parent=usa_place, aliases="Washington, D.C."
    )
    israel = make_actor(slug="israel", name="Israel", aliases="State of Israel")
    hamas = make_actor(
        slug="hamas", name="Hamas", kind="armed-group", aliases="Islamic Resistance Movement\nحماس"
    )
    qatar = make_actor(slug="qatar", name="Qatar")
    egypt = make_actor(slug="egypt", name="Egypt", aliases="Arab Republic of Egypt\nÉgypte")
    netanyahu = make_actor(
        slug="benjamin-netanyahu", name="Benjamin Netanyahu", kind="person", aliases="Bibi"
    )
    trump = make_actor(slug="donald-trump", name="Donald Trump", kind="person")
    usa = make_actor(slug="united-states", name="United States", aliases="USA\nUS")
    idf = make_actor(
        slug="israel-defense-forces",
        name="Israel Defense Forces",
        kind="armed-group",
        aliases="IDF\nIsraeli military\nTzahal",
    )
    mediator, initiator, target = (
        EventActor.Role.MEDIATOR,
        EventActor.Role.INITIATOR,
        EventActor.Role.TARGET,
    )

    def event(slug, quotes, **fields):
        made = make_event(slug=slug, **fields)
        for quote in quotes:
            make_evidence(event=made, article=article, quote=quote)
        return made

    event(
        TALKS,
        [
            "Israel and Hamas have started a delegation-level indirect round of ceasefire talks "
            "in Qatar",
            "Qatari and Egyptian mediators will have their work cut out during the indirect "
            "talks between Israel and Hamas",
        ],
        type="negotiation",
        title="Israel and Hamas start indirect ceasefire talks in Qatar",
        location=doha,
        actors=[israel, hamas, (qatar, mediator), (egypt, mediator)],
    )
    event(
        MEETING,
        [
            "Israeli Prime Minister Benjamin Netanyahu has headed to Washington to meet US "
            "Donald Trump",
            "his meeting with the US President on Monday should help progress efforts to reach "
            "a deal for the release of more hostages and a ceasefire in Gaza",
        ],
        type="diplomatic-meeting",
        title="Netanyahu to meet Trump in Washington",
        date_start=date(2025, 7, 7),
        location=washington,
        actors=[netanyahu, trump, israel, usa],
    )
    event(
        INSTRUCTIONS,
        [
            "Netanyahu said that he had issued his negotiators clear instructions to achieve a "
            "ceasefire agreement under conditions Israel has accepted"
        ],
        type="statement",
        title="Netanyahu says negotiators have clear instructions",
        date_start=date(2025, 7, 7),
        actors=[netanyahu],
    )
    event(
        MISSIONS,
        [
            "Netanyahu said he was still committed to what he described as three missions: "
            '"The release and return of all the hostages, the living and the fallen; the '
            "destruction of Hamas's capabilities - to kick it out of there, and to ensure that "
            'Gaza will no longer constitute a threat to Israel."'
        ],
        type="statement",
        title="Netanyahu restates his three missions",
        summary="Return of the hostages, destruction of Hamas's capabilities, no threat from Gaza.",
        date_start=date(2025, 7, 7),
        actors=[netanyahu],
    )
    event(
        HAMAS_RESPONSE,
        ["Hamas has said it has responded to the latest ceasefire proposal in a positive spirit"],
        type="statement",
        title="Hamas says it responded positively to the latest proposal",
        actors=[hamas],
    )
    event(
        BLOCKADE,
        ["imposing an eleven-week blockade on aid entering Gaza, which was partially lifted"],
        type="blockade",
        title="Israel blocks aid entering Gaza for eleven weeks",
        date_start=date(2025, 3, 2),
        date_end=date(2025, 5, 19),
        date_precision="approximate",
        location=gaza,
        actors=[(israel, initiator)],
    )
    event(
        STRIKES,
        ["the Israeli military says it struck 130 Hamas targets and killed a number of militants"],
        type="military-strike",
        title="Israeli military strikes 130 Hamas targets",
        location=gaza,
        actors=[(idf, initiator), (hamas, target)],
    )
    event(
        HOSPITAL,
        ["Hospital officials in Gaza said more than 30 people were killed on Sunday"],
        type="casualty-report",
        title="More than 30 killed in Gaza on Sunday, hospital officials say",
        location=gaza,
        actors=[(israel, initiator)],
    )
    return article


def found(text: str) -> set[str]:
    return set(search.matching(Event.objects.all(), text).values_list("slug", flat=True))


# (query, the events it must find): the same on PostgreSQL and SQLite.
SEED_QUERIES = [
    ("hospital", {HOSPITAL}),
    ("HOSPITAL", {HOSPITAL}),
    ("Qatar", {TALKS}),  # title, quote ("in Qatar", "Qatari") and mediator
    ("Netanyahu", {MEETING, INSTRUCTIONS, MISSIONS}),
    ("blockade", {BLOCKADE}),
    ("killed", {STRIKES, HOSPITAL}),
    ("kill", {STRIKES, HOSPITAL}),  # a word prefix: "kill" finds "killed"
    ("hostage", {MEETING, MISSIONS}),
    ('"ceasefire talks"', {TALKS}),
    ("“indirect talks”", {TALKS}),  # curly quotes work as phrase marks
    ('"ceasefire Qatar"', set()),  # both words are there, but not next to each other
    ('"the release"', {MEETING, MISSIONS}),  # no stop words: "the" counts
    ('"a delegation"', {TALKS}),  # the word before a hyphenated one is still adjacent
    ("delegation-level", {TALKS}),
    ("Hamas's", {MISSIONS}),
    ("US", {MEETING}),  # a stop word in English; an actor alias and a word of the quote
    ("Bibi", {MEETING, INSTRUCTIONS, MISSIONS}),  # only an actor alias
    ("Tzahal", {STRIKES}),  # only an actor alias
    ("حماس", {TALKS, HAMAS_RESPONSE, STRIKES}),  # an Arabic alias of Hamas
    ("Dawhah", {TALKS}),  # only a location alias
    ("égypte", {TALKS}),  # Unicode case: the alias is "Égypte"
    ("ÉGYPTE", {TALKS}),
    ("casualty", {HOSPITAL}),  # the event type's name
    ("Netanyahu Washington", {MEETING}),  # an AND across title and location
    ("hospital Gaza", {HOSPITAL}),
    ("Israel Hamas killed", {STRIKES}),  # actor, quote and title
    ("Hamas hospital", set()),
    ("Netanyahu -Trump", {INSTRUCTIONS, MISSIONS}),
    ('Hamas -"ceasefire proposal"', {TALKS, MISSIONS, STRIKES}),
    ("blockade or hospital", {BLOCKADE, HOSPITAL}),
    ("Zanzibar", set()),
    ("'); DROP TABLE timeline_event; --", set()),
    ("<script>alert(1)</script>", set()),
    ("<>' \"", set()),  # no word at all
]


@pytest.mark.parametrize(("text", "expected"), SEED_QUERIES)
def test_seed_queries_find_the_same_events_on_every_database(seed, text, expected):
    assert found(text) == expected


def test_hostile_query_leaves_the_tables_alone(seed):
    before = Event.objects.count()
    assert found("'); DROP TABLE timeline_event; --") == set()
    assert found("x' OR '1'='1") == set()
    assert Event.objects.count() == before


def test_negated_word_keeps_events_without_a_location(seed):
    # NOT IN over a nullable location must not drop events that have no location.
    assert found("Netanyahu -Washington") == {INSTRUCTIONS, MISSIONS}


def test_search_is_one_query_whatever_the_number_of_terms(seed, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(search.matching(Event.objects.all(), "Israel Hamas -hospital killed or kick"))


def test_query_parses_websearch_syntax():
    parsed = search.parse('Netanyahu -"Donald Trump" Hamas\'s blockade OR hospital -')
    assert parsed.groups == (
        (search.Clause(("netanyahu",)),),
        (search.Clause(("donald", "trump"), negated=True),),
        (search.Clause(("hamas", "s")),),
        (search.Clause(("blockade",)), search.Clause(("hospital",))),
    )


def test_query_of_more_than_twelve_terms_keeps_the_first_twelve():
    parsed = search.parse(" ".join(f"w{n}" for n in range(20)))
    assert [group[0].words[0] for group in parsed.groups] == [f"w{n}" for n in range(12)]


def test_repeated_terms_collapse_into_one():
    parsed = search.parse("ab " * 66)
    assert parsed.groups == ((search.Clause(("ab",)),),)
    assert search.parse('gaza Gaza GAZA "gaza" -x -x').groups == (
        (search.Clause(("gaza",)),),
        (search.Clause(("x",), negated=True),),
    )


def test_bare_stop_words_are_dropped_but_phrases_keep_them():
    parsed = search.parse('the release of the "the release" hostages')
    assert parsed.groups == (
        (search.Clause(("release",)),),
        (search.Clause(("the", "release")),),
        (search.Clause(("hostages",)),),
    )


def test_a_query_of_stop_words_only_still_searches(seed):
    assert search.parse("the of").groups == ((search.Clause(("the",)),), (search.Clause(("of",)),))
    assert found("the of") == found('"the"') & found('"of"')
    assert found("the of")


def test_or_groups_share_the_cap_on_terms():
    parsed = search.parse(" or ".join(f"w{n}" for n in range(20)))
    assert len(parsed.groups) == 1 and len(parsed.groups[0]) == search.MAX_CLAUSES


def test_the_field_break_word_is_not_searchable(seed):
    from timeline.search_documents import FIELD_BREAK

    assert found(FIELD_BREAK) == set()
    assert found(f"{FIELD_BREAK} hospital") == {HOSPITAL}


def test_a_phrase_does_not_run_from_one_field_into_the_next(seed):
    # The title ends "…in Qatar" and the type's name, "Negotiation", follows it.
    assert found("Qatar") >= {TALKS} and found("negotiation") == {TALKS}
    assert found('"Qatar negotiation"') == set()


def test_timeline_page_filters_by_q(client, seed):
    response = client.get(reverse("timeline:timeline"), {"q": "kill"})
    assert response.status_code == 200
    assert f'data-event="{STRIKES}"' in response.text
    assert f'data-event="{HOSPITAL}"' in response.text
    assert f'data-event="{TALKS}"' not in response.text


# -- snippets --------------------------------------------------------------------------
def events(*slugs: str) -> list[Event]:
    return list(Event.objects.filter(slug__in=slugs).order_by("slug"))


def marked_words(snippet: str) -> list[str]:
    return " ".join(re.findall(r"<mark>(.*?)</mark>", snippet)).split()


def test_snippet_marks_the_matching_words_of_the_quote(seed):
    page = events(STRIKES, HOSPITAL)
    search.annotate_snippets(page, "kill Gaza")
    by_slug = {event.slug: event for event in page}
    hospital = by_slug[HOSPITAL].search_snippet
    assert "<mark>killed</mark>" in hospital
    assert "<mark>Gaza</mark>" in hospital
    assert "Hospital officials" in hospital
    assert "<mark>killed</mark>" in by_slug[STRIKES].search_snippet
    assert by_slug[HOSPITAL].search_evidence.quote.startswith("Hospital officials")


def test_snippet_comes_from_the_quote_that_matches(seed):
    [talks] = events(TALKS)
    search.annotate_snippets([talks], '"indirect talks"')
    assert talks.search_evidence.quote.startswith("Qatari and Egyptian")
    assert marked_words(talks.search_snippet) == ["indirect", "talks"]


def test_no_snippet_when_only_a_name_matches(seed):
    [meeting] = events(MEETING)
    search.annotate_snippets([meeting], "Bibi")
    assert meeting.search_snippet is None
    assert meeting.search_evidence is None


def test_snippets_for_a_page_take_one_query(seed, django_assert_num_queries):
    page = list(Event.objects.all())
    with django_assert_num_queries(1):
        search.annotate_snippets(page, "Netanyahu ceasefire -blockade")
    assert sum(event.search_snippet is not None for event in page) >= 4


def test_no_terms_no_query(seed, django_assert_num_queries):
    page = list(Event.objects.all())
    with django_assert_num_queries(0):
        search.annotate_snippets(page, "<> -")
    assert all(event.search_snippet is None for event in page)


HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> killed & "more"'


def test_snippet_of_a_hostile_quote_is_escaped_and_marked():
    article = make_article(slug="hostile", text=f"Before. {HOSTILE}. After.")
    event = make_event(slug="hostile-event", title="Hostile")
    make_evidence(event=event, article=article, quote=HOSTILE)
    for text, marked in [
        ("killed", ["killed"]),
        ("script", ["script", "script"]),
        ("onerror", ["onerror"]),
        ('"x" more', ["x", "x", "more"]),
    ]:
        search.annotate_snippets([event], text)
        snippet = event.search_snippet
        assert snippet is not None, text
        # The whole quote, escaped: nothing of it dropped, nothing of it live.
        assert html.unescape(re.sub("</?mark>", "", snippet)) == HOSTILE, text
        assert "<" not in re.sub("</?mark>", "", snippet), text
        assert marked_words(snippet) == marked, text


def test_stray_sentinels_in_a_quote_cannot_unbalance_the_marks():
    html = search.marked_html(
        f"{search.STOP_MARK}a {search.START_MARK}b{search.START_MARK} <c>", "a b <c>"
    )
    assert html == "a <mark>b &lt;c&gt;</mark>"


def test_long_quote_is_cut_around_the_match_with_ellipses():
    words = [f"word{n}" for n in range(100)]
    words[60] = "ceasefire"
    quote = " ".join(words)
    article = make_article(slug="long", text=quote + ".")
    event = make_event(slug="long-event")
    make_evidence(event=event, article=article, quote=quote)
    search.annotate_snippets([event], "ceasefire")
    snippet = event.search_snippet
    assert "<mark>ceasefire</mark>" in snippet
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "word0 " not in snippet and "word99" not in snippet
    assert len(snippet.split()) <= search.SNIPPET_WORDS + 2


def test_event_card_shows_the_marked_snippet_of_the_matching_quote(seed):
    from django.template.loader import render_to_string

    [talks] = Event.objects.filter(slug=TALKS).for_timeline()
    search.annotate_snippets([talks], '"indirect talks"')
    card = render_to_string("timeline/_event_card.html", {"event": talks})
    assert "<mark>" in card
    assert f"#ev-{talks.search_evidence.pk}" in card  # the link goes to the marked quote
    plain = render_to_string("timeline/_event_card.html", {"event": Event.objects.get(slug=TALKS)})
    assert "<mark>" not in plain


def test_deepest_query_stays_within_sqlite_parser_limits(seed):
    # Twelve clauses, phrases negated and inside OR groups: the deepest SQL we build.
    text = '-"a b" or "c d" x -"e f g" "h i" or -"j k" "l m" -"n o" p q "r s" t'
    assert len([c for group in search.parse(text).groups for c in group]) == search.MAX_CLAUSES
    assert found(text) == set()
    # The facets nest the filtered events inside further subqueries.
    event_filter = EventFilter({"q": text, "type": ["statement"]}, queryset=Event.objects.all())
    assert list(event_filter.qs) == []
    assert all(option["count"] == 0 for option in event_filter.facets()["type"])
