"""Which stored events are likely the same event, and how sure we are: one score, used by
the review queue (beside each proposal) and by `manage.py find_duplicates`.

Two events can only be duplicates when they have the same type and their date spans
overlap (the rule the extractor's `same_event` starts from). Then the score adds up:

    0.30  same type, overlapping dates
    0.10  exactly the same dates
    0.20  the same place (0.10 when one place is inside the other)
    0.20  × the share of actors they have in common (Jaccard)
    0.20  × the share of title words they have in common (Jaccard, without stop words)
    0.30  quotes overlapping in one article (one sentence can carry two events)

capped at 1.0, and 1.0 outright when they quote the same words (a wire copy, or the same
sentence twice). Statements are utterances: two are only the same when their quotes
overlap (the extractor's rule), else they score 0. Two rows of one dataset are never
paired: the dataset keeps them apart on purpose (ACLED codes each strike as one row).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from timeline.models import DatasetRecord, Event, EventActor, EventType, Evidence

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
        "has",
        "have",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "said",
        "says",
        "say",
        "that",
        "the",
        "their",
        "they",
        "to",
        "was",
        "were",
        "with",
        "after",
        "over",
        "into",
        "near",
    ]
)
_WORD = re.compile(r"[^\W_]+")
# Candidates fetched per page of the queue: a bound, so a crowded day cannot flood it.
CANDIDATE_LIMIT = 2000
SHOWN_PER_PROPOSAL = 3
MIN_SHOWN_SCORE = 0.4


@dataclass(frozen=True)
class Sketch:
    """What the score compares, for one event."""

    pk: int
    type_id: int
    date_start: date
    date_last: date
    location_path: str
    actor_ids: frozenset[int]
    words: frozenset[str]
    quotes: frozenset[str]
    spans: frozenset[tuple[int, int, int]] = frozenset()
    dataset: str = ""
    utterance: bool = False


@dataclass(frozen=True)
class Match:
    score: float
    reasons: tuple[str, ...]


def title_words(title: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(title.casefold()) if w not in STOP_WORDS)


def _jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def score(a: Sketch, b: Sketch) -> Match:
    """How likely two events are one (0 to 1), with the reasons in words."""
    if a.type_id != b.type_id or a.date_start > b.date_last or b.date_start > a.date_last:
        return Match(0.0, ())
    if a.dataset and a.dataset == b.dataset:
        return Match(0.0, ())
    if a.quotes & b.quotes:
        return Match(1.0, ("same quote",))
    overlapping = _spans_overlap(a.spans, b.spans)
    if a.utterance and not overlapping:
        return Match(0.0, ())
    total, reasons = 0.3, ["same type, overlapping dates"]
    if overlapping:
        total += 0.3
        reasons.append("overlapping quotes")
    if a.date_start == b.date_start and a.date_last == b.date_last:
        total += 0.1
        reasons.append("same dates")
    if a.location_path and b.location_path:
        if a.location_path == b.location_path:
            total += 0.2
            reasons.append("same place")
        elif a.location_path.startswith(b.location_path) or b.location_path.startswith(
            a.location_path
        ):
            total += 0.1
            reasons.append("place inside the other")
    shared_actors = _jaccard(a.actor_ids, b.actor_ids)
    if shared_actors:
        total += 0.2 * shared_actors
        reasons.append(f"{len(a.actor_ids & b.actor_ids)} shared actor(s)")
    shared_words = _jaccard(a.words, b.words)
    if shared_words:
        total += 0.2 * shared_words
        reasons.append(f"{shared_words:.0%} of title words shared")
    return Match(round(min(total, 1.0), 2), tuple(reasons))


def _spans_overlap(a: frozenset, b: frozenset) -> bool:
    return any(x[0] == y[0] and x[1] < y[2] and y[1] < x[2] for x in a for y in b)


UTTERANCE_TYPES = ("statement",)


def sketches(events: Iterable[Event]) -> dict[int, Sketch]:
    """Sketches of events, from three queries however many there are (the events' own
    fields must include type, dates, location's tree path and title)."""
    rows = list(events)
    ids = [event.pk for event in rows]
    actors: dict[int, set[int]] = defaultdict(set)
    quotes: dict[int, set[str]] = defaultdict(set)
    spans: dict[int, set[tuple[int, int, int]]] = defaultdict(set)
    utterances = set(
        EventType.objects.filter(slug__in=UTTERANCE_TYPES).values_list("pk", flat=True)
    )
    datasets: dict[int, str] = {}
    for chunk in _chunks(ids):
        for event_id, actor_id in EventActor.objects.filter(event_id__in=chunk).values_list(
            "event_id", "actor_id"
        ):
            actors[event_id].add(actor_id)
        for event_id, quote, article_id, start, end in Evidence.objects.filter(
            event_id__in=chunk
        ).values_list("event_id", "quote", "article_id", "start", "end"):
            quotes[event_id].add(" ".join(quote.casefold().split()))
            if start is not None and end is not None:
                spans[event_id].add((article_id, start, end))
        datasets.update(
            DatasetRecord.objects.filter(event_id__in=chunk).values_list("event_id", "dataset")
        )
    return {
        event.pk: Sketch(
            pk=event.pk,
            type_id=event.type_id,
            date_start=event.date_start,
            date_last=event.date_last,
            location_path=event.location.tree_path if event.location_id else "",
            actor_ids=frozenset(actors[event.pk]),
            words=title_words(event.title),
            quotes=frozenset(quotes[event.pk]),
            spans=frozenset(spans[event.pk]),
            # An imported row names its dataset in its record, or in its external id
            # ("acled:PSE75456") where no record was kept.
            dataset=datasets.get(event.pk) or event.external_id.partition(":")[0],
            utterance=event.type_id in utterances,
        )
        for event in rows
    }


def _chunks(ids: list[int], size: int = 5000):
    for offset in range(0, len(ids), size):
        yield ids[offset : offset + size]


def candidates_for(proposals: list[Event]) -> dict[int, list[tuple[Event, Match]]]:
    """For each proposal, the stored events it may duplicate, published ones first, best
    first within each (at most
    SHOWN_PER_PROPOSAL, scoring at least MIN_SHOWN_SCORE). A fixed number of queries
    for a page of proposals, however many there are."""
    if not proposals:
        return {}
    overlap = Q()
    for proposal in proposals:
        overlap |= Q(
            type_id=proposal.type_id,
            date_start__lte=proposal.date_last,
            date_last__gte=proposal.date_start,
        )
    # The bounds around the OR let the database use its date index instead of testing
    # every row against every proposal.
    bounds = Q(
        type_id__in={p.type_id for p in proposals},
        date_start__lte=max(p.date_last for p in proposals),
        date_last__gte=min(p.date_start for p in proposals),
    )
    stored = list(
        Event.objects.filter(bounds, overlap)
        .exclude(status=Event.Status.REJECTED)
        .select_related("type", "location")
        .only(
            "slug",
            "title",
            "status",
            "type__slug",
            "type__name",
            "date_start",
            "date_end",
            "date_last",
            "date_precision",
            "location__name",
            "location__tree_path",
            "external_id",
        )
        .order_by("date_start", "id")[:CANDIDATE_LIMIT]
    )
    stored_ids = {event.pk for event in stored}
    drawn = sketches([*stored, *[p for p in proposals if p.pk not in stored_ids]])
    found: dict[int, list[tuple[Event, Match]]] = {}
    for proposal in proposals:
        matches = []
        for event in stored:
            if event.pk == proposal.pk:
                continue
            match = score(drawn[proposal.pk], drawn[event.pk])
            if match.score >= MIN_SHOWN_SCORE:
                matches.append((event, match))
        # Published events first: merging into one is the common outcome; other
        # proposals follow (two proposals of one event can be merged too).
        matches.sort(key=lambda pair: (pair[0].status != "published", -pair[1].score, pair[0].pk))
        found[proposal.pk] = matches[:SHOWN_PER_PROPOSAL]
    return found


@dataclass(frozen=True)
class Pair:
    keep: Event
    duplicate: Event
    match: Match


def likely_pairs(*, minimum: float = 0.5) -> list[Pair]:
    """Likely duplicate pairs among stored (not rejected) events, best first.

    Of each pair, `keep` is the one a merge would keep: a published event over a proposal,
    then the older one.
    """
    events = list(
        Event.objects.exclude(status=Event.Status.REJECTED)
        .select_related("location")
        .only(
            "slug",
            "title",
            "status",
            "type_id",
            "date_start",
            "date_end",
            "date_last",
            "location__tree_path",
            "external_id",
        )
        .order_by("type_id", "date_start", "id")
    )
    drawn = sketches(events)
    pairs: list[Pair] = []
    active: list[Event] = []
    for event in events:
        # Sweep by start date within a type: only events still running can overlap.
        active = [
            other
            for other in active
            if other.type_id == event.type_id and other.date_last >= event.date_start
        ]
        for other in active:
            match = score(drawn[other.pk], drawn[event.pk])
            if match.score >= minimum:
                keep, duplicate = _keeper(other, event)
                pairs.append(Pair(keep, duplicate, match))
        active.append(event)
    pairs.sort(key=lambda pair: (-pair.match.score, pair.keep.pk, pair.duplicate.pk))
    return pairs


def _keeper(a: Event, b: Event) -> tuple[Event, Event]:
    rank = {Event.Status.PUBLISHED: 0, Event.Status.PROPOSED: 1}
    first, second = sorted([a, b], key=lambda e: (rank.get(e.status, 2), e.pk))
    return first, second


@dataclass(frozen=True)
class MergeSummary:
    merged: int
    skipped: int


def merge_likely_pairs(*, pairs: list[Pair], above: float, user=None) -> MergeSummary:
    """Merge every pair scoring above `above`, best first, each duplicate into the event
    its partner ended up in. All or nothing; each merge is recorded in history."""
    from django.db import transaction

    from timeline.editorial import EditorialError, final_target, merge

    merged = skipped = 0
    with transaction.atomic():
        for pair in pairs:
            if pair.match.score <= above:
                continue
            duplicate = Event.objects.get(pk=pair.duplicate.pk)
            keep = final_target(Event.objects.get(pk=pair.keep.pk))
            if duplicate.merged_into_id is not None or keep.pk == duplicate.pk:
                skipped += 1
                continue
            try:
                merge(
                    event=duplicate,
                    into=keep,
                    user=user,
                    reason=f"Duplicate (find_duplicates, score {pair.match.score:.2f})",
                )
            except EditorialError:
                skipped += 1
                continue
            merged += 1
    return MergeSummary(merged, skipped)
