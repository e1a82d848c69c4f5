"""The extractor on kinds of text the seed does not have (issue 9): wire copy in capitals,
recaps, the future, speakers by title, direct speech, several places, date spans."""

from datetime import date

from timeline.extraction.gazetteer import Gazetteer, GazetteerEntry
from timeline.extraction.propose import propose_events
from timeline.extraction.sentences import split_sentences

EMPTY = Gazetteer([])
GAZETTEER = Gazetteer(
    [
        GazetteerEntry("actor", "eln", ("ELN", "National Liberation Army")),
        GazetteerEntry("location", "bogota", ("Bogota",)),
    ]
)
DAY = date(1990, 2, 14)


def _types(text: str, published: date = DAY, gazetteer: Gazetteer = EMPTY) -> list[str]:
    return [p.event_type for p in propose_events(text, published=published, gazetteer=gazetteer)]


def test_wire_copy_in_capitals_is_read_and_its_dateline_dates_nothing():
    text = (
        "BOGOTA, 14 FEB 90 (DPA) -- [TEXT] A GROUP TODAY CLAIMED RESPONSIBILITY FOR LAST "
        "NIGHT'S DYNAMITE ATTACK AGAINST A POLICE BASE, KILLING AN OFFICER."
    )
    [strike] = [
        p
        for p in propose_events(text, published=DAY, gazetteer=GAZETTEER)
        if p.event_type == "military-strike"
    ]
    assert strike.date_start == date(1990, 2, 13)
    assert strike.location_slug is None  # "BOGOTA" in the dateline is where it was filed
    assert strike.evidence[0].quote == text[strike.evidence[0].start : strike.evidence[0].end]
    assert [(f.kind, f.low, f.text) for f in strike.figures] == [
        ("killed", 1, "KILLING AN OFFICER")
    ]


def test_a_cumulative_toll_is_background_not_an_event_of_the_day():
    assert _types("Israeli strikes since Oct 7 have killed 38,713 people.") == []
    assert _types("So far this year, 12 members of the party have been killed.") == []


def test_future_and_expected_events_are_not_reported_events():
    assert _types("Under the deal, fighting will cease.") == []
    assert _types("The summit to be held on 20 December will discuss the war.") == []
    assert _types("The ministers will meet on Thursday.") == []


def test_a_speaker_known_by_title_makes_a_statement_and_is_proposed_as_a_new_actor():
    [statement] = [
        p
        for p in propose_events(
            "Turkish President Recep Tayyip Erdogan condemned the bombing on Monday evening.",
            published=date(2019, 1, 22),
            gazetteer=EMPTY,
        )
        if p.event_type == "statement"
    ]
    assert statement.event_type == "statement"
    assert statement.new_actors == ("Recep Tayyip Erdogan",)


def test_an_eyewitness_quote_is_speech_not_a_reported_strike():
    text = '"They are targeting everything that moves in the camp," a resident said.'
    assert "military-strike" not in _types(text)


def test_trigger_words_out_of_context_propose_nothing():
    assert _types("Families fled to the humanitarian zone in Mawasi.") == []
    assert _types("The senate voted to cut military aid to the government.") == []
    assert _types("Officials said the negotiation process was alive.") == []


def test_one_sentence_with_strikes_in_two_places_gives_two_strikes():
    proposals = propose_events(
        "A car bomb in the town of Hilla killed six people on Monday, while a roadside bomb "
        "in the city of Samarra wounded ten soldiers.",
        published=date(2024, 5, 7),
        gazetteer=EMPTY,
    )
    assert [
        (p.event_type, p.place_hint, [(f.kind, f.low) for f in p.figures]) for p in proposals
    ] == [
        ("military-strike", "hilla", [("killed", 6)]),
        ("military-strike", "samarra", [("injured", 10)]),
    ]


def test_one_strike_told_over_several_sentences_is_one_proposal():
    proposals = propose_events(
        "Gunmen attacked a police station in Kirkuk on Monday. Four policemen were killed in "
        "the attack. The attackers fled before dawn.",
        published=date(2024, 5, 7),
        gazetteer=EMPTY,
    )
    [strike] = proposals
    assert strike.event_type == "military-strike"
    assert [(f.kind, f.low) for f in strike.figures] == [("killed", 4)]
    assert len(strike.evidence) == 2


def test_date_spans_are_kept_as_spans():
    [strikes] = propose_events(
        "Israeli strikes between March and May destroyed the hospital.",
        published=date(2024, 7, 20),
        gazetteer=EMPTY,
    )
    assert (strikes.date_start, strikes.date_end) == (date(2024, 3, 1), date(2024, 5, 31))
    [clash] = propose_events(
        "Fighting raged in the town from 3 to 5 June.", published=date(2024, 6, 20), gazetteer=EMPTY
    )
    assert (clash.date_start, clash.date_end) == (date(2024, 6, 3), date(2024, 6, 5))


def test_what_the_article_dates_weeks_or_months_back_is_background():
    published = date(2015, 11, 24)
    text = (
        "The August 17 bombing at the shrine killed 20 people. "
        "A Taliban spokesman, Zabihullah Mujahid, said on 2 October that the group rejected talks. "
        "The 54 strikes in 2009 all took place in Pakistan. "
        "Gunmen attacked a checkpoint in Kandahar on Sunday, killing two soldiers."
    )
    proposals = propose_events(text, published=published, gazetteer=EMPTY)
    assert [(p.event_type, p.date_start) for p in proposals] == [
        ("military-strike", date(2015, 11, 22))
    ]


def test_an_event_dated_still_to_come_is_not_proposed():
    published = date(2026, 2, 26)
    text = (
        "Zelensky said on Thursday that he expected the next round of talks in early March. "
        "Both sides said a new round of talks is set to take place. "
        "Envoys met in Geneva on Thursday for six hours of talks."
    )
    proposals = propose_events(text, published=published, gazetteer=EMPTY)
    assert [(p.event_type, p.date_start) for p in proposals] == [("negotiation", date(2026, 2, 26))]


def test_headings_captions_and_mixed_quotation_marks_on_a_scraped_page():
    long_line = "Envoys met in Geneva on Tuesday, " + "and the talks went on into the night, " * 5
    text = (
        "Drone war over the Black Sea\n"
        "Soldiers ride a pickup near Kostyantynivka, Tuesday, Feb. 17, 2026. (Iryna Rybakova/AP)\n"
        f"{long_line.rstrip(', ')}.\n"
        'Witkoff said the push for peace has \u201cbrought about meaningful progress," he said.\n'
        "Overnight, Russia launched one ballistic missile and 126 drones at Ukraine.\n"
        "Europe\u2019s part in the talks is \u201cindispensable,\u201d Zelenskyy said.\n"
    )
    proposals = propose_events(text, published=date(2026, 2, 18), gazetteer=EMPTY)
    kinds = [p.event_type for p in proposals]
    assert "military-strike" in kinds  # not swallowed by a quotation left open
    quotes = " ".join(e.quote for p in proposals for e in p.evidence)
    assert "Black Sea" not in quotes and "Rybakova" not in quotes


def test_sentences_run_together_without_a_space_are_still_split():
    text = "Three soldiers were killed in Syria.The army said it would respond."
    assert [s.text for s in split_sentences(text)] == [
        "Three soldiers were killed in Syria.",
        "The army said it would respond.",
    ]


def test_talks_are_an_event_when_they_are_held_not_when_named():
    assert _types(
        "The ELN held talks with the government in Havana today.", gazetteer=GAZETTEER
    ) == ["negotiation"]
    assert "negotiation" not in _types(
        "The ELN favours a negotiated solution to the war.", gazetteer=GAZETTEER
    )


def test_an_event_that_only_places_another_in_time_is_not_proposed():
    published = date(2026, 2, 18)
    text = (
        "Hours after the first day of talks ended on Tuesday, Russian drones killed a woman "
        "in the southern city of Zaporizhzhia, officials said.\n\n"
        "Diplomatic activity, however, unfolded alongside intense fighting."
    )
    proposals = propose_events(text, published=published, gazetteer=EMPTY)
    assert [(p.event_type, p.date_start) for p in proposals] == [
        ("military-strike", date(2026, 2, 17))
    ]


def test_protests_riots_and_arrests_are_proposed_as_their_own_types():
    published = date(2025, 3, 10)
    text = (
        "Thousands of demonstrators protested in Tel Aviv on Saturday against the war.\n\n"
        "Police arrested 12 people in Nablus on Sunday.\n\n"
        "Riots broke out in the camp on Sunday night.\n\n"
        "The man was kidnapped in protest of the president's visit on Sunday."
    )
    proposals = propose_events(text, published=published, gazetteer=EMPTY)
    assert [(p.event_type, p.date_start) for p in proposals] == [
        ("protest", date(2025, 3, 8)),
        ("arrest", date(2025, 3, 9)),
        ("riot", date(2025, 3, 9)),
    ]


def test_speakers_by_a_title_like_adviser_or_named_after_the_quotation():
    published = date(2026, 2, 18)
    medinsky, *_ = propose_events(
        "The head of the Russian delegation, Putin adviser Vladimir Medinsky, told reporters "
        "on Wednesday that the two days of talks in Geneva were difficult.",
        published=published,
        gazetteer=EMPTY,
    )
    assert (medinsky.event_type, medinsky.new_actors) == ("statement", ("Vladimir Medinsky",))
    [umerov] = propose_events(
        '"We worked out a document on the restoration of Ukraine in detail," said Umerov.',
        published=published,
        gazetteer=EMPTY,
    )
    assert (umerov.event_type, umerov.new_actors) == ("statement", ("Umerov",))
    assert not propose_events(
        "Grossi will visit the plant next week, the statement said.",
        published=published,
        gazetteer=EMPTY,
    )


def test_a_sentence_quoting_a_statement_already_reported_makes_no_new_one():
    published = date(2026, 2, 27)
    text = (
        "The IAEA urged both sides in a statement on Friday to let crews repair the power "
        "line. The line was cut weeks ago. Crews had waited since. "
        "The plant ran on diesel generators. Demining is under way to ensure safe access "
        "for the teams, the statement quoted Director General Rafael Grossi as saying. "
        "Grossi reached out to both sides, the statement said, adding that four such "
        "truces had been agreed."
    )
    gazetteer = Gazetteer([GazetteerEntry("actor", "iaea", ("IAEA",))])
    statements = [
        p
        for p in propose_events(text, published=published, gazetteer=gazetteer)
        if p.event_type == "statement"
    ]
    # Wherever "the statement said" or "the statement quoted" stands in a sentence, it
    # goes on the statement already reported: one statement, not three.
    assert [s.actors for s in statements] == [(("iaea", "party"),)]


def test_an_attack_a_party_claims_was_made_is_its_claim_not_a_strike():
    published = date(2018, 8, 7)
    gazetteer = Gazetteer(
        [GazetteerEntry("actor", "venezuela", ("Venezuelan government", "Venezuela"))]
    )
    proposals = propose_events(
        "The Venezuelan government claimed on Saturday that drones loaded with explosives "
        "had attacked President Nicolas Maduro at a parade.",
        published=published,
        gazetteer=gazetteer,
    )
    assert [(p.event_type, p.date_start) for p in proposals] == [("statement", date(2018, 8, 4))]
    # A claim of responsibility sits beside the attack it claims.
    claimed = _types(
        "The ELN claimed responsibility for the bombing of a police station in Bogota on Tuesday.",
        published=date(1990, 2, 14),
        gazetteer=GAZETTEER,
    )
    assert "military-strike" in claimed


def test_an_official_telling_the_damage_makes_no_statement():
    published = date(2026, 2, 26)
    text = (
        "In the capital, Kyiv, Mayor Vitali Klitschko said residential buildings were "
        "damaged and air-defence systems were activated, although no deaths were reported."
    )
    assert "statement" not in _types(text, published=published)
    # The same official taking a stance still makes one.
    assert _types(
        "Mayor Vitali Klitschko said the city would never bow to terror.", published=published
    ) == ["statement"]


# --- Kinds seen in the third acquisition's rules-half articles (Dec 2026) ---------------
PUBLISHED = date(2026, 3, 10)  # a Tuesday


def test_what_happened_over_the_past_year_or_for_months_is_background():
    assert (
        _types(
            "The army, which over the past year of fighting in Donbas took three towns, is tired.",
            published=PUBLISHED,
        )
        == []
    )
    assert "armed-clash" not in _types(
        "For months, the mediators have been engaged in talks to end the war.",
        published=PUBLISHED,
    )


def test_diplomacy_engaged_in_is_no_clash():
    types = _types(
        "On Monday the two governments engaged in direct talks in Oslo.", published=PUBLISHED
    )
    assert "armed-clash" not in types


def test_a_lawmaker_named_by_title_is_a_speaker():
    [statement] = propose_events(
        "Rep. Jane Holloway said Sunday that the ceasefire plan was doomed to fail.",
        published=PUBLISHED,
        gazetteer=EMPTY,
    )
    assert statement.event_type == "statement"
    assert statement.new_actors == ("Jane Holloway",)
    assert statement.date_start == date(2026, 3, 8)


def test_a_call_between_leaders_is_a_meeting_and_a_speech_at_a_meeting_is_not():
    gazetteer = Gazetteer(
        [
            GazetteerEntry("actor", "france", ("France", "French President")),
            GazetteerEntry("actor", "kenya", ("Kenya", "Kenyan President")),
        ]
    )
    calls = propose_events(
        "The French President had a call with the Kenyan President on Monday.",
        published=PUBLISHED,
        gazetteer=gazetteer,
    )
    assert [(p.event_type, p.date_start) for p in calls] == [
        ("diplomatic-meeting", date(2026, 3, 9))
    ]
    assert "diplomatic-meeting" not in _types(
        "He spoke at a meeting of senior police officers in Nairobi on Monday.",
        published=PUBLISHED,
    )


def test_a_leader_hosting_foreign_officials_meets_them():
    assert "diplomatic-meeting" in _types(
        "The president hosted more than twenty senior African officials in Nairobi on Monday.",
        published=PUBLISHED,
    )


def test_a_photo_caption_with_an_image_credit_proposes_nothing():
    text = (
        "Relatives and neighbours gathered in the square on Monday to mourn all those who have "
        "died in the shelling (Image: AFP)\n"
        "The ministry said the talks would resume."
    )
    assert _types(text, published=PUBLISHED) == []


def test_an_undated_sentence_is_news_of_the_day_the_article_names_last():
    gazetteer = Gazetteer([GazetteerEntry("actor", "eln", ("ELN",))])
    wednesday = date(2026, 2, 25)
    # The article's own latest day is the day before publication (a page stamped after
    # midnight UTC): the undated statement covers that day and the next.
    [statement] = [
        p
        for p in propose_events(
            "The ELN said it had not been defeated.\n\n"
            "Rebels met church mediators in Quito on Tuesday.\n\n"
            '"We will not forget what happened here today," a priest said.',
            published=wednesday,
            gazetteer=gazetteer,
        )
        if p.event_type == "statement"
    ]
    assert (statement.date_start, statement.date_end) == (date(2026, 2, 24), wednesday)
    assert statement.date_precision == "approximate"
    # An article that names its own day keeps it for what it does not date.
    [statement] = [
        p
        for p in propose_events(
            "The ELN said it had not been defeated.\n\n"
            "Rebels met church mediators in Quito on Tuesday and again today.",
            published=wednesday,
            gazetteer=gazetteer,
        )
        if p.event_type == "statement"
    ]
    assert (statement.date_start, statement.date_end) == (wednesday, None)
