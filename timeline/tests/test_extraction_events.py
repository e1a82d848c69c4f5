"""Triggers, figures, proposals and evaluation."""

from datetime import date

import pytest

from timeline.extraction.evaluation import KeyEvent, evaluate
from timeline.extraction.figures import fatality_total, find_figures
from timeline.extraction.gazetteer import Gazetteer, GazetteerEntry
from timeline.extraction.propose import propose_events, same_event
from timeline.extraction.triggers import find_triggers

GAZETTEER = Gazetteer(
    [
        GazetteerEntry("actor", "israel", ("Israel", "Israeli", "Israeli forces", "IDF")),
        GazetteerEntry("actor", "hamas", ("Hamas",)),
        GazetteerEntry("actor", "qatar", ("Qatari",)),
        GazetteerEntry("actor", "egypt", ("Egyptian",)),
        GazetteerEntry("location", "gaza-strip", ("Gaza Strip", "Gaza")),
        GazetteerEntry("location", "tel-aviv", ("Tel Aviv",)),
    ]
)
MONDAY = date(2025, 7, 7)


def _asserted(text):
    triggers = find_triggers(text)
    for trigger in triggers:
        assert text[trigger.start : trigger.end] == trigger.text
    return [(t.text, t.event_type) for t in triggers if t.asserted]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Israel and Hamas started ceasefire talks.", [("ceasefire talks", "negotiation")]),
        ("Negotiations resumed in Doha.", [("Negotiations", "negotiation")]),
        ("The leaders met in Washington.", [("met", "diplomatic-meeting")]),
        ("Hamas said it was ready.", [("said", "statement")]),
        (
            "Israeli drones struck a house.",
            [("drones", "military-strike"), ("struck", "military-strike")],
        ),
        ("Artillery shelled the area.", [("shelled", "military-strike")]),
        ("An airstrike hit Rafah.", [("airstrike", "military-strike")]),
        ("Israeli forces bombed a school.", [("bombed", "military-strike")]),
        ("Clashes erupted overnight.", [("Clashes", "armed-clash")]),
        ("The two sides exchanged fire.", [("exchanged fire", "armed-clash")]),
        ("Hamas attacked Israeli troops.", [("attacked Israeli troops", "armed-clash")]),
        (
            "Five were killed and ten wounded.",
            [("killed", "casualty-report"), ("wounded", "casualty-report")],
        ),
        ("The siege continued.", [("siege", "blockade")]),
        ("Israel imposed a blockade on aid.", [("blockade on aid", "blockade")]),
        ("Aid trucks entered Gaza.", [("Aid trucks", "humanitarian-aid")]),
        ("The ceasefire took effect.", [("ceasefire", "ceasefire")]),
        ("Hamas freed three hostages.", [("freed", "hostage-release")]),
        ("Hamas rejected the offer.", [("rejected", "statement")]),
        ("Israel has insisted on it.", [("insisted on", "statement")]),
        ("Hamas is holding out for more.", [("holding out for", "statement")]),
        (
            "Israel lifted the blockade on aid.",
            [("lifted the blockade on aid", "humanitarian-aid")],
        ),
        ("Israel partially eased its siege.", [("partially eased its siege", "humanitarian-aid")]),
        ("The siege was eased on Monday.", [("eased", "humanitarian-aid")]),
        (
            "a blockade on aid, which was partially lifted",
            [("blockade on aid", "blockade"), ("partially lifted", "humanitarian-aid")],
        ),
        ("Israel lifted the curfew.", []),
        ("The ban was lifted.", []),
    ],
)
def test_trigger_words_give_event_types(text, expected):
    assert _asserted(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "there is no ceasefire",
        "Israel did not strike the camp.",
        "gaps that need to be bridged if any deal is to be agreed",
        "efforts to reach a deal for the release of more hostages and a ceasefire",
        "it should help secure the release of hostages",
        "measures aimed at forcing it to negotiate and free the hostages",
        "he headed to Washington to meet the President",
        "an end to all hostilities at the end of any truce",
        "Hamas responded to the latest ceasefire proposal",
        "Casualties unknown.",
        "Israel would strike again, officials warned",
    ],
)
def test_negated_hypothetical_and_topic_triggers_report_no_event(text):
    assert [t for t in _asserted(text) if t[1] != "statement"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Hamas did not reject the proposal.",
        "Israel never insisted on it.",
        "Israel did not lift the siege.",
        "The blockade was not lifted.",
        "Hamas called on Israel to lift the blockade.",
        "Hamas would reject any such offer.",
    ],
)
def test_negated_or_hypothetical_positions_and_liftings_are_not_asserted(text):
    asserted = [t for t in _asserted(text) if t[1] in {"statement", "humanitarian-aid"}]
    assert asserted == []


def test_negation_and_hypothesis_are_flagged_not_dropped():
    [strike] = find_triggers("Israel did not strike")
    assert strike.negated and not strike.hypothetical
    [release] = find_triggers("if hostages are released")
    assert release.hypothetical and not release.negated


@pytest.mark.parametrize(
    ("text", "quote", "kind", "low", "high", "qualifier"),
    [
        (
            "more than 30 people were killed on Sunday",
            "more than 30 people were killed",
            "killed",
            30,
            None,
            "more-than",
        ),
        ("at least 12 killed", "at least 12 killed", "killed", 12, None, "at-least"),
        (
            "about 40 people were injured",
            "about 40 people were injured",
            "injured",
            40,
            40,
            "about",
        ),
        (
            "dozens of Palestinians were injured",
            "dozens of Palestinians were injured",
            "injured",
            24,
            None,
            "at-least",
        ),
        ("thirty people died", "thirty people died", "killed", 30, 30, "exact"),
        (
            "it struck 130 Hamas targets and",
            "struck 130 Hamas targets",
            "targets-struck",
            130,
            130,
            "exact",
        ),
        (
            "between 10 and 15 people were killed",
            "between 10 and 15 people were killed",
            "killed",
            10,
            15,
            "exact",
        ),
        ("up to 20 were wounded", "up to 20 were wounded", "injured", 20, 20, "up-to"),
        ("a strike, killing 3.", "killing 3", "killed", 3, 3, "exact"),
        ("killing 5 people and", "killing 5 people", "killed", 5, 5, "exact"),
        ("leaving 5 fatalities.", "leaving 5 fatalities", "killed", 5, 5, "exact"),
        (
            "killing a man and his two children",
            "killing a man and his two children",
            "killed",
            3,
            3,
            "exact",
        ),
        (
            "shot dead a 79-year-old Palestinian",
            "shot dead a 79-year-old Palestinian",
            "killed",
            1,
            1,
            "exact",
        ),
        ("Hamas released 3 hostages", "released 3 hostages", "hostages-released", 3, 3, "exact"),
        ("12 people are missing", "12 people are missing", "missing", 12, 12, "exact"),
        (
            "[unspecified number of fatalities coded to 3]",
            "fatalities coded to 3",
            "killed",
            3,
            3,
            "exact",
        ),
    ],
)
def test_figures_with_kinds_and_qualifiers(text, quote, kind, low, high, qualifier):
    [figure] = find_figures(text)
    assert text[figure.start : figure.end] == figure.text == quote
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == (kind, low, high, qualifier)


@pytest.mark.parametrize(
    "text",
    [
        "several people were killed",
        "killed a number of militants",
        "Casualties unknown.",
        "On 24 September 2024, at approximately 06:08, Israeli warplanes struck",
        "Israeli warplanes struck 2 houses in Gaza",
    ],
)
def test_vague_amounts_times_and_dates_are_not_figures(text):
    assert find_figures(text) == []


def test_parts_of_a_count_are_not_added_and_coded_totals_win():
    figures = find_figures("killing of 15 civilians, including 7 children.")
    assert [(f.kind, f.low) for f in figures] == [("killed", 15)]
    text = "Fatalities coded as 10. Also 11 civilians were killed. Total fatalities coded as 21."
    assert fatality_total(find_figures(text)) == 21
    assert fatality_total(find_figures("killing 3 people and injuring 6 persons")) == 3
    assert fatality_total(find_figures("Casualties unknown.")) == 0


def test_acled_note_gives_a_dated_located_strike_with_its_fatalities():
    note = (
        "On 6 June 2025, Israeli artillery targeted Gaza - Sabra (Gaza City, Gaza Strip), "
        "killing 5 people and injuring others. Also, Israeli drones struck the same area."
    )
    proposals = propose_events(note, published=date(2025, 6, 30), gazetteer=GAZETTEER)
    [strike] = proposals
    assert strike.event_type == "military-strike"
    assert (strike.date_start, strike.date_precision) == (date(2025, 6, 6), "day")
    assert strike.location_slug == "gaza-strip"
    assert ("israel", "initiator") in strike.actors
    assert [(f.kind, f.low) for f in strike.figures] == [("killed", 5)]
    assert len(strike.evidence) == 2
    for evidence in strike.evidence:
        assert note[evidence.start : evidence.end] == evidence.quote
    for figure in strike.figures:
        assert note[figure.start : figure.end] == figure.text


@pytest.mark.parametrize(
    "text",
    [
        "there is no ceasefire.",
        "Israel did not strike Gaza.",
        "Gaps must be bridged if any deal is to be agreed.",
    ],
)
def test_negated_or_hypothetical_sentences_propose_nothing(text):
    assert propose_events(text, published=MONDAY, gazetteer=GAZETTEER) == []


def test_statements_need_a_known_speaker_and_give_way_to_other_events():
    assert propose_events("The BBC reported this.", published=MONDAY, gazetteer=GAZETTEER) == []
    [statement] = propose_events("Hamas said it was ready.", published=MONDAY, gazetteer=GAZETTEER)
    assert statement.event_type == "statement"
    assert statement.evidence[0].attributed_to == "Hamas"
    [strike] = propose_events("Israel said it struck Gaza.", published=MONDAY, gazetteer=GAZETTEER)
    assert strike.event_type == "military-strike"


@pytest.mark.parametrize(
    ("text", "types"),
    [
        # A party's view of the event it reports is a statement as well.
        (
            "Hamas said it thinks the meeting on Sunday should help.",
            ["diplomatic-meeting", "statement"],
        ),
        (
            "Israel said it struck Gaza and would strike again.",
            ["military-strike", "statement"],
        ),
        # A threat alone is a statement: the strike it names has not happened.
        ("Israel said it would keep striking Gaza.", ["statement"]),
        ("Hamas rejected the truce on Sunday.", ["ceasefire", "statement"]),
        # A party reporting what it did is the event, not a position.
        ("Israeli forces said they struck 130 targets.", ["military-strike"]),
        # Unnamed sources are sources of the report, whatever they say.
        ("Hospital officials said more than 30 people were killed.", ["casualty-report"]),
        ("Officials said the meeting should help.", ["diplomatic-meeting"]),
        ("Hamas did not reject the proposal.", []),
    ],
)
def test_a_party_stating_a_position_is_a_statement_beside_the_events_reported(text, types):
    proposals = propose_events(text, published=MONDAY, gazetteer=GAZETTEER)
    assert [p.event_type for p in proposals] == types


def test_a_stance_verb_after_a_comma_aside_keeps_its_party_as_speaker():
    [statement] = propose_events(
        "Hamas's leaders, however, have rejected this before, the BBC reported.",
        published=MONDAY,
        gazetteer=GAZETTEER,
    )
    assert statement.event_type == "statement"
    assert statement.actors == (("hamas", "party"),)
    assert (
        propose_events(
            "The leaders, however, have rejected this.", published=MONDAY, gazetteer=GAZETTEER
        )
        == []
    )


def test_a_blockade_lifted_weeks_ago_is_aid_restored_in_an_approximate_span():
    text = "Israel imposed a blockade on aid entering Gaza, which was partially lifted several weeks ago."  # noqa: E501
    blockade, aid = propose_events(text, published=MONDAY, gazetteer=GAZETTEER)
    assert (blockade.event_type, aid.event_type) == ("blockade", "humanitarian-aid")
    assert (aid.date_start, aid.date_end, aid.date_precision) == (
        date(2025, 5, 12),
        date(2025, 6, 16),
        "approximate",
    )
    assert aid.location_slug == "gaza-strip"
    assert ("israel", "party") in aid.actors
    assert text[aid.evidence[0].start : aid.evidence[0].end] == aid.evidence[0].quote


def test_a_duration_ending_weeks_ago_anchors_at_the_estimate():
    [blockade] = propose_events(
        "An eleven-week blockade of Gaza ended several weeks ago.",
        published=MONDAY,
        gazetteer=GAZETTEER,
    )
    assert (blockade.date_start, blockade.date_end) == (date(2025, 3, 10), date(2025, 5, 26))


def test_undated_sentences_take_the_paragraph_date_then_the_publication_date():
    text = (
        "On Sunday, Israeli forces struck Gaza. Clashes followed.\n\nHamas said it would respond."
    )
    strike, clash, statement = propose_events(
        text, published=MONDAY, gazetteer=GAZETTEER, dateline="Tel Aviv"
    )
    assert strike.date_start == clash.date_start == date(2025, 7, 6)
    # Dated by nothing but the article: the day it appeared or the day before.
    assert (statement.date_start, statement.date_end) == (date(2025, 7, 6), MONDAY)
    assert statement.date_precision == "approximate"
    assert statement.location_slug == "tel-aviv"
    assert statement.confidence < strike.confidence


def test_mediators_are_marked_and_same_event_needs_type_dates_and_place_or_actor():
    [talks] = propose_events(
        "Qatari and Egyptian mediators hosted talks between Israel and Hamas on Sunday.",
        published=MONDAY,
        gazetteer=GAZETTEER,
    )
    assert ("qatar", "mediator") in talks.actors and ("egypt", "mediator") in talks.actors
    assert ("israel", "party") in talks.actors
    [later] = propose_events(
        "Israel and Hamas held talks today.", published=MONDAY, gazetteer=GAZETTEER
    )
    assert not same_event(talks, later)  # Sunday and Monday do not overlap
    [again] = propose_events(
        "Israel joined talks on Sunday.", published=MONDAY, gazetteer=GAZETTEER
    )
    assert same_event(talks, again)


def test_evaluation_matches_one_to_one_and_reports_scores():
    text = "Israeli forces struck Gaza on Sunday, killing 3 people. Hamas said it was ready."
    proposals = propose_events(text, published=MONDAY, gazetteer=GAZETTEER)
    key = [
        KeyEvent("military-strike", date(2025, 7, 6), None, ((0, 10),), (("killed", 3),)),
        KeyEvent("military-strike", date(2025, 7, 6), None, ((0, 10),)),
        # The undated statement takes the paragraph's date, Sunday.
        KeyEvent("statement", date(2025, 7, 6), None, ((60, 70),)),
    ]
    report = evaluate({"doc": proposals}, {"doc": key}, texts_by_doc={"doc": text})
    assert report.overall.true_positives == 2
    assert report.overall.false_negatives == 1
    assert report.overall.precision == 1.0
    assert report.overall.recall == pytest.approx(2 / 3)
    assert report.figure_accuracy == 1.0
    assert report.date_accuracy == 1.0
    assert "overall" in report.format()


def test_evaluation_without_texts_needs_overlapping_evidence():
    proposals = propose_events("Hamas said it was ready.", published=MONDAY, gazetteer=GAZETTEER)
    far = KeyEvent("statement", MONDAY, None, ((20, 24),))
    near = KeyEvent("statement", MONDAY, None, ((0, 5),))
    assert evaluate({"d": proposals}, {"d": [far]}).overall.true_positives == 1
    assert evaluate({"d": proposals}, {"d": [near]}).overall.true_positives == 1
    wrong_date = KeyEvent("statement", date(2025, 1, 1), None, ((0, 5),))
    assert evaluate({"d": proposals}, {"d": [wrong_date]}).overall.true_positives == 0
