"""The extractor measured, writing nothing: against the curated events in the database,
the development set (devset/coding.yaml) and ACLED's own coding of its notes.

Reading what to measure (answer keys, texts, dataset rows, the database's gazetteer) is
this module's job; the scores are computed by timeline/extraction/evaluation.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from timeline.datasets.acled import acled_row_entries, read_acled_rows
from timeline.datasets.base import RowProblem
from timeline.extraction.devset import HALVES, load_devset, score_half
from timeline.extraction.evaluation import (
    AcledAgreement,
    KeyEvent,
    Report,
    evaluate,
    score_acled_row,
)
from timeline.extraction.gazetteer import Gazetteer, GazetteerEntry
from timeline.extraction.propose import propose_events
from timeline.gazetteer_data import build_gazetteer, gazetteer_entries
from timeline.models import Article, Event, Evidence, Figure

ACLED_SAMPLE = "gaza-2023-10-07_2025-06-06.csv.gz"


@dataclass(frozen=True)
class CuratedEvaluation:
    """The extractor against the curated, published events, article by article."""

    report: Report
    articles: int
    key_events: int
    proposals: int


def curated_answer_key() -> tuple[dict[str, Article], dict[str, list[KeyEvent]]]:
    """Articles with curated evidence, and the answer key per article slug.

    Curated means published events that were not imported from another dataset (those
    carry an external_id: an ACLED row's notes are not an analyst's coding of an article).
    Each event is a key event in every article that holds its evidence; its figures
    count there when their evidence is in that article or they have none.
    """
    evidence = (
        Evidence.objects.filter(
            event__status=Event.Status.PUBLISHED,
            event__external_id="",
            start__isnull=False,
            end__isnull=False,
        )
        .select_related("event__type")
        .order_by("article_id", "event_id", "start")
    )
    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    events: dict[int, Event] = {}
    for item in evidence:
        spans.setdefault((item.article_id, item.event_id), []).append((item.start, item.end))
        events[item.event_id] = item.event
    figures: dict[int, list[tuple[str, int, int | None]]] = {}
    for event_id, kind, low, evidence_article in Figure.objects.filter(
        event_id__in=events
    ).values_list("event_id", "kind", "low", "evidence__article_id"):
        figures.setdefault(event_id, []).append((kind, low, evidence_article))
    articles = {a.pk: a for a in Article.objects.filter(pk__in={a for a, _ in spans})}
    key: dict[str, list[KeyEvent]] = {}
    for (article_id, event_id), event_spans in spans.items():
        event = events[event_id]
        key.setdefault(articles[article_id].slug, []).append(
            KeyEvent(
                event_type=event.type.slug,
                date_start=event.date_start,
                date_end=event.date_end,
                evidence_spans=tuple(event_spans),
                figures=tuple(
                    (kind, low)
                    for kind, low, in_article in figures.get(event_id, [])
                    if in_article in (None, article_id)
                ),
            )
        )
    return {a.slug: a for a in articles.values()}, key


def evaluate_curated(*, gazetteer: Gazetteer | None = None) -> CuratedEvaluation:
    """Propose events (in memory) for every article with curated evidence and score them
    against the curated events: precision, recall and F1 per type, figure and date
    accuracy. Reads the database; writes nothing."""
    gazetteer = gazetteer or build_gazetteer()
    articles, key = curated_answer_key()
    proposals = {
        slug: propose_events(
            article.text,
            published=article.published,
            gazetteer=gazetteer,
            dateline=article.dateline or None,
        )
        for slug, article in articles.items()
    }
    report = evaluate(proposals, key, texts_by_doc={slug: a.text for slug, a in articles.items()})
    return CuratedEvaluation(
        report=report,
        articles=len(articles),
        key_events=sum(len(events) for events in key.values()),
        proposals=sum(len(p) for p in proposals.values()),
    )


# --- measuring proposals against ACLED's coding of its own notes ------------------------


def evaluate_acled(*, path: Path, limit: int | None = None) -> AcledAgreement:
    """Propose events from each ACLED row's notes (the row's date as the article date) and
    compare them with ACLED's own type, date and fatalities. Reads the CSV directly and
    the database's gazetteer (plus each row's own place and actor names); writes nothing.
    """
    base = tuple(gazetteer_entries())
    gazetteers: dict[tuple[GazetteerEntry, ...], Gazetteer] = {}
    agreement = AcledAgreement()
    started = time.perf_counter()
    for row in read_acled_rows(path):
        if isinstance(row, RowProblem):
            agreement.problems.append(row)
            continue
        if limit is not None and agreement.rows >= limit:
            break
        own = acled_row_entries(row)
        gazetteer = gazetteers.get(own)
        if gazetteer is None:
            if len(gazetteers) > 2000:
                gazetteers.clear()
            gazetteer = gazetteers[own] = Gazetteer(base + own)
        proposals = propose_events(row.article_text, published=row.date_start, gazetteer=gazetteer)
        score_acled_row(
            agreement,
            type_slug=row.type_slug,
            date_start=row.date_start,
            date_end=row.date_end,
            deaths=row.deaths,
            proposals=proposals,
        )
    agreement.seconds = time.perf_counter() - started
    return agreement


def default_acled_path() -> Path:
    """The shared ACLED Gaza sample, beside the checkout."""
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "acled-gaza" / ACLED_SAMPLE


@dataclass(frozen=True)
class DevsetEvaluation:
    """Each half of the development set scored, and the articles whose texts are missing."""

    reports: dict[str, Report]
    articles: dict[str, int]
    missing: list[str]


def evaluate_devset(*, cache: Path, gazetteer: Gazetteer | None = None) -> DevsetEvaluation:
    """Score each half of the development set with the database's gazetteer (by default).
    Texts come from ``cache`` (devset/rebuild.py writes them); writes nothing."""
    gazetteer = gazetteer or build_gazetteer()
    devset = load_devset(cache)
    reports = {}
    articles = {}
    for half in HALVES:
        chosen = devset.half(half)
        if chosen:
            reports[half] = score_half(chosen, gazetteer)
            articles[half] = len(chosen)
    return DevsetEvaluation(reports=reports, articles=articles, missing=devset.missing)
