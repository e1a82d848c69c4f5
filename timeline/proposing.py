"""Events proposed from article text, written for editors to review, and measured.

``propose_for_articles`` runs the extractor (``timeline.extraction``, pure Python) over
stored articles and writes each proposal as an Event with status ``proposed``, its
evidence at the exact offsets the extractor found, its figures and its actors. A proposal
that reports an event we already hold (of any status) adds its evidence to that event
instead, so re-running on the same article writes nothing new.

``evaluate_curated`` and ``evaluate_acled`` measure the extractor without writing
anything: against the curated, published events' evidence, and against ACLED's own
coding of its notes.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.text import slugify

from timeline.datasets.acled import acled_row_entries, read_acled_rows
from timeline.datasets.base import DatasetRow, RowProblem
from timeline.extraction.evaluation import KeyEvent, Report, evaluate
from timeline.extraction.figures import FigureMention, fatality_total
from timeline.extraction.gazetteer import Gazetteer, GazetteerEntry
from timeline.extraction.propose import EvidenceSpan, Proposal, propose_events, same_event
from timeline.gazetteer_data import build_gazetteer, gazetteer_entries
from timeline.models import (
    Actor,
    Article,
    Event,
    EventActor,
    EventType,
    Evidence,
    Figure,
    Location,
)
from timeline.outlets import OutletIndex, is_dataset_article, link_article_outlets

# Status order when a proposal matches several stored events: the curated one wins.
_STATUS_PREFERENCE = {Event.Status.PUBLISHED: 0, Event.Status.PROPOSED: 1, Event.Status.REJECTED: 2}
_SLUG_STEM_LENGTH = 150
ACLED_SAMPLE = "gaza-2023-10-07_2025-06-06.csv.gz"
_ATTRIBUTION_LENGTH = Evidence._meta.get_field("attributed_to").max_length


# --- writing proposals ------------------------------------------------------------------


@dataclass
class ProposalSummary:
    """What a proposing run wrote: new events, evidence added to stored ones, and the
    proposals that matched a stored event already holding all their evidence."""

    articles: int = 0
    events_proposed: int = 0
    evidence_attached: int = 0
    unchanged: int = 0
    figures: int = 0

    def one_line(self) -> str:
        """'Proposed 9 events (2 figures) from 1 article; 1 evidence attached …'."""
        articles = f"{self.articles} article" + ("" if self.articles == 1 else "s")
        events = f"{self.events_proposed} event" + ("" if self.events_proposed == 1 else "s")
        figures = f"{self.figures} figure" + ("" if self.figures == 1 else "s")
        return (
            f"Proposed {events} ({figures}) from {articles}; "
            f"{self.evidence_attached} evidence attached to existing events; "
            f"{self.unchanged} unchanged."
        )


class ProposingError(Exception):
    """The proposals cannot be written (nothing was)."""


def propose_for_articles(
    *, articles: Iterable[Article], gazetteer: Gazetteer | None = None
) -> ProposalSummary:
    """Propose events from each article's text and write them for review, all or nothing.

    Each proposal becomes an Event (status proposed, the extractor's confidence,
    reported_on the article's date) with Evidence at the proposal's exact offsets, its
    Figures (linked to the evidence that quotes them) and its actors and place by slug.
    A proposal that is the same event as a stored one (same type, overlapping dates, and
    the same place or a shared actor, by the extractor's ``same_event``; or already
    holding one of its exact spans; or, with overlapping dates, quoting one of its
    sentences word for word from another article) adds the spans that event lacks as
    evidence instead.
    Re-running on an article therefore writes nothing. ``gazetteer`` defaults to every
    Actor and Location in the database, aliases included.
    """
    gazetteer = gazetteer or build_gazetteer()
    event_types = {event_type.slug: event_type for event_type in EventType.objects.all()}
    summary = ProposalSummary()
    outlets = OutletIndex.all()
    with transaction.atomic():
        for article in articles:
            summary.articles += 1
            # Proposed events are filtered and counted by outlet like curated ones.
            if not is_dataset_article(article):
                link_article_outlets(articles=[article], index=outlets)
            proposals = propose_events(
                article.text,
                published=article.published,
                gazetteer=gazetteer,
                dateline=article.dateline or None,
            )
            actors, locations = _entities_named_by(proposals)
            for proposal in proposals:
                event_type = event_types.get(proposal.event_type)
                if event_type is None:
                    raise ProposingError(
                        f"article {article.slug!r}: event type {proposal.event_type!r} is not "
                        "in the database (the event types are seeded by a migration)"
                    )
                stored = _stored_event_for(proposal, article, event_type)
                if stored is None:
                    figures = _write_event(
                        proposal, article, event_type, actors=actors, locations=locations
                    )
                    summary.events_proposed += 1
                    summary.figures += figures
                    continue
                attached = _attach_evidence(stored, proposal.evidence, article)
                summary.evidence_attached += attached
                summary.unchanged += 0 if attached else 1
    return summary


def _entities_named_by(
    proposals: list[Proposal],
) -> tuple[dict[str, Actor], dict[str, Location]]:
    actor_slugs = {slug for p in proposals for slug, _ in p.actors}
    location_slugs = {p.location_slug for p in proposals if p.location_slug}
    actors = {a.slug: a for a in Actor.objects.filter(slug__in=actor_slugs)}
    locations = {loc.slug: loc for loc in Location.objects.filter(slug__in=location_slugs)}
    return actors, locations


def _stored_event_for(proposal: Proposal, article: Article, event_type: EventType) -> Event | None:
    """The stored event (any status) this proposal reports, or None."""
    overlaps_a_span = Q()
    holds_a_span = Q()
    for span in proposal.evidence:
        overlaps_a_span |= Q(
            evidence__article=article, evidence__start__lt=span.end, evidence__end__gt=span.start
        )
        holds_a_span |= Q(
            evidence__article=article, evidence__start=span.start, evidence__end=span.end
        )
    related = overlaps_a_span
    if proposal.location_slug:
        related |= Q(location__slug=proposal.location_slug)
    actor_slugs = [slug for slug, _ in proposal.actors]
    if actor_slugs:
        related |= Q(actors__slug__in=actor_slugs)
    nearby = (
        Event.objects.filter(type=event_type)
        .overlapping(proposal.date_start, proposal.date_last)
        .filter(related)
    )
    # An event already holding one of the exact spans is this proposal even when an
    # editor has since corrected its dates.
    holding = set(
        Event.objects.filter(type=event_type).filter(holds_a_span).values_list("pk", flat=True)
    )
    # Offsets only compare within one text; across articles, the same sentence word for
    # word (wire copy) reports the same event. Without this, a statement (same only when
    # the evidence overlaps) would be proposed again from every copy.
    quoting = set(
        Event.objects.filter(type=event_type)
        .overlapping(proposal.date_start, proposal.date_last)
        .filter(evidence__quote__in=[span.quote for span in proposal.evidence])
        .values_list("pk", flat=True)
    )
    candidates = (
        Event.objects.filter(pk__in=set(nearby.values_list("pk", flat=True)) | holding | quoting)
        .select_related("location")
        .prefetch_related(
            Prefetch("event_actors", queryset=EventActor.objects.select_related("actor")),
            Prefetch("evidence", queryset=Evidence.objects.filter(article=article)),
        )
    )
    matches = [
        event
        for event in candidates
        if event.pk in holding
        or event.pk in quoting
        or same_event(proposal, _as_proposal(event, event_type.slug))
    ]
    if not matches:
        return None
    return min(
        matches,
        key=lambda e: (
            e.pk not in holding,
            e.pk not in quoting,
            _STATUS_PREFERENCE.get(e.status, 3),
            e.pk,
        ),
    )


def _as_proposal(event: Event, type_slug: str) -> Proposal:
    """A stored event in the extractor's terms, with its evidence in the one article that
    was prefetched (offsets only compare within one text)."""
    return Proposal(
        event_type=type_slug,
        title=event.title,
        date_start=event.date_start,
        date_end=event.date_end,
        date_precision=event.date_precision,
        location_slug=event.location.slug if event.location else None,
        actors=tuple((link.actor.slug, link.role) for link in event.event_actors.all()),
        figures=(),
        evidence=tuple(
            EvidenceSpan(e.start, e.end, e.quote)
            for e in event.evidence.all()
            if e.start is not None and e.end is not None
        ),
        confidence=event.confidence or 0.0,
    )


def _write_event(
    proposal: Proposal,
    article: Article,
    event_type: EventType,
    *,
    actors: dict[str, Actor],
    locations: dict[str, Location],
) -> int:
    """Write one proposal as a new proposed Event; return how many figures it got."""
    event = Event(
        slug=_unique_slug(proposal),
        type=event_type,
        title=proposal.title,
        date_start=proposal.date_start,
        date_end=proposal.date_end,
        date_precision=proposal.date_precision,
        reported_on=article.published,
        location=locations.get(proposal.location_slug) if proposal.location_slug else None,
        status=Event.Status.PROPOSED,
        confidence=proposal.confidence,
        notes=f"Proposed by the extractor from article {article.slug!r}.",
    )
    event.full_clean()
    event.save()
    for slug, role in proposal.actors:
        if slug in actors:
            link = EventActor(event=event, actor=actors[slug], role=role)
            link.full_clean(validate_constraints=False)
            link.save()
    evidence = [_save_evidence(event, article, span) for span in proposal.evidence]
    for mention in proposal.figures:
        _save_figure(event, mention, evidence)
    return len(proposal.figures)


def _save_evidence(event: Event, article: Article, span: EvidenceSpan) -> Evidence:
    evidence = Evidence(
        event=event,
        article=article,
        start=span.start,
        end=span.end,
        quote=span.quote,
        attributed_to=(span.attributed_to or "")[:_ATTRIBUTION_LENGTH],
    )
    evidence.full_clean()
    evidence.save()
    return evidence


def _save_figure(event: Event, mention: FigureMention, evidence: list[Evidence]) -> Figure:
    quoting = next((e for e in evidence if e.start <= mention.start and mention.end <= e.end), None)
    figure = Figure(
        event=event,
        kind=mention.kind,
        low=mention.low,
        high=mention.high,
        qualifier=mention.qualifier,
        attributed_to=(mention.attributed_to or "")[:_ATTRIBUTION_LENGTH],
        evidence=quoting,
    )
    figure.full_clean()
    figure.save()
    return figure


def _attach_evidence(event: Event, spans: Iterable[EvidenceSpan], article: Article) -> int:
    """Add the spans the event does not already hold; return how many were added."""
    added = 0
    for span in spans:
        held = Evidence.objects.filter(
            event=event, article=article, start=span.start, end=span.end
        ).exists()
        if not held:
            _save_evidence(event, article, span)
            added += 1
    return added


def _unique_slug(proposal: Proposal) -> str:
    stem = slugify(proposal.title)[:_SLUG_STEM_LENGTH].strip("-") or proposal.event_type
    base = f"{stem}-{proposal.date_start.isoformat()}"
    taken = set(Event.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- measuring proposals against curated events ----------------------------------------


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


@dataclass
class AcledAgreement:
    """How often the extractor, reading an ACLED row's notes, agrees with ACLED's coding.

    Every row counts in every denominator; a row with no proposal disagrees on all three.
    - type: a proposal has ACLED's type (mapped to ours by timeline/datasets/acled.py); ``top_type``
      is the stricter reading, the most confident proposal has it;
    - date: the proposal of ACLED's type (else the first) overlaps ACLED's date span and,
      for a day-precise row, starts on ACLED's day;
    - fatalities: the killed figures of all proposals add up (``fatality_total``) to
      ACLED's fatalities.
    """

    rows: int = 0
    rows_without_proposal: int = 0
    proposals: int = 0
    type_agreements: int = 0
    top_type_agreements: int = 0
    date_agreements: int = 0
    fatality_agreements: int = 0
    rows_by_type: Counter = field(default_factory=Counter)
    type_agreements_by_type: Counter = field(default_factory=Counter)
    problems: list[RowProblem] = field(default_factory=list)
    seconds: float = 0.0

    def share(self, count: int) -> float:
        return count / self.rows if self.rows else 0.0

    @property
    def type_agreement(self) -> float:
        return self.share(self.type_agreements)

    @property
    def top_type_agreement(self) -> float:
        return self.share(self.top_type_agreements)

    @property
    def date_agreement(self) -> float:
        return self.share(self.date_agreements)

    @property
    def fatality_agreement(self) -> float:
        return self.share(self.fatality_agreements)

    def format(self) -> str:
        """A printable table: the three agreements, then type agreement per ACLED type."""
        lines = [
            f"rows: {self.rows} ({len(self.problems)} unreadable rows left out), "
            f"proposals: {self.proposals}, rows with no proposal: {self.rows_without_proposal}",
            f"date agreement:     {_ratio(self.date_agreements, self.rows)}",
            f"type agreement:     {_ratio(self.type_agreements, self.rows)}"
            f"   (most confident proposal: {_ratio(self.top_type_agreements, self.rows)})",
            f"fatality agreement: {_ratio(self.fatality_agreements, self.rows)}",
            f"{'ACLED type (ours)':<26} {'rows':>6} {'type agrees':>12}",
        ]
        for type_slug, rows in sorted(self.rows_by_type.items()):
            agreed = self.type_agreements_by_type[type_slug]
            lines.append(f"{type_slug:<26} {rows:>6} {agreed / rows:>12.2f}")
        lines.extend(f"left out: {problem}" for problem in self.problems[:10])
        return "\n".join(lines)


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
        _score_acled_row(agreement, row, proposals)
    agreement.seconds = time.perf_counter() - started
    return agreement


def _score_acled_row(agreement: AcledAgreement, row: DatasetRow, proposals: list[Proposal]):
    agreement.rows += 1
    agreement.proposals += len(proposals)
    agreement.rows_by_type[row.type_slug] += 1
    if not proposals:
        agreement.rows_without_proposal += 1
        return
    figures = {(f.start, f.end): f for p in proposals for f in p.figures}.values()
    if fatality_total(figures) == row.deaths:
        agreement.fatality_agreements += 1
    typed = [p for p in proposals if p.event_type == row.type_slug]
    if typed:
        agreement.type_agreements += 1
        agreement.type_agreements_by_type[row.type_slug] += 1
    if max(proposals, key=lambda p: p.confidence).event_type == row.type_slug:
        agreement.top_type_agreements += 1
    proposal = typed[0] if typed else proposals[0]
    row_last = row.date_end or row.date_start
    overlaps = proposal.date_start <= row_last and row.date_start <= proposal.date_last
    if overlaps and (row.date_end is not None or proposal.date_start == row.date_start):
        agreement.date_agreements += 1


def _ratio(numerator: int, denominator: int) -> str:
    if not denominator:
        return "n/a"
    return f"{numerator}/{denominator} = {numerator / denominator:.2f}"


def default_acled_path() -> Path:
    """The shared ACLED Gaza sample, beside the checkout."""
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "acled-gaza" / ACLED_SAMPLE
