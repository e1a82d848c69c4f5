"""A readable copy of text set all in capitals, with the same length and offsets.

Wire services and radio monitors (the MUC corpus, telex copy) often deliver text in
capitals. The extractor's cues are written for ordinary case ("will", "May" the month),
so an all-capitals text is read through a copy in sentence case: lower-case, with the
first letter of each sentence, month and weekday names, and the words right after a
full stop capitalised. Names are still found in the original (the gazetteer matches the
capitals variant of each name), and every offset and quote refers to the original.
"""

import re

from timeline.extraction.dates import MONTHS, WEEKDAYS

_CALENDAR_WORDS = frozenset({name for name in MONTHS if len(name) > 3}) | frozenset(
    day.lower() for day in WEEKDAYS
)
_WORD = re.compile(r"[A-Za-z]+")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?][\"'”’)\]]*\s+|\n\s*|--\s*|\]\s*)([a-z])")


def is_all_capitals(text: str) -> bool:
    """True when nearly all letters are capitals (a telex or wire text)."""
    sample = text[:4000]
    upper = len(_UPPER.findall(sample))
    lower = len(_LOWER.findall(sample))
    return upper + lower > 40 and upper / (upper + lower) > 0.9


def readable_case(text: str) -> str:
    """Sentence case for an all-capitals text (same length); other texts unchanged."""
    if not is_all_capitals(text):
        return text
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: leave as is
        return text
    chars = list(lowered)
    for match in _WORD.finditer(lowered):
        if match.group(0) in _CALENDAR_WORDS:
            chars[match.start()] = chars[match.start()].upper()
    for match in _SENTENCE_OPENING.finditer(lowered):
        chars[match.start(1)] = chars[match.start(1)].upper()
    return "".join(chars)


# A wire dateline opening the text: "BOGOTA, 14 FEB 90 (DPA) -- [TEXT]",
# "KANDAHAR, Afghanistan, Oct. 3 (Xinhua) --". Its date is when the copy was filed, not
# when anything happened, so the reading copy blanks it.
_WIRE_DATELINE = re.compile(
    r"(?:^|(?<=[a-z]))[A-Z][A-Z .'()-]{2,40}(?:,\s*[A-Z][\w .'()-]{0,40})?,\s*"
    r"(?:\d{1,2}\s+[A-Z]{3}\s+\d{2}|[A-Z][a-z]{2,8}\.?\s+\d{1,2})"
    r"(?:\s*\([^)]{1,60}\))?\s*--(?:\s*\[[A-Z ]+\])*"
)


def reading_copy(text: str) -> str:
    """The copy the extractor reads: sentence case for all-capitals text, and an opening
    wire dateline blanked out; same length as ``text``, so offsets hold."""
    reading = readable_case(text)
    match = _WIRE_DATELINE.search(text, 0, 300)
    if match:
        reading = (
            reading[: match.start()] + " " * (match.end() - match.start()) + reading[match.end() :]
        )
    return reading
