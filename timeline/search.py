"""Text search (`q`) over events: titles, summaries, actor and location names and aliases,
event-type names and the evidence quotes.

The query language is PostgreSQL's "websearch" syntax, parsed here once for both databases:
words (every one must match somewhere: an AND of terms, each an OR over the fields),
"quoted phrases" (straight or curly quotes; consecutive words in one field),
`-word` / `-"a phrase"` (must match nowhere) and `a or b`. A word with inner
punctuation ("Netanyahu's", "delegation-level") is the phrase of its parts, as on PostgreSQL.

Matching, identical on both databases (tests in test_search.py pin it on the seed):
- Text configuration 'simple': lower-cased words, no stemming and no stop words, so "US"
  and "the" are searchable and nothing language-specific decides a match.
- Every word matches as a word *prefix*: "kill" finds "killed" and "killing", "Qatar"
  finds "Qatari", but "killed" does not find "kill". In a phrase, every word but the last
  must match whole and the last is a prefix ("ceasefire talk" finds "ceasefire talks").
  This is why 'simple' + prefixes rather than 'english' stemming: a Snowball stemmer cannot
  run inside SQLite without per-row Python, and prefixes agree exactly on both databases.
- A one-character last word matches whole ("Hamas's" is the phrase "hamas s", which must
  not find "Hamas says").
- Words are runs of letters and digits, everywhere: in queries, and in documents on both
  databases. PostgreSQL's parser would keep "delegation-level", "3.5", "bbc.co.uk" and
  "a/b" whole and skip "<tags>", so its documents see - < & / . : @ as spaces first.

PostgreSQL: `to_tsvector('simple', …) @@ to_tsquery('simple', 'ceasefire' <-> 'talk':*)`
per term and table. Each table's document has its own GIN expression index (migration
0003_search_indexes) and the query repeats the exact expression, so the planner uses them;
evidence, actors, locations and types are `IN (subquery)` per term. No stored column is
needed and nothing has to be kept in step on writes.

SQLite fallback: the same clauses as GLOB patterns over a normalised document (common
punctuation and whitespace turned into single spaces, wrapped in spaces), so a word start is
" word". `icontains`/LIKE would be ASCII-only case-insensitive on SQLite and SQLite's lower()
is ASCII-only too; instead every letter becomes a class of its cases (`[éÉ]gypte`), which is
Unicode-aware and still evaluated entirely inside SQLite, no per-row Python.

Known differences (none in the seed): a character outside SEPARATORS that is neither
letter nor digit (say "→") separates words on PostgreSQL but not on SQLite; and in a
phrase, a gap of several separators not in PHRASE_GAP_SEPARATORS ("word « word") is
adjacent on PostgreSQL only.

Snippets: `annotate_snippets(events, text)` marks the matching words of the best-matching
evidence quote of each event in one query: `ts_headline` on PostgreSQL (with private-use
sentinels that are turned into `<mark>` only after escaping), a Python-side window on SQLite
(and on PostgreSQL for a quote that ts_headline would alter, e.g. one with "<tags>").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
)
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, TextField, Value
from django.db.models.functions import Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from timeline.models import Actor, Event, EventActor, EventType, Evidence, Location

CONFIG = "simple"
MAX_CLAUSES = 12
MAX_WORDS_PER_CLAUSE = 8
MIN_PREFIX = 2
# Turned into spaces in PostgreSQL documents (see _plain_words); the migration that
# creates the GIN indexes repeats this list.
PLAIN_WORD_SEPARATORS = "-<&/.:@"
# What a word is, in queries and (on SQLite) in documents: letters and digits.
WORD = re.compile(r"[^\W_]+")
TOKEN = re.compile(r'(-?)["“”„]([^"“”„]*)["“”„]?|(\S+)')

# The fields of each table that `q` searches (the GIN indexes cover exactly these).
EVENT_FIELDS = ("title", "summary")
EVIDENCE_FIELDS = ("quote",)
NAMED_FIELDS = ("name", "aliases")  # Actor and Location
TYPE_FIELDS = ("name",)

# Characters the SQLite fallback treats as word separators (PostgreSQL's parser treats
# every character but letters and digits this way). "]" first and "-" last, for GLOB.
SEPARATORS = (
    "] \n\r\t\u00a0\u2009\u202f\u2007!\"#$%&'()*+,./:;<=>?@[\\^_`{|}~“”‘’„‚«»‹›–—―‐‑…•·§°′″¡¿-"
)
# The separators that are replaced by spaces (runs collapsed) before a phrase is matched,
# so that "Hamas, Israel" and "ceasefire: talks" are adjacent words as on PostgreSQL.
# SQLite's parser stack allows only so many nested REPLACE()s inside the facet subqueries
# (15 characters overflowed, 13 fitted; 11 leave room), so this list is the common ones
# only; a gap of one separator of any kind needs no replacing. test_search pins the
# deepest query.
PHRASE_GAP_SEPARATORS = ',.:;"“”’–—-'
COLLAPSE_PASSES = 2  # runs of up to 4 spaces become one

# Sentinels around marked words in headlines; they are not HTML, so the text around them
# is escaped before they become <mark> tags.
START_MARK = "\ue000"
STOP_MARK = "\ue001"
SNIPPET_WORDS = 35


@dataclass(frozen=True)
class Clause:
    """Consecutive words; all but the last must match whole, the last as a prefix."""

    words: tuple[str, ...]
    negated: bool = False

    @property
    def last_is_prefix(self) -> bool:
        # A one-character prefix would match nearly everything; it is a whole word
        # (the "s" of "Hamas's", the "t" of "don't").
        return len(self.words[-1]) >= MIN_PREFIX


@dataclass(frozen=True)
class ParsedQuery:
    """An AND of groups; each group is an OR of clauses (websearch semantics)."""

    groups: tuple[tuple[Clause, ...], ...]

    @property
    def positive_clauses(self) -> list[Clause]:
        return [c for group in self.groups for c in group if not c.negated]

    def __bool__(self) -> bool:
        return bool(self.groups)


def parse(text: str) -> ParsedQuery:
    """Parse websearch syntax: words, "phrases", -negation and `or`."""
    groups: list[list[Clause]] = []
    pending_or = False
    count = 0
    for match in TOKEN.finditer(text or ""):
        negated_phrase, phrase, bare = match.groups()
        if bare is not None:
            if bare.lower() == "or" and groups:
                pending_or = True
                continue
            negated = bare.startswith("-")
            words = WORD.findall(bare)
        else:
            negated = bool(negated_phrase)
            words = WORD.findall(phrase)
        if not words:
            continue
        clause = Clause(tuple(w.lower() for w in words[:MAX_WORDS_PER_CLAUSE]), negated)
        count += 1
        if count > MAX_CLAUSES:
            break
        if pending_or:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        pending_or = False
    return ParsedQuery(tuple(tuple(group) for group in groups))


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """Events matching `text` (see the module docstring): a filter, evaluated in the database.

    Text with no searchable word in it ("<>", "'); --") matches nothing.
    """
    query = parse(text)
    if not query:
        return queryset.none()
    vendor = connections[queryset.db].vendor
    condition = Q()
    for group in query.groups:
        alternatives = Q()
        for clause in group:
            found = _clause_matches(clause, vendor)
            alternatives |= ~found if clause.negated else found
        condition &= alternatives
    return queryset.filter(condition)


def _clause_matches(clause: Clause, vendor: str) -> Q:
    """Events where the clause matches one of the searched fields.

    One `pk IN (… UNION ALL …)` per clause, each branch a filter on one table, so that on
    PostgreSQL every branch can use that table's GIN index (an OR of conditions on the
    event row and subqueries would scan the events instead).
    """

    def fields_match(*fields: str):
        if vendor == "postgresql":
            return SearchVectorExact(search_vector(*fields), tsquery(clause))
        return sqlite_match(clause, *fields)

    events = Event.objects.filter(fields_match(*EVENT_FIELDS)).values("pk")
    quotes = Evidence.objects.filter(fields_match(*EVIDENCE_FIELDS)).values("event_id")
    actors = EventActor.objects.filter(
        actor__in=Actor.objects.filter(fields_match(*NAMED_FIELDS)).values("pk")
    ).values("event_id")
    places = Event.objects.filter(
        location__in=Location.objects.filter(fields_match(*NAMED_FIELDS)).values("pk")
    ).values("pk")
    types = Event.objects.filter(
        type__in=EventType.objects.filter(fields_match(*TYPE_FIELDS)).values("pk")
    ).values("pk")
    branches = [qs.order_by() for qs in (events, quotes, actors, places, types)]
    return Q(pk__in=branches[0].union(*branches[1:], all=True))


# -- PostgreSQL ------------------------------------------------------------------------
def search_vector(*fields: str) -> SearchVector:
    """The document of these fields; the GIN indexes are built on exactly this expression."""
    return SearchVector(*(_plain_words(name) for name in fields), config=CONFIG)


def _plain_words(field: str) -> Replace:
    # PostgreSQL's parser keeps "3.5", "bbc.co.uk", "a/b", "x@y.z" and hyphenated words
    # whole, skips "<tags>" and "&entities;"; as spaces these read as plain words, the
    # way the SQLite fallback (and the query parser) reads them.
    expression = F(field)
    for character in PLAIN_WORD_SEPARATORS:
        expression = Replace(expression, Value(character), Value(" "), output_field=TextField())
    return expression


def tsquery_text(clause: Clause) -> str:
    # Words are letters and digits only, so quoting them cannot break out of the tsquery.
    lexemes = [f"'{word}'" for word in clause.words]
    if clause.last_is_prefix:
        lexemes[-1] += ":*"
    return " <-> ".join(lexemes)


def tsquery(clause: Clause) -> SearchQuery:
    return SearchQuery(tsquery_text(clause), search_type="raw", config=CONFIG)


def any_of(clauses: Iterable[Clause]) -> SearchQuery:
    """One tsquery matching where any of the clauses does (for headlines and rank)."""
    text = " | ".join(f"({tsquery_text(c)})" for c in clauses)
    return SearchQuery(text, search_type="raw", config=CONFIG)


# -- SQLite ----------------------------------------------------------------------------
class Glob(Func):
    """`expression GLOB pattern`: case-sensitive, so patterns spell out each letter's cases."""

    arg_joiner = " GLOB "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class SpacedDocument(Func):
    """' field field ': the fields joined by spaces, with a space at each end."""

    arg_joiner = " || ' ' || "
    template = "(' ' || %(expressions)s || ' ')"
    output_field = TextField()


def sqlite_document(*fields: str, phrase: bool = False) -> Func:
    """The fields as one text in which a word start is a separator and the word."""
    document = SpacedDocument(*(F(name) for name in fields))
    if not phrase:
        return document
    for character in PHRASE_GAP_SEPARATORS:
        document = Replace(document, Value(character), Value(" "))
    for _ in range(COLLAPSE_PASSES):
        document = Replace(document, Value("  "), Value(" "))
    return document


def _letter_pattern(character: str) -> str:
    cases = {character, character.lower(), character.upper()}
    cases = {c for c in cases if len(c) == 1}
    return f"[{''.join(sorted(cases))}]" if len(cases) > 1 else character


def glob_pattern(clause: Clause) -> str:
    """'*[ ,.…]ceasefire[ ,.…]talk*', each letter a class of its cases ([cC][eE]…)."""
    separator = f"[{SEPARATORS}]"
    words = ["".join(_letter_pattern(c) for c in word) for word in clause.words]
    end = "*" if clause.last_is_prefix else separator + "*"
    return "*" + separator + separator.join(words) + end


class Like(Func):
    """`expression LIKE pattern`: case-insensitive for ASCII letters only (SQLite's rule)."""

    arg_joiner = " LIKE "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def sqlite_match(clause: Clause, *fields: str) -> Q:
    """The GLOB, behind a cheap LIKE on each ASCII word that every match must contain.

    A GLOB with letter classes costs several times a LIKE per row; the LIKE rules out
    most rows first. Words with non-ASCII letters skip it (LIKE would be case-sensitive).
    """
    plain = SpacedDocument(*(F(name) for name in fields))
    condition = Q()
    for word in clause.words:
        if word.isascii():
            condition &= Q(Like(plain, Value(f"%{word}%")))
    document = sqlite_document(*fields, phrase=len(clause.words) > 1)
    return condition & Q(Glob(document, Value(glob_pattern(clause))))


# -- snippets --------------------------------------------------------------------------
def annotate_snippets(events: list[Event], text: str) -> None:
    """Mark the search terms in the best-matching quote of each event, in one query.

    Sets on every event `search_snippet` (escaped HTML with <mark> around matched words,
    or None when no quote of that event matches) and `search_evidence` (the Evidence it
    comes from, or None). Nothing happens (and no query is made) without terms or events.
    """
    for event in events:
        event.search_snippet = None
        event.search_evidence = None
    clauses = parse(text).positive_clauses
    if not events or not clauses:
        return
    by_id = {event.pk: event for event in events}
    evidence = Evidence.objects.filter(event_id__in=by_id).select_related("article")
    vendor = connections[evidence.db].vendor
    if vendor == "postgresql":
        query = any_of(clauses)
        vector = search_vector(*EVIDENCE_FIELDS)
        rows = (
            evidence.filter(SearchVectorExact(vector, query))
            .annotate(
                headline=SearchHeadline(
                    "quote",
                    query,
                    config=CONFIG,
                    start_sel=START_MARK,
                    stop_sel=STOP_MARK,
                    max_words=SNIPPET_WORDS,
                    min_words=15,
                ),
                rank=SearchRank(vector, query),
            )
            .order_by("event_id", "-rank", "id")
        )
        for row in rows:
            event = by_id[row.event_id]
            if event.search_evidence is None:
                event.search_evidence = row
                headline = row.headline
                if _without_marks(headline).strip() not in row.quote:
                    # ts_headline drops what its parser takes for HTML tags; show the
                    # quote as it is, marked here instead.
                    headline = headline_from_spans(row.quote, match_spans(row.quote, clauses))
                event.search_snippet = marked_html(headline, row.quote)
        return
    any_clause = Q()
    for clause in clauses:
        any_clause |= sqlite_match(clause, *EVIDENCE_FIELDS)
    best: dict[int, tuple[int, Evidence, list[tuple[int, int]]]] = {}
    for row in evidence.filter(any_clause).order_by("event_id", "id"):
        spans = match_spans(row.quote, clauses)
        score = len(spans)
        if row.event_id not in best or score > best[row.event_id][0]:
            best[row.event_id] = (score, row, spans)
    for event_id, (_, row, spans) in best.items():
        event = by_id[event_id]
        event.search_evidence = row
        event.search_snippet = marked_html(headline_from_spans(row.quote, spans), row.quote)


def _clause_regex(clause: Clause) -> re.Pattern:
    separator = r"(?:[\W_]+)"
    whole = [re.escape(word) + r"(?![^\W_])" for word in clause.words[:-1]]
    last = re.escape(clause.words[-1]) + (r"[^\W_]*" if clause.last_is_prefix else r"(?![^\W_])")
    return re.compile(r"(?<![^\W_])" + separator.join([*whole, last]), re.IGNORECASE)


def match_spans(quote: str, clauses: Iterable[Clause]) -> list[tuple[int, int]]:
    """Character spans of the quote that the clauses match, merged and in order."""
    spans = sorted(m.span() for clause in clauses for m in _clause_regex(clause).finditer(quote))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def headline_from_spans(quote: str, spans: list[tuple[int, int]]) -> str:
    """The quote, cut to about SNIPPET_WORDS words around the first match, with sentinels."""
    words = list(re.finditer(r"\S+", quote))
    first = spans[0][0] if spans else 0
    first_word = next((i for i, w in enumerate(words) if w.end() > first), 0)
    begin_word = max(0, min(first_word - 5, len(words) - SNIPPET_WORDS))
    window_start = words[begin_word].start() if words else 0
    end_word = min(len(words), begin_word + SNIPPET_WORDS)
    window_end = words[end_word - 1].end() if words else len(quote)
    out, position = [], window_start
    for start, end in spans:
        start, end = max(start, window_start), min(end, window_end)
        if start >= end:
            continue
        out += [quote[position:start], START_MARK, quote[start:end], STOP_MARK]
        position = end
    out.append(quote[position:window_end])
    return "".join(out)


def _without_marks(headline: str) -> str:
    return headline.replace(START_MARK, "").replace(STOP_MARK, "")


def marked_html(headline: str, quote: str) -> SafeString:
    """Escape the headline's text and turn only our sentinels into <mark> tags.

    The quote is hostile input; so is anything the database returns about it. Unpaired or
    stray sentinels cannot produce unbalanced tags. An ellipsis shows where text was cut.
    """
    pieces, inside = [], False
    for part in re.split(f"([{START_MARK}{STOP_MARK}])", headline):
        if part == START_MARK:
            if not inside:
                pieces.append("<mark>")
                inside = True
        elif part == STOP_MARK:
            if inside:
                pieces.append("</mark>")
                inside = False
        else:
            pieces.append(str(escape(part)))
    if inside:
        pieces.append("</mark>")
    plain = _without_marks(headline).strip()
    clean_quote = quote.strip()
    prefix = "…" if plain and not clean_quote.startswith(plain[:20]) else ""
    suffix = "…" if plain and not clean_quote.endswith(plain[-20:]) else ""
    return mark_safe(prefix + "".join(pieces).strip() + suffix)
