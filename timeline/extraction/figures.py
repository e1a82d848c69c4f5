"""Reported numbers: how many were killed, injured, released, struck, and how sure.

"More than 30 people were killed" is kind killed, low 30, high None, qualifier more-than.
Vague quantities that give no number ("several", "a number of", "others") are left out.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from timeline.extraction.dates import find_dates
from timeline.extraction.numbers import NUMBER_PATTERN, parse_number

FigureKind = Literal[
    "killed", "injured", "targets-struck", "hostages-released", "missing", "displaced", "arrested"
]
Qualifier = Literal["exact", "about", "at-least", "more-than", "up-to"]


@dataclass(frozen=True, slots=True)
class FigureMention:
    """A reported figure: ``text`` equals the source's ``[start:end]``.

    ``high`` is None when the figure is open-ended ("more than 30"); for "up to 20" and
    "about 40" low and high are both the number and the qualifier says how to read it.
    ``coded_total`` marks a coder's summary of the whole event (ACLED's "Total fatalities
    coded as 20", "[unspecified number of fatalities coded to 3]"): we keep those as killed
    figures because they are the coder's reading of the reports, but they restate the
    figures beside them, so totals must not add the two (see ``fatality_total``).
    """

    start: int
    end: int
    text: str
    kind: FigureKind
    low: int
    high: int | None
    qualifier: Qualifier
    attributed_to: str | None = None
    coded_total: bool = False


_QUALIFIERS: dict[str, Qualifier] = {
    "more than": "more-than", "over": "more-than", "upwards of": "more-than",
    "in excess of": "more-than", "at least": "at-least", "as least": "at-least",
    "no fewer than": "at-least", "no less than": "at-least", "a minimum of": "at-least",
    "about": "about", "around": "about", "approximately": "about", "nearly": "about",
    "almost": "about", "some": "about", "roughly": "about", "an estimated": "about",
    "estimated": "about", "close to": "about", "up to": "up-to", "as many as": "up-to",
    "at most": "up-to",
}  # fmt: skip
# Plural round numbers read as their least value: "dozens" is at least two dozen.
_VAGUE_PLURALS = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2000, "tens": 20}

_QUALIFIER_ALT = "|".join(sorted(_QUALIFIERS, key=len, reverse=True))
_NUMBER = rf"(?<![\w:.,-])(?:{NUMBER_PATTERN})(?![\w:%-]|\.\d|,\d)"
_FIGURE = re.compile(
    rf"(?i:(?:(?P<qualifier>{_QUALIFIER_ALT})\s+)?"
    rf"(?:between\s+(?P<range_low>{_NUMBER})\s+and\s+(?P<range_high>{_NUMBER})"
    rf"|(?P<vague>dozens|scores|hundreds|thousands|tens)\s+of"
    rf"|(?P<low>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high>{_NUMBER}))?))"
)
_KIND_WORDS: dict[str, FigureKind] = {
    "killed": "killed", "dead": "killed", "died": "killed", "death": "killed",
    "deaths": "killed", "fatalities": "killed", "fatality": "killed", "bodies": "killed",
    "injured": "injured", "wounded": "injured", "injuries": "injured", "hurt": "injured",
    "missing": "missing", "displaced": "displaced", "arrested": "arrested",
    "detained": "arrested", "released": "hostages-released", "freed": "hostages-released",
    "targets": "targets-struck", "sites": "targets-struck",
}  # fmt: skip
_LEFT_VERBS: dict[str, FigureKind | None] = {
    "killing": "killed", "killed": "killed", "kill": "killed", "killing of": "killed",
    "death of": "killed", "deaths of": "killed", "bodies of": "killed",
    "shot dead": "killed", "injuring": "injured", "injured": "injured",
    "wounding": "injured", "wounded": "injured", "injury of": "injured",
    "releasing": "hostages-released", "released": "hostages-released",
    "freeing": "hostages-released", "freed": "hostages-released",
    "arresting": "arrested", "arrested": "arrested", "detaining": "arrested",
    "detained": "arrested", "displacing": "displaced", "displaced": "displaced",
    # Neutral verbs: the noun after the number decides ("leaving 2 fatalities").
    "leaving": None, "left": None, "resulting in": None, "causing": None, "with": None,
    "struck": None, "hit": None, "targeted": None, "reported": None, "confirmed": None,
}  # fmt: skip
_LEFT_VERB = re.compile(
    r"(?i:\b(?P<verb>" + "|".join(sorted(_LEFT_VERBS, key=len, reverse=True)) + r")\s+$)"
)
# The figure's noun phrase: up to four words (not "and", not a comma) before the kind
# word, with an optional auxiliary: "30 people were killed", "2 fatalities".
_RIGHT_KIND = re.compile(
    r"(?i:\s+(?P<noun>(?:(?!and\b|or\b|of\b)[\w'’-]+\s+){0,4}?)"
    r"(?:(?:were|was|have been|has been|had been|are|being|been|reportedly|also|later|"
    r"confirmed)\s+){0,2}"
    r"(?P<kind>" + "|".join(sorted(_KIND_WORDS, key=len, reverse=True)) + r")\b)"
)
# Words for people, so that "killing a man" counts one and "struck a house" counts none.
_PERSON = (
    r"(?:person|man|woman|child|boy|girl|baby|infant|toddler|teenager|youth|Palestinian|"
    r"civilian|fisherman|farmer|journalist|photojournalist|paramedic|medic|doctor|nurse|"
    r"militant|soldier|officer|commander|member|resident|worker|citizen|policeman|"
    r"individual|mother|father|son|daughter|brother|sister|wife|husband|elderly\s+\w+)"
)
_PERSON_PLURAL = (
    rf"(?:{_PERSON}s?|children|men|women|people|persons|brothers|sons|daughters|"
    r"hostages|captives|prisoners|detainees)"
)
_ONE_PERSON = re.compile(
    rf"(?i:\b(?P<verb>killing|killed|shot dead|killing of|death of|injuring|injured|wounding|"
    rf"wounded|arrested|arresting|detained|released|freed)\s+(?P<number>an?|one)\s+"
    rf"(?:[\w'’-]+\s+){{0,2}}?{_PERSON}\b"
    rf"(?:\s+and\s+(?:(?:his|her|their)\s+(?P<more>{NUMBER_PATTERN})\s+{_PERSON_PLURAL}"
    rf"|(?P<another>an?)\s+(?:[\w'’-]+\s+){{0,2}}?{_PERSON})\b)?)"
)
_COUNTED_NOUN = re.compile(
    r"\s+(?:(?!and\b)[A-Za-z'’-]+\s+){0,2}?" + _PERSON_PLURAL + r"\b", re.IGNORECASE
)
# A coder's summary of the event's fatalities (ACLED), in its usual wordings.
_CODED_TOTAL = re.compile(
    r"(?i:\b(?:total\s+(?:confirmed\s+)?)?fatalities(?:\s+on\s+[^.\]]{1,20}?)?\s+(?:were\s+|was\s+)?coded"
    r"(?:\s+(?:as|to|at))?(?:\s+(?P<least>at least|as least))?\s+(?P<n1>\d+)\b(?!\s+in\b)"
    r"|\b(?P<n2>\d+)\s+fatalities\s+(?:were\s+)?coded\s+to\s+this\s+event)"
)
# Numbers that count something else: parts of a group ("including 7 children"), events.
_SUBSET_BEFORE = re.compile(r"(?i:\b(?:including|among them|among whom|of whom|of them)\s+$)")


def find_figures(
    text: str,
    *,
    attributed_to: str | None = None,
    date_spans: list[tuple[int, int]] | None = None,
) -> list[FigureMention]:
    """Find reported figures in ``text``; each span covers the figure's words exactly.

    Recognises qualifiers ("more than", "at least", "about", "up to"), ranges ("between 10
    and 15"), number words ("thirty"), a verb before the number ("killing 3", "struck 130
    Hamas targets") or a kind word after it ("5 fatalities", "30 people were killed"),
    single people ("killing a man and his two children" is 3) and ACLED coder totals.
    Parts of a count already given ("including 7 children") are not figures of their own.
    Numbers inside dates are not figures; ``date_spans`` saves finding the dates again.
    """
    figures: list[FigureMention] = []
    if date_spans is None:
        date_spans = [(m.start, m.end) for m in find_dates(text, date.today())]
    taken: list[tuple[int, int]] = list(date_spans)
    for match in _CODED_TOTAL.finditer(text):
        number = int(match.group("n1") or match.group("n2"))
        qualifier: Qualifier = "at-least" if match.group("least") else "exact"
        high = None if qualifier == "at-least" else number
        figures.append(
            _figure(
                text,
                match.start(),
                match.end(),
                "killed",
                number,
                high,
                qualifier,
                attributed_to,
                coded_total=True,
            )
        )
        taken.append((match.start(), match.end()))
    for match in _ONE_PERSON.finditer(text):
        if _overlaps(taken, match.start(), match.end()):
            continue
        kind = _LEFT_VERBS[match.group("verb").lower()]
        assert kind is not None
        count = 1 + ((parse_number(match.group("more")) or 0) if match.group("more") else 0)
        count += 1 if match.group("another") else 0
        figures.append(
            _figure(text, match.start(), match.end(), kind, count, count, "exact", attributed_to)
        )
        taken.append((match.start(), match.end()))
    for match in _FIGURE.finditer(text):
        figure = _reported_figure(text, match, taken, attributed_to)
        if figure is not None:
            figures.append(figure)
            taken.append((figure.start, figure.end))
    figures.sort(key=lambda figure: figure.start)
    return figures


def fatality_total(figures: Iterable[FigureMention]) -> int:
    """Return the number killed that the figures add up to.

    A coder's totals, when present, are the answer (they already include the reported
    figures beside them; a "Total …" coding wins over partial codings); otherwise the
    reported killed figures' low values are summed.
    """
    figures = list(figures)
    coded = [figure for figure in figures if figure.kind == "killed" and figure.coded_total]
    # A "Total fatalities coded as 21" sums the partial codings beside it.
    totals = [figure.low for figure in coded if figure.text.lower().startswith("total")]
    if totals:
        return totals[-1]
    if coded:
        return sum(figure.low for figure in coded)
        return sum(coded)
    return sum(figure.low for figure in figures if figure.kind == "killed")


def _reported_figure(
    text: str, match: re.Match[str], taken: list[tuple[int, int]], attributed_to: str | None
) -> FigureMention | None:
    if not (match.group("low") or match.group("range_low") or match.group("vague")):
        return None
    if _overlaps(taken, match.start(), match.end()):
        return None
    before = text[max(0, match.start() - 30) : match.start()]
    if _SUBSET_BEFORE.search(before):
        return None
    qualifier: Qualifier = _QUALIFIERS.get((match.group("qualifier") or "").lower(), "exact")
    if match.group("vague"):
        low, high = _VAGUE_PLURALS[match.group("vague").lower()], None
        qualifier = "at-least"
    elif match.group("range_low"):
        low = parse_number(match.group("range_low"))
        high = parse_number(match.group("range_high"))
    else:
        low = parse_number(match.group("low"))
        high = parse_number(match.group("high")) if match.group("high") else None
    if low is None:
        return None
    if high is None and qualifier in {"exact", "about", "up-to"} and not match.group("vague"):
        high = low
    left = _LEFT_VERB.search(before)
    left_kind = _LEFT_VERBS[left.group("verb").lower()] if left else None
    right = _RIGHT_KIND.match(text, match.end())
    right_kind = _KIND_WORDS[right.group("kind").lower()] if right else None
    start, end = match.start(), match.end()
    if left_kind is not None:
        kind = left_kind
        start = match.start() - len(before) + left.start()
        # Include the noun counted ("killing 5 people"), not a following clause.
        noun = _COUNTED_NOUN.match(text, end)
        if noun:
            end = noun.end()
    elif right_kind is not None and right is not None:
        kind = right_kind
        end = right.end()
        if left is not None:
            start = match.start() - len(before) + left.start()
        if kind == "targets-struck" and left is None:
            return None  # "130 targets" without a strike verb counts nothing struck
    else:
        return None
    if kind == "hostages-released" and not re.search(
        r"(?i)hostage|captive|prisoner|detainee", text[max(0, start - 40) : end + 40]
    ):
        return None
    return _figure(text, start, end, kind, low, high, qualifier, attributed_to)


def _figure(
    text: str,
    start: int,
    end: int,
    kind: FigureKind,
    low: int,
    high: int | None,
    qualifier: Qualifier,
    attributed_to: str | None,
    *,
    coded_total: bool = False,
) -> FigureMention:
    return FigureMention(
        start=start,
        end=end,
        text=text[start:end],
        kind=kind,
        low=low,
        high=high,
        qualifier=qualifier,
        attributed_to=attributed_to,
        coded_total=coded_total,
    )


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)
