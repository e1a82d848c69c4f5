"""Event types from trigger words, with negation and hypothetical context.

A trigger is a word or phrase that reports an event of one type ("struck" a strike,
"ceasefire talks" a negotiation). Context decides whether it reports something that
happened: "did not strike" is negated; "to reach a deal for the release of hostages",
"if any deal is to be agreed" and "should help" are hypothetical (aims, conditions,
modals), and so is a trigger inside a list of stated goals. A party's stated position
("rejected", "insisted on", "holding out for") is a statement; lifting or easing a blockade
or siege ("lifted the blockade", "a blockade, which was partially lifted") reports aid
restored, not a blockade.
"""

import re
from dataclasses import dataclass
from typing import Literal

EventType = Literal[
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
    "protest",
    "riot",
    "arrest",
]
EVENT_TYPES: tuple[EventType, ...] = (
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
    "protest",
    "riot",
    "arrest",
)


@dataclass(frozen=True, slots=True)
class TriggerMatch:
    """A trigger: ``text`` equals the source's ``[start:end]``."""

    start: int
    end: int
    text: str
    event_type: EventType
    negated: bool
    hypothetical: bool

    @property
    def asserted(self) -> bool:
        """True when the trigger reports something that happened."""
        return not (self.negated or self.hypothetical)


# Verbs by which a party states a position: "Hamas rejected the proposal", "Israel has
# insisted on", "Hamas is holding out for". Statements whatever else the sentence reports.
POSITION_VERBS = (
    r"reject(?:s|ed|ing)?|insist(?:s|ed|ing)?(?: on)?|(?:hold(?:s|ing)?|held) out for|"
    r"vow(?:s|ed)|warn(?:s|ed)|condemn(?:s|ed)|claim(?:s|ed)? responsibility|"
    r"(?:hold|holds|held) (?:\w+ ){1,4}responsible|blam(?:e|es|ed)|accus(?:e|es|ed)|"
    r"denounc(?:e|es|ed)|deplor(?:e|es|ed)|urg(?:e|es|ed)|demand(?:s|ed)|admit(?:s|ted)|"
    r"propos(?:e|es|ed)|deni(?:es|ed)|pledg(?:e|es|ed)|promis(?:e|es|ed)|assert(?:s|ed)|"
    r"stress(?:es|ed)|responded to|"
    r"claim(?:s|ed)? (?:that )?(?:they|it|he|she|the group) (?:was|were|is|are) responsible"
)
_LIFT = r"(?:lift(?:s|ed|ing)?|eas(?:e|es|ed|ing)|relax(?:es|ed|ing)?|loosen(?:s|ed|ing)?)"
_CLOSURE = r"(?:blockades?|sieges?|restrictions|closures?|aid ban)"
_TROOPS = r"(?:troops|soldiers|forces|infantry|tanks?|vehicles?|bulldozers?|positions?|patrols?|units?|carriers?|battalions?|brigades?|garrisons?|military\s+\w+)"  # noqa: E501
# Lexicon: (pattern, type). A type of None marks a phrase that contains a trigger word but
# reports no event of its own (a "ceasefire proposal" is a topic of talks, not a truce);
# matching it first keeps its trigger word from firing. Longest match wins.
_LEXICON: tuple[tuple[str, EventType | None], ...] = (
    # negotiation
    (r"(?:cease-?fire|truce|peace|hostage|indirect|direct|proximity)[ -](?:talks|negotiations)", "negotiation"),  # noqa: E501
    (r"talks", "negotiation"),
    (r"negotiations?", "negotiation"),
    (r"negotiat(?:e|es|ed|ing)", "negotiation"),
    # diplomatic meetings
    (r"meet(?:s|ing|ings)?|met", "diplomatic-meeting"),
    (r"summits?|visit(?:s|ed|ing)?", "diplomatic-meeting"),
    (r"host(?:s|ed|ing)? (?:\w+ ){0,6}(?:officials|leaders|delegations?|ministers|presidents?|counterparts?|envoys?|heads of state)", "diplomatic-meeting"),  # noqa: E501
    (r"spoke (?:by (?:tele)?phone )?with|(?:tele)?phone (?:call|conversation)s? with|(?:had|held) (?:a )?(?:(?:tele)?phone )?call with", "diplomatic-meeting"),  # noqa: E501
    # statements: the weakest type, used only when nothing else is reported
    (r"said|says|say|saying|stated|told|declared|claimed|announced|announces|reported", "statement"),  # noqa: E501
    (r"statements?|announcement|responded", "statement"),
    (r"releas(?:e|ed|es) (?:a|an|its|the|their) (?:statement|video|footage|report|list|names?)", "statement"),  # noqa: E501
    # positions: what a party accepts or refuses, said or not in so many words
    (POSITION_VERBS, "statement"),
    # military strikes (ACLED: air/drone strikes, shelling, attacks, property destruction)
    (r"(?:air|drone|missile|rocket|artillery)[ -]?strikes?|airstrikes?", "military-strike"),
    (r"strik(?:e|es|ing)|struck|shell(?:ed|ing|s)|targeted|targeting", "military-strike"),
    (r"bomb(?:ed|ing|ings|arded|ardment|ardments)|offensive|drones?", "military-strike"),
    (r"launch(?:ed|es|ing)?(?: [\w,-]+){0,6} (?:drones|missiles|rockets|strikes|air ?strikes|attacks?)", "military-strike"),  # noqa: E501
    (r"fired(?: \w+){0,3} (?:shells|missiles|rockets|mortars?|rounds|projectiles|bullets)", "military-strike"),  # noqa: E501
    (r"fired (?:at|on|upon|toward|towards)|opened fire|shot|shooting|sniped|gunfire", "military-strike"),  # noqa: E501
    (r"(?:car|truck|roadside|suicide|parcel|letter|nail|barrel) bomb(?:s|ings?)?|bombs? (?:exploded|went off|blasts?|attacks?)|explosions?|blasts?|exploded|IED (?:blast|explosion|attack)s?", "military-strike"),  # noqa: E501
    (r"blew up|blown up|demolished|demolition|detonated|bulldozed|set fire|burned down|controlled explosions?", "military-strike"),  # noqa: E501
    (r"attack(?:s|ed|ing)?|assault(?:s|ed)?|raid(?:s|ed)?|invaded|incursion", "military-strike"),
    # armed clashes: fighting between armed groups, including attacks on troops
    (r"armed clash(?:es)?|clash(?:es|ed)?|fighting|fought|firefights?|gun ?battles?", "armed-clash"),  # noqa: E501
    (r"exchanged (?:gun)?fire|(?:an )?exchange of (?:gun)?fire|ambush(?:ed|es)?|engaged", "armed-clash"),  # noqa: E501
    (rf"(?:attacked|attacking|attacks? (?:on|against)|ambushed|clashed with|clashing with)(?: (?:the|an?|\w+)){{0,4}} {_TROOPS}", "armed-clash"),  # noqa: E501
    (rf"{_TROOPS}(?: \w+){{0,3}} (?:was|were|has been|have been|had been) (?:attacked|ambushed|repelled)", "armed-clash"),  # noqa: E501
    (r"repell?(?:ed|ing)|counterattack(?:s|ed)?", "armed-clash"),
    # casualties
    (r"kill(?:ed|ing|s)?|dead|died|deaths?|fatalit(?:y|ies)|casualties", "casualty-report"),
    (r"injur(?:ed|ing|ies|y)|wound(?:ed|ing)", "casualty-report"),
    # blockade: aid held back belongs to the blockade, not to an aid delivery
    (r"(?:blockade|siege|restrictions?|ban|halt) on (?:humanitarian |the entry of )?aid", "blockade"),  # noqa: E501
    (r"blockade[ds]?|sieges?|besieged|encircled", "blockade"),
    # humanitarian aid: a blockade lifted or eased lets aid in again
    (rf"(?:(?:partially|partly|fully|gradually) )?{_LIFT}(?: (?:the|its|their|a|an|this))?(?: (?:partial|total|full|naval|\w+-(?:week|month|year)(?:-long)?))? {_CLOSURE}(?: on (?:humanitarian |the entry of )?aid)?", "humanitarian-aid"),  # noqa: E501
    # humanitarian aid
    (r"(?:humanitarian |food |medical )aid(?: trucks| convoys?| deliveries| shipments| supplies)?|aid (?:trucks|convoys?|deliveries|shipments|supplies|drops?|flights?|workers? delivered)|relief (?:supplies|convoys?|deliveries)|air-?drops?", "humanitarian-aid"),  # noqa: E501
    # phrases that hold a trigger word but report no event
    (r"accidental(?:ly)? (?:\w+ )?(?:explosions?|blasts?|detonations?)|detonated accidentally|(?:bomb|explosive)s? (?:\w+ )?(?:disposal|squad|experts?)|releas\w* (?:\w+ ){0,2}(?:figures|data|information|details|names|statements?|videos?|footage|reports?)", None),  # noqa: E501
    (r"negotiated (?:\w+ )?(?:settlement|solution|agreement|deal|end|exit)", None),
    # diplomacy, not combat: "has been engaged in diplomatic talks" (the talks still count)
    (r"engaged in(?= (?:\w+ )?(?:talks|negotiations|diplomacy|dialogue|discussions|efforts))", None),  # noqa: E501
    # a speech given at a meeting reports the speech, not a meeting between parties
    (r"(?:spoke|speaking|speaks) (?:at|to) (?:a|an|the) (?:\w+ ){0,2}meetings?", "statement"),
    (r"(?:the|their|its|his|her|our|these|those|such|key|main) demands?", None),
    (r"(?:bodies|remains) of (?:[\d,]+ )?(?:\w+ )?(?:killed|dead|fallen)", None),
    (r"humanitarian (?:zones?|corridors?|situation|crisis|law|workers?|organi[sz]ations?|groups?|agenc(?:y|ies)|coordinator|chief|affairs)|military (?:aid|assistance)|(?:community|town|village|party|cabinet|board|council|news) meetings?|news conference|death threats?|(?:after|following) (?:a|the) (?:general )?medical examination,? (?:he|she) was released", None),  # noqa: E501
    # ceasefire
    (r"(?:cease-?fire|truce) (?:proposals?|plans?|offers?|terms|framework|drafts?|demands?|efforts?|mediators?|negotiators?)", None),  # noqa: E501
    (r"cease-?fires?|truces?|armistice", "ceasefire"),
    # protests, riots and arrests (ACLED's demonstrations and its arrests)
    (r"in protest (?:of|at|against|over)(?: [\w'’.-]+){0,6}|riot (?:police|gear|shields?)|arrest warrants?|under arrest for years", None),  # noqa: E501
    (r"protest(?:s|ed|ing)?|demonstrations?|demonstrated|took to the streets|sit-ins?", "protest"),
    (r"riot(?:s|ed|ing)?|rioters|looted|looting", "riot"),
    (r"arrest(?:ed|s|ing)?|detained|taken into custody|apprehended|rounded up", "arrest"),
    # hostage releases
    (r"releas(?:e|ed|es|ing)|freed", "hostage-release"),
    (r"free(?:s|d)? (?:the |all )?(?:hostages|captives|prisoners|detainees)", "hostage-release"),
    (r"(?:hostage|prisoner|captive)s? (?:release|exchange|swap)s?", "hostage-release"),
)  # fmt: skip
_LEXICON_RES = tuple(
    (re.compile(rf"(?<![\w-])(?i:{pattern})(?![\w-])"), event_type)
    for pattern, event_type in _LEXICON
)

# "Lifted" with no object reports aid restored only when a blockade or siege is what was
# lifted: "a blockade on aid, which was partially lifted", "the siege has been eased".
_PASSIVE_LIFT = re.compile(
    r"(?<![\w-])(?:(?:partially|partly|fully|gradually|later|finally)\s+)?"
    r"(?:lifted|eased|relaxed|loosened)(?![\w-])",
    re.IGNORECASE,
)
_LIFT_ANTECEDENT = re.compile(
    rf"\b{_CLOSURE}(?:\s+on\s+[\w\s-]{{0,40}}?)?(?P<relative>,?\s+(?:which|that))?\s+"
    r"(?:(?:was|were|is|are|has|have|had|been|being|then|since|also|now)\s+)+$",
    re.IGNORECASE,
)

# Where the reach of a modal or an aim ends: a comma, semicolon, spaced dash or the end of a
# sentence. A colon does not end it: "three missions: the release of …" lists the aims.
_SCOPE_BREAK = re.compile(r"[,;]|\s[-–—]\s|[.!?](?=\s|$)")
# Cues that make what follows them in the clause conditional, modal or an aim.
_HYPOTHETICAL_CUES = re.compile(
    r"\b(?:[Ii]f|[Uu]nless|[Ww]hether|would|could|should|might|may|must|will|shall|"
    r"to be agreed|aim(?:s|ed)? (?:at|to)|in order to|so as to|"
    r"to (?:achieve|reach|secure|ensure|broker|seek|pursue|agree|end|bring about|allow)|"
    r"seek(?:s|ing)? to|hop(?:e|es|ed|ing) (?:to|for|that)|want(?:s|ed)? to|"
    r"plan(?:s|ned)? to|intend(?:s|ed)? to|threaten(?:s|ed)? to|vow(?:s|ed)? to|"
    r"committed to|commitment to|call(?:s|ed)? for|demand(?:s|ed)?|push(?:es|ed|ing)? for|"
    r"efforts? to|bid to|try(?:ing)? to|tried to|attempt(?:s|ed)? to|expected to|likely to|"
    r"possible|potential|proposed|prospects? (?:of|for)|missions?|goals?|objectives?|"
    r"conditions? for|in exchange for|opportunity for|chance (?:for|of)|"
    r"ask(?:s|ed|ing)?|urg(?:e|es|ed|ing)|to (?:suspend|stop|halt|cease|resume)|"
    # what is expected, offered or still ahead: "expected the next round of talks",
    # "has offered a ceasefire and a face-to-face meeting", "a new round of talks"
    r"expect(?:s|ed|ing)?|next(?! day| morning| night)|upcoming|future|new round|"
    r"offer(?:s|ed|ing)?|(?:is|are|was|were) set to|ready to|open to|premature|too early)\b"
)
# Verbs in their base form after "to" are aims, not events: "headed to Washington to meet".
_INFINITIVE = re.compile(r"\bto\s+$", re.IGNORECASE)
_BASE_VERBS = frozenset(
    {
        "meet", "negotiate", "release", "free", "strike", "attack", "kill", "bomb", "shell",
        "clash", "fight", "visit", "talk", "say", "target", "raid", "injure", "besiege",
        "blockade", "demolish", "engage", "reject", "insist", "lift", "ease",
    }
)  # fmt: skip
_NON_SPECIFIC = re.compile(
    r"\b(?:any|no future|a future|a new|a permanent|a lasting)\s+(?:\w+\s+)?$", re.IGNORECASE
)
_NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|never|nor|without|no longer|denied|denies|deny|failed to|refused to|"
    r"nobody|no one|none)\b|n't\b",
    re.IGNORECASE,
)
_NEGATION_AFTER = re.compile(
    r"\s*(?:were\s+|was\s+|are\s+|remain\s+|remained\s+)?"
    r"(?:unknown|unclear|unconfirmed|not (?:known|reported|confirmed)|unreported)\b",
    re.IGNORECASE,
)


def find_triggers(text: str) -> list[TriggerMatch]:
    """Find event triggers in ``text`` (a sentence or more), each with its context flags.

    Matches do not overlap: a longer phrase ("ceasefire talks", "blockade on aid") wins
    over the words inside it. ``negated`` is set by a negation within the four words
    before the trigger in its clause ("did not strike", "there is no ceasefire") or an
    "unknown" right after it ("casualties unknown"). ``hypothetical`` is set by a modal,
    condition or aim earlier in the clause ("should help … release", "aimed at … free
    the hostages", "if any deal"), by "any" before the trigger, or by "to" before a base
    verb ("to meet").
    """
    candidates: list[tuple[int, int, EventType | None]] = []
    for pattern, event_type in _LEXICON_RES:
        for match in pattern.finditer(text):
            candidates.append((match.start(), match.end(), event_type))
    lifted_closures = []
    for match in _PASSIVE_LIFT.finditer(text):
        antecedent = _LIFT_ANTECEDENT.search(text, max(0, match.start() - 100), match.start())
        if antecedent is not None:
            candidates.append((match.start(), match.end(), "humanitarian-aid"))
            if antecedent.group("relative") is None:
                lifted_closures.append(antecedent.span())
    # "The blockade was lifted" reports the lifting; "a blockade, which was lifted" also
    # reports the blockade itself.
    candidates = [
        c
        for c in candidates
        if not (c[2] == "blockade" and any(s <= c[0] < e for s, e in lifted_closures))
    ]
    candidates.sort(key=lambda item: (item[0], -(item[1] - item[0])))
    triggers = []
    last_end = -1
    for start, end, event_type in candidates:
        if start < last_end:
            continue
        last_end = end
        if event_type is None:
            continue
        triggers.append(
            TriggerMatch(
                start=start,
                end=end,
                text=text[start:end],
                event_type=event_type,
                negated=_negated(text, start, end),
                hypothetical=_hypothetical(text, start, end),
            )
        )
    return triggers


def clause_start(text: str, position: int) -> int:
    """Return where the clause holding ``position`` begins (after a comma, dash, stop)."""
    start = 0
    for match in _SCOPE_BREAK.finditer(text, 0, position):
        start = match.end()
    return start


def _negated(text: str, start: int, end: int) -> bool:
    before = text[clause_start(text, start) : start]
    last_words = " ".join(before.split()[-4:])
    if _NEGATION_BEFORE.search(last_words):
        return True
    return _NEGATION_AFTER.match(text, end) is not None


# A meeting or talks still to come: "the summit to be held on 10 December".
_FUTURE_AFTER = re.compile(
    r"\s*(?:\w+\s+){0,3}?(?:to be held|will be held|is to be held|scheduled|planned|"
    r"is expected|are expected|due to (?:be|take)|(?:is|are) set to|(?:is|are) likely|"
    r"(?:would|will) (?:\w+ )?(?:take place|be held|continue|resume)|"
    r"(?:will|would|shall|is to|are to)\s+(?:cease|stop|end|halt|begin|start|resume))\b",
    re.IGNORECASE,
)


def _hypothetical(text: str, start: int, end: int) -> bool:
    if _FUTURE_AFTER.match(text, end):
        return True
    before = text[clause_start(text, start) : start]
    if _HYPOTHETICAL_CUES.search(before):
        return True
    if _NON_SPECIFIC.search(before):
        return True
    first_word = text[start:end].split()[0].lower()
    return bool(_INFINITIVE.search(before)) and first_word in _BASE_VERBS
