"""Text search (`q`) over events: titles, summaries, type and sub-type names, actor and
place names and aliases, and the evidence quotes, as one stored document per event
(timeline.search_documents) with a full-text index on each database.

The query language is PostgreSQL's "websearch" syntax, parsed here once for both databases:
words (every one must match somewhere: an AND of terms), "quoted phrases" (straight or
curly quotes; consecutive words in one field), `-word` / `-"a phrase"` (must match
nowhere) and `a or b`. A word with inner punctuation ("Netanyahu's", "delegation-level")
is the phrase of its parts, as on PostgreSQL.

Parsing keeps the query cheap whatever is typed: a term repeated is one term; a bare
stop word ("the", "of") is dropped when the query has other words (inside a phrase it
counts); at most MAX_CLAUSES terms are kept. The whole query then becomes one full-text
condition on the document table, answered by its index: one index scan, whatever the
number of terms and whatever the planner's statistics (issue 12: twelve "ab"s, or
"gaza israeli" straight after an import, used to stack one semi-join per term and table).

Matching, identical on both databases (test_search.py pins it on the seed and on a
corpus of real ACLED notes against a reference matcher written in Python):
- Lower-cased words, no stemming, no stop words in the documents: "US" and "the" are
  searchable and nothing language-specific decides a match.
- Every word matches as a word *prefix*: "kill" finds "killed" and "killing", "Qatar"
  finds "Qatari", but "killed" does not find "kill". In a phrase, every word but the last
  must match whole and the last is a prefix ("ceasefire talk" finds "ceasefire talks").
- A one-character last word matches whole ("Hamas's" is the phrase "hamas s", which must
  not find "Hamas says").
- Words are runs of letters and digits, in queries and in documents.
- A phrase never runs from one field into the next.

PostgreSQL: `searchdocument.vector @@ to_tsquery('simple', …)` with a GIN index, ranked by
ts_rank. SQLite: `timeline_search_fts MATCH …` (FTS5), ranked by bm25.

Relevance (`sort=relevance`, the default when `q` is given) ranks at most RANK_LIMIT
matches; beyond that no ranking is honest and cheap at once, so the page takes the
newest matches first (the date index's order) and says so, and the count is shown as
"more than 10,000" (counting stops there).

Snippets: `annotate_snippets(events, text)` marks the matching words of the best-matching
evidence quote of each event in one query: `ts_headline` on PostgreSQL (with private-use
sentinels that are turned into `<mark>` only after escaping), a Python-side window on SQLite
(and on PostgreSQL for a quote that ts_headline would alter, e.g. one with "<tags>").
"""

from __future__ import annotations

import json
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
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from timeline.models import Event, Evidence, SearchDocument
from timeline.search_documents import FIELD_BREAK, FTS_TABLE, PLAIN_WORD_SEPARATORS, WORD

CONFIG = "simple"
MAX_CLAUSES = 12
MAX_WORDS_PER_CLAUSE = 8
MIN_PREFIX = 2
# Relevance ranks at most this many matches, and counts stop here ("more than 10,000").
RANK_LIMIT = 10_000
# Bare words that match nearly every document and say nothing about it; dropped from a
# query that has other words (a phrase keeps them: "the release").
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "was",
        "were",
        "with",
    ]
)
TOKEN = re.compile(r'(-?)["“”„]([^"“”„]*)["“”„]?|(\S+)')

# The field of the evidence that snippets are cut from.
EVIDENCE_FIELDS = ("quote",)

# Characters the SQLite snippet matcher treats as word separators (PostgreSQL's parser
# treats every character but letters and digits this way). "]" first and "-" last, for GLOB.
SEPARATORS = (
    "] \n\r\t\u00a0\u2009\u202f\u2007!\"#$%&'()*+,./:;<=>?@[\\^_`{|}~“”‘’„‚«»‹›–—―‐‑…•·§°′″¡¿-"
)
# The separators that are replaced by spaces (runs collapsed) before a phrase is matched,
# so that "Hamas, Israel" and "ceasefire: talks" are adjacent words as on PostgreSQL.
# SQLite's parser stack allows only so many nested REPLACE()s (15 characters overflowed
# inside the old facet subqueries, 13 fitted), so this list is the common ones only; a gap
# of one separator of any kind needs no replacing.
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
    """Parse websearch syntax: words, "phrases", -negation and `or`.

    A term already in the query is dropped, and so is a bare stop word when the query has
    a word that is not one; at most MAX_CLAUSES terms are kept.
    """
    groups: list[list[Clause]] = []
    pending_or = False
    seen: set[Clause] = set()
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
        words = [w.lower() for w in words if w.lower() != FIELD_BREAK]
        if not words:
            continue
        clause = Clause(tuple(words[:MAX_WORDS_PER_CLAUSE]), negated)
        if clause in seen:
            pending_or = False
            continue
        seen.add(clause)
        if pending_or:
            groups[-1].append(clause)
        else:
            groups.append([clause])
        pending_or = False
    if any(not _is_stop_word(c) for group in groups for c in group):
        groups = [kept for group in groups if (kept := [c for c in group if not _is_stop_word(c)])]
    clauses_left = MAX_CLAUSES
    capped: list[tuple[Clause, ...]] = []
    for group in groups:
        if clauses_left <= 0:
            break
        capped.append(tuple(group[:clauses_left]))
        clauses_left -= len(capped[-1])
    return ParsedQuery(tuple(capped))


def _is_stop_word(clause: Clause) -> bool:
    return len(clause.words) == 1 and clause.words[0] in STOP_WORDS


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """Events matching `text` (see the module docstring): one full-text condition.

    Text with no searchable word in it ("<>", "'); --") matches nothing.
    """
    ids = document_matches(text, using=queryset.db)
    return queryset.none() if ids is None else queryset.filter(pk__in=ids)


def document_matches(text: str, *, using: str = "default") -> QuerySet | None:
    """The ids of the events matching `text`, a query on the search documents alone.

    Run on its own (timeline.filters does, for up to 20,000 ids), the only plans it has
    are the full-text index or a scan of the documents, so the planner cannot choose to
    walk every event and test each one, whatever its statistics say. None: no words.
    """
    query = parse(text)
    if not query:
        return None
    if connections[using].vendor == "postgresql":
        documents = SearchDocument.objects.using(using).filter(vector=tsquery_of(query))
        return documents.values_list("event_id", flat=True)
    return Event.objects.using(using).filter(sqlite_condition(query)).values_list("pk", flat=True)


def id_set(ids: list, *, using: str = "default", array_type: str = "bigint") -> RawSQL:
    """A subquery yielding these ids (or other values of `array_type`) from one
    parameter: an array, or a JSON list. Thousands of placeholders cost more to send and
    plan than the lookup itself."""
    if connections[using].vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{array_type}[])", [list(ids)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))])


def ranked_ids(queryset: QuerySet, text: str, *, offset: int, limit: int) -> list[int]:
    """Ids of `queryset` (already filtered by `text`) in relevance order, one page of them.

    Best first; ties newest first, then by id. Callers keep this to at most RANK_LIMIT
    matches: every match is ranked.
    """
    query = parse(text)
    if not query:
        return []
    if connections[queryset.db].vendor == "postgresql":
        rank = SearchRank(F("search_document__vector"), tsquery_of(query))
        ordered = queryset.annotate(relevance=rank).order_by("-relevance", "-date_start", "-id")
    else:
        # bm25 is lower for a better match. A query of negations only has nothing to rank.
        expression = fts_expression([g for g in query.groups if _is_positive(g)], [])
        ordered = queryset.order_by("-date_start", "-id")
        if expression:
            bm25 = RawSQL(
                f"(SELECT rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
                f"AND rowid = {Event._meta.db_table}.id)",
                [expression],
                output_field=FloatField(),
            )
            ordered = queryset.annotate(relevance=bm25).order_by("relevance", "-date_start", "-id")
    return list(ordered.values_list("pk", flat=True)[offset : offset + limit])


def count_up_to(queryset: QuerySet, limit: int = RANK_LIMIT) -> int:
    """The number of rows, counted exactly up to `limit`; `limit + 1` means "more"."""
    return queryset.order_by()[: limit + 1].count()


# -- PostgreSQL ------------------------------------------------------------------------
def search_vector(*fields: str) -> SearchVector:
    """A document of these fields, as the stored documents read them (for snippets)."""
    return SearchVector(*(_plain_words(name) for name in fields), config=CONFIG)


def _plain_words(field: str) -> Replace:
    # PostgreSQL's parser keeps "3.5", "bbc.co.uk", "a/b", "x@y.z" and hyphenated words
    # whole, skips "<tags>" and "&entities;"; as spaces these read as plain words, the
    # way the query parser (and the stored documents) read them.
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


def tsquery_of(query: ParsedQuery) -> SearchQuery:
    """The whole query as one tsquery: an AND of groups, each an OR of (negated) clauses."""

    def term(clause: Clause) -> str:
        return f"!({tsquery_text(clause)})" if clause.negated else f"({tsquery_text(clause)})"

    text = " & ".join("(" + " | ".join(term(c) for c in group) + ")" for group in query.groups)
    return SearchQuery(text, search_type="raw", config=CONFIG)


def tsquery(clause: Clause) -> SearchQuery:
    return SearchQuery(tsquery_text(clause), search_type="raw", config=CONFIG)


def any_of(clauses: Iterable[Clause]) -> SearchQuery:
    """One tsquery matching where any of the clauses does (for headlines and rank)."""
    text = " | ".join(f"({tsquery_text(c)})" for c in clauses)
    return SearchQuery(text, search_type="raw", config=CONFIG)


# -- SQLite ----------------------------------------------------------------------------
def fts_phrase(clause: Clause) -> str:
    # Words are letters and digits only, so quoting them cannot break out of the phrase.
    return '"' + " ".join(clause.words) + '"' + (" *" if clause.last_is_prefix else "")


def _is_positive(group: tuple[Clause, ...]) -> bool:
    return not any(clause.negated for clause in group)


def fts_expression(positive: list[tuple[Clause, ...]], negated: list[Clause]) -> str:
    """An FTS5 query: every positive group (an OR of phrases), and none of `negated`."""
    if not positive:
        return ""
    expression = " AND ".join(
        "(" + " OR ".join(fts_phrase(c) for c in group) + ")" for group in positive
    )
    if negated:
        expression = f"({expression}) NOT (" + " OR ".join(fts_phrase(c) for c in negated) + ")"
    return expression


def _fts_ids(expression: str) -> RawSQL:
    return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])


def sqlite_condition(query: ParsedQuery) -> Q:
    """The query on SQLite's FTS5 table: one MATCH when it can be written as one.

    FTS5's NOT needs something on its left, so a query of negations only is a NOT IN, and
    a group mixing a negation into an OR ("a or -b") is written out as sets.
    """
    positive = [group for group in query.groups if _is_positive(group)]
    negated = [group[0] for group in query.groups if len(group) == 1 and group[0].negated]
    mixed = [g for g in query.groups if not _is_positive(g) and len(g) > 1]
    condition = Q()
    if positive:
        condition &= Q(pk__in=_fts_ids(fts_expression(positive, negated)))
    elif negated:
        condition &= ~Q(pk__in=_fts_ids(" OR ".join(fts_phrase(c) for c in negated)))
    for group in mixed:
        either = Q()
        for clause in group:
            found = Q(pk__in=_fts_ids(fts_phrase(clause)))
            either |= ~found if clause.negated else found
        condition &= either
    return condition


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
    """The clause on these fields, for the snippets of one page's quotes (SQLite).

    A GLOB behind a cheap LIKE on each ASCII word that every match must contain; only a
    page's evidence is matched this way, never the whole table.
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
