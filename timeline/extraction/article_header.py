"""Parse the raw article shape: a ``date`` line and a dateline run into the first sentence.

The raw text looks like ``" date 2025-07-07 Tel Aviv, July 7 Israel and Hamas have…"``:
optional leading whitespace, ``date YYYY-MM-DD``, then ``Place, Month D`` and the first
sentence on the same line. The body keeps its exact characters because evidence offsets
point into it.
"""

import re
from dataclasses import dataclass
from datetime import date

from timeline.extraction.dates import MONTHS
from timeline.extraction.sentences import split_sentences
from timeline.extraction.titles import short_title

_DATE_LINE = re.compile(r"\A\s*date[ \t]+(?P<published>\S+)")
_MONTH_NAMES = "|".join(sorted((re.escape(name) for name in MONTHS), key=len, reverse=True))
# The place is everything up to the comma; it may hold spaces ("Tel Aviv") or hyphens.
_DATELINE = re.compile(
    r"[ \t]+(?P<place>[A-Z][^,\n]{0,60}?),[ \t]*"
    rf"(?P<month>(?i:{_MONTH_NAMES}))\.?[ \t]+(?P<day>\d{{1,2}})\b[ \t]*"
)


class RawArticleError(ValueError):
    """The raw article text does not open with a valid ``date`` line and dateline."""


@dataclass(frozen=True, slots=True)
class RawArticle:
    """A raw article split into its header fields and its untouched body."""

    published: date
    dateline: str
    dateline_date: date | None
    body: str


def parse_raw_article(raw: str) -> RawArticle:
    """Split raw article text into publication date, dateline place and date, and body.

    Raises RawArticleError naming what is wrong when the ``date YYYY-MM-DD`` line or the
    ``Place, Month D`` dateline is missing or invalid, or when no body follows. The
    dateline's month and day take the publication year, or the year before when that
    would put the dateline after publication (a 31 December dateline published 1 January).
    """
    date_line = _DATE_LINE.match(raw)
    if date_line is None:
        raise RawArticleError("missing header: the text must open with 'date YYYY-MM-DD'")
    published_text = date_line.group("published")
    try:
        published = date.fromisoformat(published_text)
    except ValueError:
        raise RawArticleError(
            f"bad publication date {published_text!r}: expected a real date as YYYY-MM-DD"
        ) from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", published_text):
        raise RawArticleError(f"bad publication date {published_text!r}: use YYYY-MM-DD")
    dateline = _DATELINE.match(raw, date_line.end())
    if dateline is None:
        raise RawArticleError(
            "missing dateline: expected 'Place, Month D' after the date "
            "(e.g. 'date 2025-07-07 Tel Aviv, July 7 ...')"
        )
    month = MONTHS[dateline.group("month").lower()]
    day = int(dateline.group("day"))
    try:
        dateline_date = date(published.year, month, day)
    except ValueError:
        raise RawArticleError(
            f"bad dateline date {dateline.group('month')} {day}: no such day"
        ) from None
    if dateline_date > published:
        dateline_date = _previous_year(dateline_date)
    body = raw[dateline.end() :]
    if not body.strip():
        raise RawArticleError("empty body: no text follows the dateline")
    return RawArticle(
        published=published,
        dateline=dateline.group("place").strip(),
        dateline_date=dateline_date,
        body=body,
    )


def default_title(body: str, limit: int = 120) -> str:
    """Return the body's first sentence trimmed to about ``limit`` characters at a word."""
    sentences = split_sentences(body)
    first = sentences[0].text if sentences else body
    return short_title(first, limit)


def _previous_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
