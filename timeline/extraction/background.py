"""What a sentence recaps rather than reports, and speakers known by their title.

A toll "so far this year", "since 2015" or "to date" sums up what happened before; it is
background to the news, not an event of the day the article appeared. A speaker needs no
gazetteer entry when the text gives a title: "President Ashraf Ghani", "Taliban spokesman
Zabihullah Mujahid", "Abdurrahman Mangal, spokesman for the provincial governor".
"""

import re

_RECAP = re.compile(
    r"\b(?:so far|up to now|until now|to date|in total|all told|in all|"
    r"since (?:the (?:war|conflict|start|beginning|outbreak|invasion)|it was founded|"
    r"(?:it|the \w+) was founded|(?:19|20)\d\d|last year|"
    r"(?:(?:early|late|mid)[- ])?(?:january|february|march|april|may|june|july|august|"
    r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
    r"\.? \d|\d{1,2} (?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december))|"
    r"(?:this|last|so far this) year|over the (?:past|last) (?:\w+ )?(?:years?|months|decades?)|"
    r"in recent (?:years|months)|(?:has|have) long|a decade|decades? of|"
    r"every day|each day|per day|a day)\b",
    re.IGNORECASE,
)
# "Last week, …" or "Last month …" opening a sentence frames it as earlier news.
_EARLIER_FRAME = re.compile(
    r"^(?:earlier|last)\s+(?:week|month|year)\b|^in (?:recent )?(?:years|months)\b",
    re.IGNORECASE,
)

_TITLES = (
    r"president|vice[- ]president|prime minister|foreign minister|defen[cs]e minister|"
    r"interior minister|minister|secretary[- ]general|secretary of state|secretary|"
    r"spokes(?:man|woman|person)|commander|colonel|col\.|general|gen\.|ambassador|envoy|"
    r"rep\.|sen\.|congress(?:man|woman)|lawmaker|legislator|"
    r"advis[eo]r|aide|negotiator|representative|prosecutor|attorney general|"
    r"king|emir|chancellor|governor|mayor|leader|chief|head|director|senator|"
    r"foreign ministry|defen[cs]e ministry|ministry|office|military|army|government"
)
# Title then name ("President Ashraf Ghani", "Taliban spokesman Zabihullah Mujahid").
_TITLE_NAME = re.compile(
    rf"(?i:\b(?:{_TITLES}))\s+(?P<name>(?:[A-Z][\w'’.-]*\s+){{0,3}}[A-Z][\w'’.-]*)"
)
# Name, then a title in apposition ("Abdurrahman Mangal, spokesman for …, said").
_APPOSITION = re.compile(
    rf"(?P<name>[A-Z][\w'’.-]+(?:\s+[A-Z][\w'’.-]+){{1,3}}),\s+(?:an?\s+|the\s+)?"
    rf"(?:[\w-]+\s+){{0,3}}(?i:{_TITLES})\b"
)
# The first word after a name that cannot be part of it (in all-capitals text).
_NOT_NAME = frozenset(
    [
        "said",
        "says",
        "told",
        "stated",
        "announced",
        "added",
        "warned",
        "rejected",
        "asserted",
        "admitted",
        "insisted",
        "proposed",
        "urged",
        "condemned",
        "denied",
        "claimed",
        "accused",
        "blamed",
        "called",
        "today",
        "yesterday",
        "has",
        "have",
        "had",
        "is",
        "was",
        "were",
        "will",
        "would",
        "who",
        "which",
        "that",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "and",
        "the",
        "a",
        "an",
        "also",
        "then,",
        "again",
    ]
)


_HABITUAL = re.compile(
    r"\b(?:in recent (?:years|months|weeks)|several times|many times|repeatedly|"
    r"routinely|regularly|often|usually|have long|has long|for years|for decades|"
    r"for (?:many |several )?(?:months|weeks)|"
    # a state that lasts rather than something that happened: "talks remain deadlocked"
    r"remain(?:s|ed)? (?:deadlocked|stalled|locked|far apart|stuck|tense|elusive)|"
    r"continu(?:e|es|ed) to|frequently|repeated(?:ly)?)\b",
    re.IGNORECASE,
)


def is_habitual(reading: str) -> bool:
    """True when the sentence tells what keeps happening, not one event."""
    return bool(_HABITUAL.search(reading))


# An earlier occasion named as such: "the last confirmed talks", "the previous round".
_EARLIER_OCCASION = re.compile(
    r"\b(?:the )?(?:last|previous|prior|earlier) (?:confirmed |known |reported )?"
    r"(?:\w+ )?(?:talks|rounds?|meetings?|visits?)\b",
    re.IGNORECASE,
)


def is_background(reading: str) -> bool:
    """True when the sentence recaps a period rather than reports a new event."""
    return bool(_RECAP.search(reading) or _EARLIER_FRAME.search(reading.lstrip()))


def mentions_earlier_occasion(reading: str) -> bool:
    """True when the sentence refers to an earlier round of talks or meeting."""
    return bool(_EARLIER_OCCASION.search(reading))


# A name right after the speech verb that closes a quotation: "…,” said Umerov".
_INVERTED = re.compile(
    r"[”\"],?\s+(?:said|says|added|continued|told \w+)\s+"
    r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})(?=[\s,.;]|$)"
)


def titled_speaker(original: str, reading: str) -> tuple[int, int, str] | None:
    """The first person named with a title in the sentence, or named right after the
    verb that closes a quotation: (start, end, name)."""
    for pattern in (_TITLE_NAME, _APPOSITION, _INVERTED):
        match = pattern.search(original)
        if match is None:
            continue
        start, end = match.span("name")
        words = original[start:end].split()
        kept = []
        for word in words:
            if word.lower().strip(",.") in _NOT_NAME:
                break
            kept.append(word)
        if not kept or (len(kept) == 1 and kept[0].isupper() and len(kept[0]) < 3):
            continue
        name = " ".join(kept).rstrip(",.'’s")
        return start, start + len(name), name
    return None
