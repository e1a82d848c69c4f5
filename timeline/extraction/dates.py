"""Resolve date expressions against a reference date (the article's publication date).

Each mention keeps its exact offsets. Vague expressions ("several weeks ago") resolve to an
approximate span of their plausible readings, with a point estimate for anchoring;
durations ("an eleven-week blockade") are found separately and can be anchored to a start
or an end.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from timeline.extraction.numbers import NUMBER_PATTERN, parse_number

Precision = Literal["day", "week", "month", "year", "approximate"]
Relation = Literal["at", "since", "until"]

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Vague quantities, read as point estimates: "a few" is about three, "several" about six
# (more than a few, fewer than "many"). They only ever yield "approximate" dates.
VAGUE_COUNTS = {"a few": 3, "few": 3, "a couple of": 2, "a couple": 2, "several": 6}
# The readings each vague quantity plausibly covers: "several weeks ago" is three to eight
# weeks back, so an event dated by it is an approximate span, not a guessed day.
VAGUE_RANGES = {
    "a few": (2, 4), "few": (2, 4), "a couple of": (2, 3), "a couple": (2, 3), "several": (3, 8),
}  # fmt: skip
UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression: ``text`` is the source's ``[start:end]``.

    ``date_end`` is None for a single day. ``relation`` says how the expression bounds the
    event: "since March" opens a range, "until March" closes one. ``estimate`` is the single
    most likely day of a vague span ("several weeks ago": six weeks back), used to anchor
    durations; ``anchor`` gives it, or the start for any other mention.
    """

    start: int
    end: int
    text: str
    date_start: date
    date_end: date | None
    precision: Precision
    relation: Relation = "at"
    estimate: date | None = None

    @property
    def anchor(self) -> date:
        """The day to anchor a duration at: the estimate of a vague span, else the start."""
        return self.estimate or self.date_start


@dataclass(frozen=True, slots=True)
class DurationMention:
    """A length of time ("eleven-week", "for three days"): ``days`` is its length."""

    start: int
    end: int
    text: str
    count: int
    unit: str
    days: int


_MONTH_ALT = "|".join(sorted((name.capitalize() for name in MONTHS), key=len, reverse=True))
_MONTH = rf"(?P<month>{_MONTH_ALT})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_NUM = rf"(?P<count>{NUMBER_PATTERN}|a few|few|several|a couple(?: of)?|an?)"
_UNIT = r"(?P<unit>day|week|fortnight|month|year)s?"
# Prepositions that make a bare month or year a date rather than a name ("in May").
_LEAD = r"(?P<lead>(?:[Ii]n|[Ss]ince|[Dd]uring|[Uu]ntil|[Bb]y|[Ff]rom|[Oo]f|[Tt]ill|[Ee]arly|[Ll]ate|[Mm]id-?)[ \t]+)"  # noqa: E501
_REL_DAYS = r"(?P<rel>(?:[Ll]ast|[Nn]ext|[Tt]his|[Oo]n|[Ss]ince|[Uu]ntil|[Bb]y)[ \t]+)?"

# Ordered most specific first; overlaps are resolved by taking the longest match.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("iso", r"\b(?P<year>\d{4})-(?P<month_number>\d{2})-(?P<day>\d{2})\b"),
        ("acled", rf"\b(?P<day>\d{{1,2}})-(?P<month>{_MONTH_ALT})-(?P<short_year>\d{{2}})\b"),
        ("day_month_year", rf"\b{_DAY}(?:[ \t]+of)?[ \t]+{_MONTH},?[ \t]+{_YEAR}\b"),
        ("month_day_year", rf"\b{_MONTH}[ \t]+{_DAY},?[ \t]+{_YEAR}\b"),
        ("day_range", rf"\b(?:[Ff]rom[ \t]+)?{_DAY}[ \t]*(?:-|–|to|and)[ \t]*(?P<day2>[0-3]?\d)(?:st|nd|rd|th)?[ \t]+{_MONTH}(?![\w-])"),  # noqa: E501
        ("month_range", rf"\b(?:[Bb]etween|[Ff]rom)[ \t]+{_MONTH}[ \t]+(?:and|to|until)[ \t]+(?P<month2>{_MONTH_ALT})\b"),  # noqa: E501
        ("day_month", rf"\b{_LEAD}?{_DAY}(?:[ \t]+of)?[ \t]+{_MONTH}(?![\w-])"),
        ("month_day", rf"\b{_LEAD}?{_MONTH}[ \t]+{_DAY}\b(?!:)"),
        ("month_year", rf"\b{_LEAD}?{_MONTH}[ \t]+{_YEAR}\b"),
        ("month", rf"\b{_LEAD}{_MONTH}(?![\w-])"),
        ("year", rf"\b{_LEAD}{_YEAR}\b(?![\w-])"),
        ("weekday", rf"\b{_REL_DAYS}(?P<weekday>{'|'.join(WEEKDAYS)})\b"),
        ("today", r"\b(?:[Tt]oday|[Tt]onight|[Tt]his (?:morning|afternoon|evening))\b"),
        ("yesterday", r"\b(?:(?:[Tt]he day before )?[Yy]esterday|[Ll]ast night)\b"),
        ("tomorrow", r"\b[Tt]omorrow\b"),
        ("overnight", r"\b[Oo]vernight\b"),
        ("past_hours", rf"\b(?:[Ii]n |[Oo]ver |[Ww]ithin )?the (?:past|last|previous) (?P<hours>{NUMBER_PATTERN}) hours\b"),  # noqa: E501
        ("calendar_unit", r"\b(?P<which>[Ll]ast|[Tt]his|[Nn]ext|[Ee]arlier this|[Ll]ater this) (?P<cal>week|month|year)\b"),  # noqa: E501
        ("ago", rf"(?i:\b{_NUM}[ \t]+{_UNIT}[ \t]+ago\b)"),
    )
)  # fmt: skip

_DURATION = re.compile(
    rf"(?i:\b(?P<count>{NUMBER_PATTERN}|a)[- ](?P<unit>day|week|month|year)(?:-long)?\b"
    rf"(?!s? ago)(?!-old)|\bfor (?P<count2>{NUMBER_PATTERN}|a few|several) (?P<unit2>day|week|month|year)s\b)"  # noqa: E501
)
# A future cue shortly before a weekday name makes it the coming one, not the last one.
_FUTURE_CUE = re.compile(r"\b(?:will|shall|is due to|are due to|is expected to|are expected to)\b")
# The day of the month written after a weekday: "Sunday, 10 December", "Sunday, Dec. 10".
_DAY_AFTER_WEEKDAY = re.compile(
    r",?\s+(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+[A-Za-z]{3}|[A-Za-z]{3}[a-z]*\.?\s+(?P<d2>\d{1,2})\b)"
)


_DIGIT = re.compile(r"\d")
# Patterns that cannot match without a digit: skipped for sentences that have none.
_NEED_A_DIGIT = frozenset(
    {"iso", "acled", "day_month_year", "month_day_year", "day_range", "day_month",
     "month_day", "month_year", "year"}
)  # fmt: skip


def find_dates(text: str, reference: date) -> list[DateMention]:
    """Find date expressions in ``text`` and resolve them against ``reference``.

    Handles explicit dates ("6 June 2025", "June 6, 2025", "2025-06-06", "6-Jun-25",
    "July 7"), months and years after a preposition ("in March", "since March 2024"),
    weekdays (past by default: the most recent on or before the reference), "today",
    "yesterday", "in the past 24 hours", "last week", and "N weeks ago". Mentions do not
    overlap; the longest expression wins.
    """
    candidates: list[DateMention] = []
    impossible: list[tuple[int, int]] = []
    has_digit = _DIGIT.search(text) is not None
    for name, pattern in _PATTERNS:
        if not has_digit and name in _NEED_A_DIGIT:
            continue
        for match in pattern.finditer(text):
            mention = _resolve(name, match, text, reference)
            if mention is not None:
                candidates.append(mention)
            else:
                impossible.append(match.span())
    # "31 June 2025" is no date; its "June 2025" must not stand in for it.
    candidates = [
        m for m in candidates if not any(s <= m.start and m.end <= e for s, e in impossible)
    ]
    candidates.sort(key=lambda mention: (mention.start, -(mention.end - mention.start)))
    chosen: list[DateMention] = []
    for mention in candidates:
        if chosen and mention.start < chosen[-1].end:
            continue
        chosen.append(mention)
    return chosen


def find_durations(text: str) -> list[DurationMention]:
    """Find lengths of time: "eleven-week", "11-week", "three-day", "for several weeks"."""
    durations = []
    for match in _DURATION.finditer(text):
        count_text = match.group("count") or match.group("count2")
        unit = (match.group("unit") or match.group("unit2")).lower()
        count = _count(count_text)
        if count is None:
            continue
        durations.append(
            DurationMention(
                start=match.start(),
                end=match.end(),
                text=match.group(0),
                count=count,
                unit=unit,
                days=count * UNIT_DAYS[unit],
            )
        )
    return durations


def anchor_duration(
    duration: DurationMention, *, start: date | None = None, end: date | None = None
) -> tuple[date, date]:
    """Place a duration on the calendar from a known start or a known end.

    "An eleven-week blockade that ended several weeks ago" anchors at its end; "an
    eleven-week blockade that began in March" at its start. Exactly one anchor is needed.
    """
    if (start is None) == (end is None):
        raise ValueError("anchor a duration at exactly one of start or end")
    length = timedelta(days=duration.days)
    if start is not None:
        return start, start + length
    assert end is not None
    return end - length, end


def _resolve(name: str, match: re.Match[str], text: str, reference: date) -> DateMention | None:
    groups = match.groupdict()
    lead = (groups.get("lead") or groups.get("rel") or "").strip().lower()
    relation: Relation = "since" if lead in {"since", "from"} else "at"
    if lead in {"until", "by", "till"}:
        relation = "until"
    try:
        if name in {"iso", "acled", "day_month_year", "month_day_year"}:
            if name == "iso":
                month = int(groups["month_number"])
                year = int(groups["year"])
            else:
                month = MONTHS[groups["month"].lower()]
                year = 2000 + int(groups["short_year"]) if name == "acled" else int(groups["year"])
            day = date(year, month, int(groups["day"]))
            # "Around 15 April" is still that day, but only approximately.
            precision: Precision = "approximate" if _hedged(text, match.start()) else "day"
            return _mention(match, day, None, precision, relation)
        if name == "day_range":
            month = MONTHS[groups["month"].lower()]
            last = _recent_day(month, int(groups["day2"]), reference)
            first = last.replace(day=int(groups["day"]))
            if first > last:
                return None
            return _mention(match, first, last, "day", relation)
        if name == "month_range":
            first_month = MONTHS[groups["month"].lower()]
            last_month = MONTHS[groups["month2"].lower()]
            year = reference.year if last_month <= reference.month else reference.year - 1
            first_year = year if first_month <= last_month else year - 1
            first, _ = _month_span(first_year, first_month)
            _, last = _month_span(year, last_month)
            return _mention(match, first, last, "month", relation)
        if name in {"day_month", "month_day"}:
            month = MONTHS[groups["month"].lower()]
            day = _recent_day(month, int(groups["day"]), reference)
            return _mention(match, day, None, "day", relation)
        if name == "month_year":
            month = MONTHS[groups["month"].lower()]
            first, last = _month_span(int(groups["year"]), month)
            return _mention(match, first, last, "month", relation)
        if name == "month":
            month = MONTHS[groups["month"].lower()]
            # The month just after publication is the coming one: in February, "in early
            # March" is still to come; any other month is the last one of that name.
            year = reference.year if month <= reference.month + 1 else reference.year - 1
            if reference.month == 12 and month == 1:
                year = reference.year + 1
            first, last = _month_span(year, month)
            return _mention(match, first, last, "month", relation)
        if name == "year":
            year = int(groups["year"])
            return _mention(match, date(year, 1, 1), date(year, 12, 31), "year", relation)
    except ValueError:
        return None  # "31 June": not a date, so not a mention
    if name == "weekday":
        return _weekday(match, text, reference, lead, relation)
    if name == "today":
        return _mention(match, reference, None, "day", relation)
    if name == "yesterday":
        back = 2 if match.group(0).lower().startswith("the day before") else 1
        return _mention(match, reference - timedelta(days=back), None, "day", relation)
    if name == "tomorrow":
        return _mention(match, reference + timedelta(days=1), None, "day", relation)
    if name == "overnight":
        return _mention(match, reference - timedelta(days=1), reference, "day", relation)
    if name == "past_hours":
        hours = parse_number(groups["hours"]) or 24
        days = max(1, -(-hours // 24))
        return _mention(match, reference - timedelta(days=days), reference, "day", relation)
    if name == "calendar_unit":
        return _calendar_unit(match, reference)
    if name == "ago":
        return _ago(match, reference)
    return None


def _mention(
    match: re.Match[str],
    date_start: date,
    date_end: date | None,
    precision: Precision,
    relation: Relation = "at",
) -> DateMention:
    return DateMention(
        start=match.start(),
        end=match.end(),
        text=match.group(0),
        date_start=date_start,
        date_end=date_end,
        precision=precision,
        relation=relation,
    )


def _hedged(text: str, start: int) -> bool:
    return re.search(r"\b(?:[Aa]round|[Aa]bout|[Cc]irca|[Ss]ome time around)\s*(?:on\s+)?$",
                     text[max(0, start - 20) : start]) is not None  # fmt: skip


def _recent_day(month: int, day: int, reference: date) -> date:
    # A month and day without a year take the reference year, unless that lands more than
    # a month after the reference: a January article's "December 25" is last December.
    candidate = date(reference.year, month, day)
    if candidate > reference + timedelta(days=31):
        candidate = date(reference.year - 1, month, day)
    return candidate


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _weekday(
    match: re.Match[str], text: str, reference: date, lead: str, relation: Relation
) -> DateMention:
    weekday = WEEKDAYS.index(match.group("weekday"))
    back = (reference.weekday() - weekday) % 7
    forward = (weekday - reference.weekday()) % 7
    before = text[max(0, match.start() - 60) : match.start()]
    if lead == "next":
        day = reference + timedelta(days=forward or 7)
    elif lead == "last":
        day = reference - timedelta(days=back or 7)
    elif _FUTURE_CUE.search(before):
        day = reference + timedelta(days=forward)
    elif (given := _DAY_AFTER_WEEKDAY.match(text, match.end())) and int(
        given.group("d1") or given.group("d2")
    ) == (reference + timedelta(days=forward)).day != (reference - timedelta(days=back)).day:
        # "on Sunday, 10 December": the day of the month says which Sunday.
        day = reference + timedelta(days=forward)
    else:
        # News reports what happened: "on Sunday" is the most recent Sunday, and a
        # Monday article's "on Monday" is that same day.
        day = reference - timedelta(days=back)
    return _mention(match, day, None, "day", relation)


def _calendar_unit(match: re.Match[str], reference: date) -> DateMention:
    which = match.group("which").lower()
    unit = match.group("cal")
    shift = {"last": -1, "next": 1}.get(which, 0)
    if unit == "week":
        monday = reference - timedelta(days=reference.weekday()) + timedelta(weeks=shift)
        return _mention(match, monday, monday + timedelta(days=6), "week")
    if unit == "month":
        year, month = reference.year, reference.month + shift
        if month == 0:
            year, month = year - 1, 12
        elif month == 13:
            year, month = year + 1, 1
        first, last = _month_span(year, month)
        return _mention(match, first, last, "month")
    year = reference.year + shift
    return _mention(match, date(year, 1, 1), date(year, 12, 31), "year")


def _ago(match: re.Match[str], reference: date) -> DateMention | None:
    count = _count(match.group("count"))
    if count is None:
        return None
    unit = match.group("unit").lower()
    day = reference - timedelta(days=count * UNIT_DAYS[unit])
    vague = VAGUE_RANGES.get(match.group("count").lower())
    if vague is not None:
        fewest, most = vague
        return DateMention(
            start=match.start(),
            end=match.end(),
            text=match.group(0),
            date_start=reference - timedelta(days=most * UNIT_DAYS[unit]),
            date_end=reference - timedelta(days=fewest * UNIT_DAYS[unit]),
            precision="approximate",
            estimate=day,
        )
    # "Two days ago" is a day; "three weeks ago" is only roughly a day.
    precision: Precision = "day" if unit == "day" else "approximate"
    return _mention(match, day, None, precision)


def _count(text: str) -> int | None:
    lowered = text.lower()
    if lowered in VAGUE_COUNTS:
        return VAGUE_COUNTS[lowered]
    if lowered in {"a", "an"}:
        return 1
    return parse_number(lowered)
