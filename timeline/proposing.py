"""Events proposed from article text, written for editors to review.

``propose_for_articles`` runs the extractor (``timeline.extraction``, pure Python) over
stored articles and writes each proposal as an Event with status ``proposed``, its
evidence at the exact offsets the extractor found, its figures and its actors. A proposal
that reports an event we already hold (of any status) adds its evidence to that event
instead, so re-running on the same article writes nothing new.

Measuring the extractor (against curated events, the development set and ACLED's coding)
is timeline/measuring.py's job; the scores themselves are timeline/extraction/evaluation.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils.text import slugify

from timeline import search_documents
from timeline.extraction.figures import FigureMention
from timeline.extraction.gazetteer import Gazetteer
from timeline.extraction.propose import EvidenceSpan, Proposal, propose_events, same_event
from timeline.gazetteer_data import build_gazetteer
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
    with transaction.atomic(), search_documents.deferred():
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
