"""Cardinal numbers written as digits or English words ("30", "1,200", "twenty two")."""

import re

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}

_UNIT_WORDS = "|".join(sorted(UNITS, key=len, reverse=True))
_TEN_WORDS = "|".join(TENS)
# "twenty two", "twenty-two", "thirty", "eleven", "a hundred", "two hundred and fifty".
_WORD_NUMBER = (
    rf"(?:(?:{_TEN_WORDS})(?:[- ](?:{_UNIT_WORDS}))?|{_UNIT_WORDS}|a)"
    rf"(?:[- ]hundred(?:(?: and)? (?:(?:{_TEN_WORDS})(?:[- ](?:{_UNIT_WORDS}))?|{_UNIT_WORDS}))?)?"
)
# Digits: "30", "1,200", "28775"; words as above. "a" alone is only a number before
# "hundred", which the parser enforces.
NUMBER_PATTERN = rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d+|{_WORD_NUMBER})"

_NUMBER_RE = re.compile(rf"(?i)^{NUMBER_PATTERN}$")


def parse_number(text: str) -> int | None:
    """Return the integer value of a number written in digits or words, else None.

    "30" -> 30, "1,200" -> 1200, "twenty-two" -> 22, "two hundred and five" -> 205.
    A bare "a" is not a number (it is an article) and gives None.
    """
    cleaned = text.strip().lower()
    if not cleaned or not _NUMBER_RE.match(cleaned):
        return None
    if cleaned[0].isdigit():
        return int(cleaned.replace(",", ""))
    words = re.split(r"[- ]+", cleaned)
    if words == ["a"]:
        return None
    total = 0
    current = 0
    for word in words:
        if word == "and":
            continue
        if word == "a":
            current = 1
        elif word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            return None
    total += current
    return total
