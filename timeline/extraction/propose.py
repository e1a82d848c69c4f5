"""Propose events from article text: one per asserted trigger type and sentence.

Each proposal carries its evidence (the sentence, with exact offsets into the text given),
its date resolved against the publication date, the location and actors named near the
trigger, the figures reported, and who said so. Proposals are for an editor to review, so
the rules favour explainable choices over recall at any price.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from timeline.extraction.attribution import find_attribution
from timeline.extraction.background import (
    is_background,
    is_habitual,
    mentions_earlier_occasion,
    titled_speaker,
)
from timeline.extraction.casing import reading_copy
from timeline.extraction.dates import (
    DateMention,
    DurationMention,
    Precision,
    anchor_duration,
    find_dates,
    find_durations,
)
from timeline.extraction.figures import FigureMention, find_figures
from timeline.extraction.gazetteer import EntityMention, Gazetteer
from timeline.extraction.sentences import Sentence, one_paragraph_a_line, split_sentences
from timeline.extraction.titles import short_title
from timeline.extraction.triggers import (
    POSITION_VERBS,
    EventType,
    TriggerMatch,
    clause_start,
    find_triggers,
)

Role = Literal["party", "initiator", "target", "mediator"]


@dataclass(frozen=True, slots=True)
class EvidenceSpan:
    """A quote supporting a proposal: ``quote`` equals the text's ``[start:end]``."""

    start: int
    end: int
    quote: str
    attributed_to: str | None = None


@dataclass(frozen=True, slots=True)
class Proposal:
    """An event proposed from text, for an editor to accept, fix or reject."""

    event_type: EventType
    title: str
    date_start: date
    date_end: date | None
    date_precision: Precision
    location_slug: str | None
    actors: tuple[tuple[str, Role], ...]
    figures: tuple[FigureMention, ...]
    evidence: tuple[EvidenceSpan, ...]
    confidence: float
    # New actors a reader would add: speakers found by their title ("President X said").
    new_actors: tuple[str, ...] = ()
    sentence_index: int = 0
    # A capitalised place after "in", "near" or "the town of" that the gazetteer does not
    # know: enough to keep strikes in two towns apart.
    place_hint: str | None = None
    # Every trigger is a definite noun ("the attack", "last night's bombing"): the
    # sentence refers back to an event already reported.
    refers_back: bool = False
    # Dated by a mention of its own (not the sentence's frame or the publication date).
    own_date: bool = True
    # Dated by nothing in the text: the publication date stands in.
    undated: bool = False

    @property
    def date_last(self) -> date:
        """The last day the proposal may cover (``date_start`` for a single day)."""
        return self.date_end or self.date_start


# Violence carries its casualties: "struck …, killing 5" is one strike with a figure.
_VIOLENT: frozenset[EventType] = frozenset({"military-strike", "armed-clash"})
# Types for which the dateline's place is a fair guess at where it happened: talks, meetings
# and statements happen where the reporter is far more often than strikes do.
_DATELINE_TYPES: frozenset[EventType] = frozenset(
    {"negotiation", "diplomatic-meeting", "statement"}
)
_FIGURE_HOMES: dict[str, tuple[EventType, ...]] = {
    "killed": ("casualty-report", "military-strike", "armed-clash"),
    "injured": ("casualty-report", "military-strike", "armed-clash"),
    "missing": ("casualty-report", "military-strike", "armed-clash"),
    "targets-struck": ("military-strike", "armed-clash"),
    "hostages-released": ("hostage-release", "ceasefire", "negotiation"),
    "displaced": ("military-strike", "blockade", "casualty-report"),
    "arrested": ("arrest", "military-strike", "armed-clash", "statement"),
}
_BASE_CONFIDENCE: dict[EventType, float] = {"statement": 0.4}
# Tolls and strikes a sentence recaps ("so far this year", "since 2015") are background.
_TOLL_TYPES: frozenset[EventType] = frozenset(
    {"casualty-report", "military-strike", "armed-clash", "arrest", "protest", "riot"}
)
# A casualty sentence that points back at the strike before it ("in the attack", "as a
# result") gives that strike's toll rather than a report of its own.
_POINTS_BACK = re.compile(
    r"\b(?:the|this|that|these|both)\s+(?:\w+\s+)?(?:attacks?|explosions?|blasts?|bombings?|"
    r"strikes?|raids?|ambush|action|incident|assault|clash(?:es)?)\b|\bas a result\b",
    re.IGNORECASE,
)
# Words that refer back to a time already given: "Israel has since resumed …", "on the same
# day". A "since" that opens its own date ("since March") is a date mention instead.
_ANAPHORIC_TIME = re.compile(
    r"\b(?P<since>since(?:\s+then)?)\b|\b(?P<same>(?:on\s+)?(?:the\s+same|that)\s+day|"
    r"(?:during|in|over)\s+the\s+same\s+(?:period|month|week|time))\b"
    r"|\b(?P<next>(?:on\s+)?the\s+(?:following|next)\s+day|the\s+day\s+after)\b",
    re.IGNORECASE,
)
# Where a phrase ends for finding the actors and places that belong to a trigger.
_PHRASE_BREAK = re.compile(
    r"[,;:]|\s[-–—]\s|[.!?](?=\s|$)|\s(?:as|while|but|whereas|although|which|who)\s"
)
# A party's speech states a position, and so is a statement beside the other events its
# sentence reports, when its verb is one of stance ("rejected", "insisted on") or what it
# says is a view, plan or readiness ("said he thinks the meeting should help"). "The
# military says it struck 130 targets" only reports the strike.
_POSITION_VERB = re.compile(rf"(?i:{POSITION_VERBS})")
_POSITION_CONTENT = re.compile(
    r"\b(?:thinks?|thought|believes?|believed|hopes?|hoped|expects?|expected|feels?|felt|"
    r"wants?|wanted|should|would|could|must|will|shall|might|committed|ready|prepared|"
    r"willing|determined)\b",
    re.IGNORECASE,
)
# A short lower-case aside set off by commas ("Netanyahu's government, however, has
# rejected") does not part a speaker from the verb.
_ASIDE = re.compile(r"[a-z]+(?:\s+[a-z]+)?")
_MEDIATOR_AFTER = re.compile(
    r"(?:\s*(?:,|and)\s*[A-Z][\w'’-]*)*\s+(?:mediators?|mediation|intermediar(?:y|ies)|brokers?)\b"
)
_MEDIATOR_BEFORE = re.compile(
    r"\b(?:mediated|brokered|hosted|facilitated)\s+by\s+(?:[\w'’-]+\s+(?:and\s+)?){0,3}$"
)


def propose_events(
    text: str, *, published: date, gazetteer: Gazetteer, dateline: str | None = None
) -> list[Proposal]:
    """Propose events reported in ``text``, in the order they are first reported.

    One proposal per sentence and asserted event type (negated and hypothetical triggers
    propose nothing). A statement needs a known actor as its speaker; when the sentence
    also reports another event, the speech must state a position (a stance verb, or a
    view, plan or readiness in what is said) rather than report that event. Dates come
    from the mention nearest the trigger, a date framing the sentence, an earlier date in
    the paragraph, or the publication date (with lower confidence). Proposals elsewhere in
    the text that are ``same_event`` are merged, their evidence kept side by side.
    """
    dateline_slug = gazetteer.slug_for(dateline, "location") if dateline else None
    reading = reading_copy(text)
    proposals: list[Proposal] = []
    last_date: DateMention | None = None
    paragraph_date: DateMention | None = None
    previous_end = 0
    quoted = _quoted_speech(reading)
    paragraph_break = _LINE if one_paragraph_a_line(reading) else _BLANK_LINE
    days_named: set[date] = set()
    for index, sentence in enumerate(split_sentences(reading)):
        if paragraph_break.search(reading[previous_end : sentence.start]):
            paragraph_date = None
        previous_end = sentence.end
        original = text[sentence.start : sentence.end]
        if _not_prose(sentence.text):
            continue
        context = _SentenceContext.read(sentence, original, published, gazetteer, last_date)
        context = _without_quoted_events(context, quoted)
        found = _propose_for_sentence(context, paragraph_date, published, dateline_slug)
        proposals.extend(replace(p, sentence_index=index) for p in found)
        # The days the article names in its own voice: a quotation's "today" is the
        # speaker's day, whenever the speaker spoke.
        days_named.update(
            d.date_start
            for d in context.dates
            if d.precision == "day"
            and not any(s <= sentence.start + d.start < e for s, e in quoted)
        )
        if context.dates and not context.recap:
            last_date = context.dates[-1]
            paragraph_date = last_date
    proposals = _on_the_news_day(proposals, days_named, published)
    # The news is what happened in the days before publication; what the article dates
    # weeks or months earlier ("in April", "told Al-Monitor last month") is background.
    recent = published - timedelta(days=RECENT_DAYS)
    this_month = published - timedelta(days=31)
    return [
        p
        for p in _merge_same_events(proposals)
        if not _bare(p)
        and (
            p.date_last >= recent
            or (p.event_type not in _RECENT_TYPES and p.date_last >= this_month)
            or (p.event_type not in _RECENT_TYPES and p.date_precision not in ("day", "year"))
        )
    ]


def _on_the_news_day(
    proposals: list[Proposal], days_named: set[date], published: date
) -> list[Proposal]:
    """A sentence dated by nothing but the article is news of the article's day. When the
    latest day the article names is the day before publication ("on Tuesday" in a page
    stamped 01:14 UTC on Wednesday, a report filed overnight), that day may be the one:
    the undated proposals cover both days (approximate). An article naming its own day
    ("today", "on Monday" for Monday) keeps it."""
    day_before = published - timedelta(days=1)
    latest = max((d for d in days_named if day_before <= d <= published), default=published)
    if latest == published:
        return proposals
    return [
        replace(p, date_start=day_before, date_end=published, date_precision="approximate")
        if p.undated
        else p
        for p in proposals
    ]


def _bare(proposal: Proposal) -> bool:
    """A strike or clash named in passing, with no place, party, figure or date in the
    text ("diplomacy unfolded alongside intense fighting"), is scenery, not a report."""
    return (
        proposal.event_type in _VIOLENT
        and len(proposal.evidence) == 1
        and not (proposal.location_slug or proposal.place_hint or proposal.actors)
        and not proposal.figures
        and proposal.undated
    )


RECENT_DAYS = 14
# Statements and tolls are news on the day they are made: two weeks before publication,
# they are recaps; so is anything dated to a day or a year more than a month before ("the
# August 17 bombing" in November, "the 54 strikes in 2009"). A campaign or a truce told
# over a month or a span may still be the story.
_RECENT_TYPES = frozenset({"statement", "casualty-report", "protest", "riot", "arrest"})
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_LINE = re.compile(r"\n")
# A heading, byline or link text ("Europe is involved", "Russia Ukraine War") has no
# closing stop; a photo caption names its credit ("(AA Photo)", "[Gleb Garanich/Reuters]",
# "Getty Images", "via AP)"). Neither reports news: the story's own sentences do.
_CLOSING_STOP = re.compile(r"[.!?][\"'”’)\]]*$")
_PHOTO_CREDIT = re.compile(
    r"\((?:[\w.'’ -]+ )?[Pp]hoto\)|\((?:Image|Photo|Picture|Credit)s?: [^()\n]+\)|"
    r"\[[^\]\n]*/[^\]\n]*\]|Getty Images|"
    r"\b(?:via|/)\s*(?:AP|AFP|Reuters|EPA|Anadolu)\)|\(Photo(?: by|:)|^Illustrative photo\b"
)


def _not_prose(sentence: str) -> bool:
    stripped = sentence.strip()
    if _PHOTO_CREDIT.search(stripped):
        return True
    return not _CLOSING_STOP.search(stripped) and len(stripped.split()) < 15


def same_event(a: Proposal, b: Proposal) -> bool:
    """True when two proposals plausibly report the same event.

    Same type, overlapping dates, and the same location or a shared actor. Statements
    are utterances, so two statements are only the same when their evidence overlaps.
    """
    if a.event_type != b.event_type:
        return False
    if a.date_start > b.date_last or b.date_start > a.date_last:
        return False
    if a.event_type == "statement":
        # One statement per speaker and occasion: the same named speaker on the same day
        # ("Zelenskyy said …", later "Zelenskyy described …") is one statement.
        near = abs(a.sentence_index - b.sentence_index) <= 3
        if near and _surnames(a.new_actors) & _surnames(b.new_actors):
            return True
        if near and a.actors and a.actors == b.actors and not (a.new_actors or b.new_actors):
            return True
        return any(x.start < y.end and y.start < x.end for x in a.evidence for y in b.evidence)
    if a.location_slug and a.location_slug == b.location_slug:
        return True
    return bool({slug for slug, _ in a.actors} & {slug for slug, _ in b.actors})


def _surnames(names: tuple[str, ...]) -> set[str]:
    """ "Volodymyr Zelensky" and "Zelensky" are one speaker."""
    return {name.split()[-1].lower() for name in names if name.split()}


def merge_proposals(a: Proposal, b: Proposal) -> Proposal:
    """Combine two proposals of one event: the earlier keeps its title and fields, the
    dates widen to cover both, and evidence, figures and actors are united."""
    actors = dict(a.actors)
    for slug, role in b.actors:
        actors.setdefault(slug, role)
    precise = a if _precision_rank(a) <= _precision_rank(b) else b
    date_end = max(a.date_last, b.date_last)
    date_start = min(a.date_start, b.date_start)
    return replace(
        a,
        date_start=precise.date_start if precise.date_end is None else date_start,
        date_end=None if precise.date_end is None else date_end,
        date_precision=precise.date_precision,
        location_slug=a.location_slug or b.location_slug,
        actors=tuple(actors.items()),
        figures=_unique(a.figures + b.figures),
        evidence=_unique(a.evidence + b.evidence),
        confidence=min(0.95, max(a.confidence, b.confidence) + 0.05),
    )


@dataclass(frozen=True, slots=True)
class _SentenceContext:
    sentence: Sentence
    dates: tuple[DateMention, ...]
    anaphoric: tuple[DateMention, ...]
    durations: tuple[DurationMention, ...]
    triggers: tuple[TriggerMatch, ...]
    entities: tuple[EntityMention, ...]
    figures: tuple[FigureMention, ...]
    attributed_to: str | None
    reading: str = ""
    speaker: tuple[int, int, str] | None = None
    recap: bool = False
    future: tuple[DateMention, ...] = ()

    @classmethod
    def read(
        cls,
        sentence: Sentence,
        original: str,
        published: date,
        gazetteer: Gazetteer,
        last_date: DateMention | None,
    ) -> "_SentenceContext":
        """Read a sentence: cues from ``sentence.text`` (the readable copy), names and
        quotes from ``original`` (the same characters as the article)."""
        text = sentence.text
        # A date after publication belongs to something still to come ("the elections,
        # which will be held on 11 March"), never to an event the article reports.
        every_date = find_dates(text, published)
        dates = tuple(d for d in every_date if d.date_start <= published)
        future = tuple(d for d in every_date if d.date_start > published)
        attribution = find_attribution(original)
        source = attribution.source if attribution else None
        background = is_background(text)
        # "has repeatedly bombed … since 12 September" is a series with a date: reported.
        habitual = (
            is_habitual(text) and not any(d.precision == "day" for d in dates)
        ) or mentions_earlier_occasion(text)
        return cls(
            sentence=Sentence(sentence.start, sentence.end, original),
            reading=text,
            dates=dates,
            future=future,
            anaphoric=tuple(_anaphoric_dates(text, dates, last_date)),
            durations=tuple(find_durations(text)),
            triggers=tuple(
                t
                for t in find_triggers(text)
                if t.asserted and not habitual and not (background and t.event_type in _TOLL_TYPES)
            ),
            entities=tuple(e for e in gazetteer.find(original) if text[e.start : e.end].strip()),
            figures=tuple(
                replace(f, text=original[f.start : f.end])
                for f in find_figures(
                    text, attributed_to=source, date_spans=[(d.start, d.end) for d in every_date]
                )
            ),
            attributed_to=attribution.attribution_text() if attribution else None,
            speaker=titled_speaker(original, text),
            recap=background or habitual,
        )


def _propose_for_sentence(
    context: _SentenceContext,
    paragraph_date: DateMention | None,
    published: date,
    dateline_slug: str | None,
) -> list[Proposal]:
    triggers = _event_triggers(context)
    if not triggers:
        return []
    by_type: dict[EventType, list[TriggerMatch]] = {}
    for trigger in triggers:
        by_type.setdefault(trigger.event_type, []).append(trigger)
    mentions = list(context.dates) + list(context.anaphoric)
    owners = {id(m): _owner(context.reading, m, triggers) for m in mentions}
    framing = min(mentions, key=lambda m: m.start, default=None)
    if framing is not None and framing.start > min(t.start for t in triggers):
        framing = None
    proposals = []
    groups: list[tuple[EventType, list[TriggerMatch], tuple[int, int] | None]] = []
    for event_type, typed in by_type.items():
        if event_type in _VIOLENT or event_type == "casualty-report":
            groups.extend(
                (event_type, subset, part) for subset, part in _split_by_place(context, typed)
            )
        else:
            groups.append((event_type, typed, None))
    future_owners = {_owner(context.reading, m, triggers).event_type for m in context.future}
    for event_type, typed, part in groups:
        owned = [m for m in mentions if owners[id(m)].event_type == event_type]
        if event_type in future_owners and not owned:
            # Its date is still to come: "the next round … in early March".
            continue
        if part is not None:
            owned = [m for m in owned if part[0] <= m.start < part[1]] or owned
        mention = min(owned, key=lambda m: _distance(m.start, m.end, typed), default=None)
        date_source = "own" if mention else "framing" if framing else "narrative"
        mention = mention or framing or paragraph_date
        date_start, date_end, precision = _event_dates(context, typed, mention, published)
        if (
            event_type in _VIOLENT
            and date_end is not None
            and (date_end - date_start).days > 7
            and (
                any(f.kind in ("killed", "injured") for f in context.figures)
                or _CASUALTY_WORD.search(context.reading)
            )
        ):
            # A toll over a month of attacks is a report of casualties, not one strike.
            proposed_type: EventType = "casualty-report"
        else:
            proposed_type = event_type
        location = _location(context, typed)
        sentence_part = context.sentence.text[part[0] : part[1]] if part else context.sentence.text
        hint = None if location else _place_hint(sentence_part)
        if location is None and event_type in _DATELINE_TYPES:
            location = dateline_slug
        figures = _figures_for(event_type, by_type, context.figures)
        if part is not None:
            figures = [f for f in figures if part[0] <= f.start < part[1]]
        event_type = proposed_type
        proposals.append(
            Proposal(
                event_type=event_type,
                title=short_title(context.sentence.text, 100),
                date_start=date_start,
                date_end=date_end,
                date_precision=precision,
                location_slug=location,
                actors=_actors(context, typed),
                figures=tuple(_shift_figure(f, context.sentence.start) for f in figures),
                evidence=(
                    EvidenceSpan(
                        context.sentence.start,
                        context.sentence.end,
                        context.sentence.text,
                        context.attributed_to,
                    ),
                ),
                confidence=_confidence(event_type, date_source, mention, location, figures),
                place_hint=hint,
                refers_back=bool(
                    (_EVENT_NOUN.fullmatch(typed[0].text) or event_type == "casualty-report")
                    and _DEFINITE.search(context.reading, 0, typed[0].start)
                ),
                own_date=date_source == "own",
                undated=mention is None,
                new_actors=(context.speaker[2],)
                if event_type == "statement" and context.speaker
                else (),
            )
        )
    return proposals


def _event_triggers(context: _SentenceContext) -> list[TriggerMatch]:
    text = context.sentence.text
    actors = [e for e in context.entities if e.kind == "actor"]
    # A statement needs a known actor as its speaker: an outlet's "the BBC reported" or
    # unnamed officials' "said" alone does not make a party's statement.
    speaker = context.speaker
    spoken = [
        t
        for t in context.triggers
        if t.event_type == "statement"
        and (
            any(_subject_start(text, t.start) <= a.start < t.start for a in actors)
            or (speaker is not None and (speaker[1] <= t.start or 0 <= speaker[0] - t.end <= 2))
        )
        # "…, the statement said": the statement already reported goes on.
        and not _DOCUMENT_SPEAKS.search(text, max(0, t.start - 30), t.start)
    ]
    if _DOCUMENT_GOES_ON.search(text):
        # "the statement quoted Grossi as saying", "…, the statement said, adding …":
        # wherever the sentence says so, it quotes a statement already reported.
        spoken = []
    strong = [t for t in context.triggers if t.event_type != "statement"]
    claim = next((t for t in spoken if _CLAIM.fullmatch(t.text)), None)
    if claim is not None and any(t.start > claim.end for t in strong if t.event_type in _VIOLENT):
        # "The government claimed that an attempt had been made to kill the president":
        # the attack is the party's claim, reported; the claim is the news.
        strong = [t for t in strong if t.start < claim.start]
        return [*strong, claim]
    anchor = _TIME_ANCHOR.match(context.reading)
    if anchor and any(t.start >= anchor.end() for t in strong):
        # "Hours after the first day of talks ended on Tuesday, Russian drones killed …":
        # the talks only place the strike in time (and lend it their day).
        strong = [t for t in strong if t.start >= anchor.end()]
    if not strong:
        # "Mayor Vitali Klitschko said residential buildings were damaged": an official
        # telling the damage reports the strike's effects, and takes no stance.
        return [
            t
            for t in spoken[:1]
            if _states_position(text, t) or not _DAMAGE_TOLD.search(text, t.end)
        ]
    # Talks and truces are named far more often than they happen: "the negotiation
    # process", "a negotiated solution", "the agreement on a cease-fire". They are events
    # when something is done to them near the word: held, started, resumed, agreed, ended.
    strong = [
        t
        for t in strong
        if t.event_type not in _REALIZED
        or _REALIZED[t.event_type].search(context.reading[max(0, t.start - 80) : t.end + 80])
    ]
    kinds = {t.event_type for t in strong}
    if "negotiation" in kinds:
        # "met with U.S. officials … in the latest round of talks": the talks.
        strong = [t for t in strong if t.event_type != "diplomatic-meeting"]
    if kinds & _VIOLENT:
        # Casualties of a strike or clash are its figures, not a separate report.
        strong = [t for t in strong if t.event_type != "casualty-report"]
    positions = [t for t in spoken if _states_position(text, t)]
    if not positions and speaker is not None and not kinds & _VIOLENT:
        # A speaker named by title who speaks of talks or a meeting ("Putin adviser
        # Vladimir Medinsky told reporters that the two days of talks … were difficult")
        # makes a statement; what he says of a strike only reports the strike.
        first = min((s.start for s in strong), default=len(text))
        positions = [t for t in spoken if t.start < first]
    return strong + positions[:1]


_DOCUMENT_SPEAKS = re.compile(
    r"\b(?:the|this|that|its|their) (?:\w+ )?(?:statement|report|communiqu[eé])\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
_DAMAGE_TOLD = re.compile(
    r"\b(?:damag\w*|destroy\w*|hit|struck|fires? (?:broke out|erupted)|"
    r"power (?:outages?|cuts?)|blackouts?|no (?:deaths|casualties|injuries)|debris|"
    r"air[- ]defen[cs]e)\b",
    re.IGNORECASE,
)
_CLAIM = re.compile(r"claim(?:s|ed)?", re.IGNORECASE)
_DOCUMENT_GOES_ON = re.compile(
    r"\b(?:the|this|that|its|their) (?:\w+ )?(?:statement|communiqu[eé])\s+"
    r"(?:said|says|quoted|added|read|noted|stated|continued)\b",
    re.IGNORECASE,
)
# A sentence that opens by placing itself after or before another event.
_TIME_ANCHOR = re.compile(
    r"\s*(?:also\s+|just\s+|only\s+)?(?:(?:hours|days|minutes|moments|shortly|soon|weeks)\s+)?"
    r"(?:after|before|ahead of|following)\b[^,;]{0,120},",
    re.IGNORECASE,
)


def _subject_start(text: str, position: int) -> int:
    start = clause_start(text, position)
    if start == 0:
        return start
    aside_start = clause_start(text, start - 1)
    if aside_start > 0 and _ASIDE.fullmatch(text[aside_start:start].strip(" ,")):
        return clause_start(text, aside_start - 1)
    return start


def _states_position(text: str, trigger: TriggerMatch) -> bool:
    if _POSITION_VERB.fullmatch(trigger.text):
        return True
    return _POSITION_CONTENT.search(text, trigger.end) is not None


def _anaphoric_dates(
    text: str, dates: Sequence[DateMention], last_date: DateMention | None
) -> list[DateMention]:
    if last_date is None:
        return []
    mentions = []
    for match in _ANAPHORIC_TIME.finditer(text):
        if any(d.start <= match.start() < d.end for d in dates):
            continue
        if match.group("since") and re.match(r"\s+(?:the\s+)?\S*\d", text[match.end() :]):
            continue
        shift = timedelta(days=1) if match.group("next") else timedelta(0)
        mentions.append(
            DateMention(
                start=match.start(),
                end=match.end(),
                text=match.group(0),
                date_start=last_date.date_start + shift,
                date_end=last_date.date_end + shift if last_date.date_end else None,
                precision=last_date.precision,
                relation="since" if match.group("since") else "at",
                estimate=last_date.estimate + shift if last_date.estimate else None,
            )
        )
    return mentions


def _event_dates(
    context: _SentenceContext,
    triggers: list[TriggerMatch],
    mention: DateMention | None,
    published: date,
) -> tuple[date, date | None, Precision]:
    if mention is None:
        return published, None, "day"  # until propose_events knows the news day
    duration = min(
        context.durations, key=lambda d: _distance(d.start, d.end, triggers), default=None
    )
    if duration is not None and _distance(duration.start, duration.end, triggers) <= 30:
        text = context.reading
        began = mention.relation == "since" or re.search(
            r"\b(?:began|begun|started|imposed|launched|beginning)\b\s*$",
            text[max(0, mention.start - 25) : mention.start],
        )
        if began:
            start, end = anchor_duration(duration, start=mention.anchor)
        else:
            start, end = anchor_duration(duration, end=mention.anchor)
        return start, end, "approximate"
    if (
        mention.relation == "since"
        and mention.date_end is None
        and re.match(r"(?i)(?:since|from)\s+\S*\d|(?:since|from)\s+\w+\s+\d", mention.text)
        and mention.date_start < published
    ):
        # "Strikes since Oct 7 have killed …": from that day until the article's.
        return mention.date_start, published, "approximate"
    return mention.date_start, mention.date_end, mention.precision


# Where one sentence passes from one incident to the next: "…, while a car bomb in the
# town of Tarmiyah …", "…; in Kirkuk, …".
_INCIDENT_BREAK = re.compile(
    r";|,\s+(?:while|whereas|meanwhile)\s|\s--\s|,\s+and\s+(?:in|at|near|an?|another)\s",
    re.IGNORECASE,
)


def _split_by_place(
    context: _SentenceContext, typed: list[TriggerMatch]
) -> list[tuple[list[TriggerMatch], tuple[int, int] | None]]:
    """The triggers of one type, split where the sentence moves to another place.

    One group (the whole sentence) unless two parts of the sentence each hold a trigger
    and name different places (a known location, or a capitalised place after "in").
    """
    text = context.sentence.text
    cuts = [0, *(m.start() for m in _INCIDENT_BREAK.finditer(context.reading)), len(text)]
    parts = [(a, b) for a, b in pairwise(cuts) if b > a]
    grouped: list[tuple[list[TriggerMatch], tuple[int, int], str | None]] = []
    for start, end in parts:
        inside = [t for t in typed if start <= t.start < end]
        places = [
            e.slug for e in context.entities if e.kind == "location" and start <= e.start < end
        ]
        place = places[0] if places else _place_hint(text[start:end])
        if inside:
            grouped.append((inside, (start, end), place))
        elif grouped and place is None:
            continue
    named = {place for _, _, place in grouped if place}
    if len(grouped) < 2 or len(named) < 2:
        return [(typed, None)]
    result: list[tuple[list[TriggerMatch], tuple[int, int] | None]] = []
    for inside, span, place in grouped:
        if place is None and result:
            previous, (start, _) = result[-1]
            result[-1] = (previous + inside, (start, span[1]))
        else:
            result.append((inside, span))
    return result


def _location(context: _SentenceContext, triggers: list[TriggerMatch]) -> str | None:
    places = [e for e in context.entities if e.kind == "location"]
    if not places:
        return None
    phrase = [p for p in places if any(_same_phrase(context.sentence.text, p, t) for t in triggers)]
    chosen = min(phrase or places, key=lambda p: _distance(p.start, p.end, triggers))
    return chosen.slug


def _actors(
    context: _SentenceContext, triggers: list[TriggerMatch]
) -> tuple[tuple[str, Role], ...]:
    text = context.sentence.text
    actors = [e for e in context.entities if e.kind == "actor"]
    roles: dict[str, Role] = {}
    for actor in actors:
        if _MEDIATOR_AFTER.match(text, actor.end) or _MEDIATOR_BEFORE.search(
            text[max(0, actor.start - 60) : actor.start]
        ):
            roles[actor.slug] = "mediator"
    in_phrase = [a for a in actors if any(_same_phrase(text, a, t) for t in triggers)]
    violent = triggers[0].event_type in _VIOLENT
    for actor in in_phrase or actors:
        if actor.slug in roles:
            continue
        role: Role = "party"
        if violent:
            trigger = min(triggers, key=lambda t: abs(t.start - actor.start))
            role = "initiator" if actor.end <= trigger.start else "target"
            before = text[max(0, actor.start - 20) : actor.start]
            if re.search(r"\b(?:against|on|at|toward|towards)\s+(?:the\s+)?$", before):
                role = "target"
        roles.setdefault(actor.slug, role)
    return tuple(roles.items())


def _figures_for(
    event_type: EventType,
    by_type: dict[EventType, list[TriggerMatch]],
    figures: Sequence[FigureMention],
) -> list[FigureMention]:
    chosen = []
    for figure in figures:
        homes = [t for t in _FIGURE_HOMES[figure.kind] if t in by_type]
        if homes and homes[0] == event_type:
            chosen.append(figure)
    return chosen


def _confidence(
    event_type: EventType,
    date_source: str,
    mention: DateMention | None,
    location: str | None,
    figures: Sequence[FigureMention],
) -> float:
    score = _BASE_CONFIDENCE.get(event_type, 0.6)
    if mention is None:
        score -= 0.15  # dated only by publication
    elif date_source == "own":
        score += 0.15
    if location:
        score += 0.1
    if figures:
        score += 0.1
    return round(min(0.95, max(0.05, score)), 2)


def _merge_same_events(proposals: list[Proposal]) -> list[Proposal]:
    merged: list[Proposal] = []
    for proposal in proposals:
        for index, existing in enumerate(merged):
            if same_event(existing, proposal) or _continues(existing, proposal):
                combined = merge_proposals(existing, proposal)
                if existing.event_type == "casualty-report" != proposal.event_type:
                    # A toll told first, then the strike it came from: the strike.
                    combined = replace(combined, event_type=proposal.event_type)
                merged[index] = replace(
                    combined,
                    sentence_index=proposal.sentence_index,
                    place_hint=existing.place_hint or proposal.place_hint,
                )
                break
        else:
            merged.append(proposal)
    return merged


def _continues(earlier: Proposal, later: Proposal) -> bool:
    """True when ``later`` goes on reporting ``earlier``'s event: within three sentences
    (or anywhere, when it refers back with "the attack"), overlapping dates, no other
    place named, and the same type, or a strike or clash and its casualties."""
    if later.sentence_index - earlier.sentence_index > 3 and not later.refers_back:
        return False
    overlap = not (later.date_start > earlier.date_last or earlier.date_start > later.date_last)
    if not overlap and not (later.refers_back and not later.own_date):
        return False
    if earlier.location_slug and later.location_slug:
        if earlier.location_slug != later.location_slug:
            return False
    elif (
        earlier.place_hint
        and later.place_hint
        and earlier.place_hint != later.place_hint
        and not later.refers_back
    ):
        return False
    if earlier.event_type == later.event_type == "statement":
        # The same speaker going on, unnamed: "he added", "the guerrilla leader said".
        return not later.actors and not later.new_actors
    if earlier.event_type == later.event_type:
        return True
    kinds = {earlier.event_type, later.event_type}
    if kinds <= _VIOLENT:
        return later.refers_back
    if "casualty-report" not in kinds or not kinds & _VIOLENT:
        return False
    if later.refers_back:
        return True
    casualties = earlier if earlier.event_type == "casualty-report" else later
    return any(_POINTS_BACK.search(e.quote) for e in later.evidence) or (
        casualties is later and not casualties.figures
    )


_REALIZED: dict[EventType, re.Pattern[str]] = {
    "negotiation": re.compile(
        r"\b(?:held|hold|holds|holding|began|begun|begin|begins|started|start|starts|"
        r"resumed|resume|resumes|took place|take place|taking place|opened|concluded|"
        r"ended|met|meet|meets|meeting|attended|attend|round of|rounds of|sat down|"
        r"broke down|collapsed|stalled|suspended|negotiated with|negotiating with|hosted|"
        r"hosts|host|joined|joins|join|mediated|brokered|chaired|led|wrapped up)\b",
        re.IGNORECASE,
    ),
    "ceasefire": re.compile(
        r"\b(?:took effect|takes effect|came into (?:force|effect)|agreed|agree|announced|"
        r"declared|signed|brokered|reached|began|begun|started|ended|collapsed|broke down|"
        r"expired|violated|violation|holding|held|extended|implemented|implementation|"
        r"in place|in effect|observed|observing|rejected|rejects|accepted|accepts|"
        r"breached|breach|truce talks|called off)\b",
        re.IGNORECASE,
    ),
}
_CASUALTY_WORD = re.compile(r"\b(?:casualt\w*|killed|dead|deaths?|wounded|injured)\b", re.I)
_EVENT_NOUN = re.compile(
    r"(?i:attacks?|assaults?|bombings?|explosions?|blasts?|strikes?|air ?strikes?|raids?|"
    r"ambush(?:es)?|clash(?:es)?|offensive|fighting|incident|killings?|shootings?|"
    r"(?:car|truck|roadside|suicide) bomb(?:s|ing)?|talks|meeting|negotiations|truce|"
    r"cease-?fire|siege|blockade)"
)
_DEFINITE = re.compile(
    r"\b(?:the|this|that|these|those|its|their|both|(?:last night|yesterday|\w+day)['’]s)\s+"
    r"(?:[\w-]+\s+){0,2}$",
    re.IGNORECASE,
)
_PLACE_HINT = re.compile(
    r"\b(?:in|near|outside|at)\s+(?:the\s+(?:\w+\s+)?(?:town|city|village|province|district|"
    r"neighbou?rhoods?|area|region|department)\s+of\s+)?(?:the\s+)?"
    r"(?:(?!(?:said|says|told|was|were|is|are|has|have|had|and|or|by|of|when|where)\b)"
    r"[a-z][\w-]*\s+){0,3}?"
    r"(?P<place>[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*){0,2})"
)
_NOT_PLACES = frozenset(
    {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
     "January", "February", "March", "April", "May", "June", "July", "August",
     "September", "October", "November", "December", "The", "A", "An"}
)  # fmt: skip


def _place_hint(text: str) -> str | None:
    for match in _PLACE_HINT.finditer(text):
        place = match.group("place")
        if place.split()[0] not in _NOT_PLACES:
            return place.lower()
    return None


def _same_phrase(text: str, entity: EntityMention, trigger: TriggerMatch) -> bool:
    low, high = sorted((entity.start, trigger.start))
    return _PHRASE_BREAK.search(text, low, max(high, low)) is None


# A quotation ends at its closing mark, or at a straight one or a line's end when the
# page mixes its marks ("“brought about meaningful progress,\"").
_QUOTE = re.compile(r"“[^”\"\n]*[”\"]|\"[^\"\n]*\"")


def _quoted_speech(text: str) -> list[tuple[int, int]]:
    """Spans of direct speech: quotations of five words or more (not a "scare quote")."""
    return [m.span() for m in _QUOTE.finditer(text) if len(m.group(0).split()) >= 5]


def _without_quoted_events(
    context: "_SentenceContext", quoted: list[tuple[int, int]]
) -> "_SentenceContext":
    """Leave out events told inside someone's direct speech ("they are targeting
    everything", "we are starting a new stage"): the speech is the speaker's statement,
    not the article's report of an event."""
    offset = context.sentence.start
    kept = tuple(
        t
        for t in context.triggers
        if t.event_type == "statement" or not any(a <= offset + t.start < b for a, b in quoted)
    )
    return replace(context, triggers=kept) if len(kept) != len(context.triggers) else context


def _owner(text: str, mention: DateMention, triggers: Sequence[TriggerMatch]) -> TriggerMatch:
    """The trigger a date belongs to: the nearest, except that a possessive date
    ("last night's dynamite attack", "Monday's bombing") belongs to the noun after it."""
    if text[mention.end : mention.end + 2] in ("'s", "’s"):
        following = [t for t in triggers if t.start >= mention.end]
        if following:
            return following[0]
    return _nearest(mention.start, mention.end, triggers)


def _nearest(start: int, end: int, triggers: Sequence[TriggerMatch]) -> TriggerMatch:
    return min(triggers, key=lambda t: _distance(start, end, [t]))


def _distance(start: int, end: int, triggers: Sequence[TriggerMatch]) -> int:
    return min(max(t.start - end, start - t.end, 0) for t in triggers)


def _precision_rank(proposal: Proposal) -> int:
    return ["day", "week", "month", "year", "approximate"].index(proposal.date_precision)


def _shift_figure(figure: FigureMention, offset: int) -> FigureMention:
    return replace(figure, start=figure.start + offset, end=figure.end + offset)


def _unique[T](items: tuple[T, ...]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
