"""How well an event is corroborated: what each source says, and how many outlets say it.

A *source* is one article, or several that are wire copies of one another. Two articles
are wire copies when they have the same text (the same content hash) or quote this event
in the same words (compared case-, space- and punctuation-blind): the same story under
two mastheads is one report, so it counts once. An outlet is an Outlet row where the
article has them, else the article's outlet string (case-blind).

`Event.outlet_count` holds the count for the badge and the `corroboration` filter; it is
kept by `recount_outlets`, which signals call when evidence or an article changes, and
which bulk writers (imports, merges) call themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from timeline import search_documents
from timeline.date_display import describe_span
from timeline.extraction.dates import find_dates
from timeline.models import Article, Event, Evidence, Figure, Outlet

_NOT_WORDS = re.compile(r"\W+")
RECOUNT_CHUNK = 500


def outlet_keys(article: Article) -> frozenset[str]:
    """The outlets an article counts as (uses prefetched `outlets` when there are any)."""
    rows = [outlet.slug for outlet in article.outlets.all()]
    if rows:
        return frozenset(f"outlet:{slug}" for slug in rows)
    name = " ".join(article.outlet.split()).casefold()
    return frozenset([f"name:{name}"]) if name else frozenset([f"article:{article.pk}"])


def outlet_names(article: Article) -> list[str]:
    rows = [outlet.name for outlet in article.outlets.all()]
    return rows or ([article.outlet] if article.outlet else [])


def _wording(quote: str) -> str:
    return _NOT_WORDS.sub(" ", quote.casefold()).strip()


def group_wire_copies(evidence: Sequence[Evidence]) -> list[list[Evidence]]:
    """The evidence grouped by source: articles that are wire copies share a group.
    Groups come in order of their earliest article (published, then id)."""
    parent: dict[int, int] = {}

    def find(article_id: int) -> int:
        while parent.setdefault(article_id, article_id) != article_id:
            article_id = parent[article_id]
        return article_id

    first_by_key: dict[str, int] = {}
    for item in evidence:
        find(item.article_id)
        for key in (f"hash:{item.article.content_hash}", f"quote:{_wording(item.quote)}"):
            other = first_by_key.setdefault(key, item.article_id)
            parent[find(item.article_id)] = find(other)
    groups: dict[int, list[Evidence]] = {}
    for item in evidence:
        groups.setdefault(find(item.article_id), []).append(item)
    ordered = [
        sorted(items, key=lambda e: (e.article.published, e.article_id, e.start or 0, e.pk))
        for items in groups.values()
    ]
    return sorted(ordered, key=lambda items: (items[0].article.published, items[0].article_id))


def count_outlets(evidence: Sequence[Evidence]) -> int:
    """Distinct outlets among the sources, each group of wire copies counted once (as the
    outlet of its earliest article)."""
    keys: set[str] = set()
    for group in group_wire_copies(evidence):
        keys |= outlet_keys(group[0].article)
    return len(keys)


@dataclass
class Source:
    """What one source (an article and its wire copies) says about the event."""

    evidence: list[Evidence]
    outlets: list[str]
    copies: list[Article]
    reported: date
    stated_dates: str = ""
    figures: list[Figure] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)
    date_disagrees: bool = False
    disagreeing_figures: set[int] = field(default_factory=set)

    @property
    def article(self) -> Article:
        return self.evidence[0].article


def sources_for(event: Event) -> list[Source]:
    """Each source of an event side by side, with disagreements between them marked:
    figures of one kind with different amounts, and different dates as the quotes state
    them (resolved against each article's date). Uses the event's prefetched evidence
    (with its article and the article's outlets), figures and actor links."""
    evidence = list(event.evidence.all())
    figures = list(event.figures.all())
    links = list(event.event_actors.all())
    sources = []
    for group in group_wire_copies(evidence):
        article = group[0].article
        evidence_ids = {item.pk for item in group}
        quotes = " ".join(item.quote for item in group)
        seen: dict[int, Article] = {}
        for item in group:
            seen.setdefault(item.article_id, item.article)
        names: list[str] = []
        for copy in seen.values():
            names.extend(name for name in outlet_names(copy) if name not in names)
        source = Source(
            evidence=group,
            outlets=names,
            copies=list(seen.values())[1:],
            reported=article.published,
            figures=[f for f in figures if f.evidence_id in evidence_ids],
            actors=[link.actor.name for link in links if _names_actor(quotes, link.actor)],
        )
        mentions = find_dates(quotes, article.published)
        if mentions:
            first = mentions[0]
            source.stated_dates = describe_span(first.date_start, first.date_end, first.precision)
        sources.append(source)
    _mark_disagreements(sources)
    return sources


def _names_actor(text: str, actor) -> bool:
    folded = text.casefold()
    return any(name.casefold() in folded for name in [actor.name, *actor.alias_list] if name)


def _mark_disagreements(sources: list[Source]) -> None:
    dated = {source.stated_dates for source in sources if source.stated_dates}
    if len(dated) > 1:
        for source in sources:
            source.date_disagrees = bool(source.stated_dates)
    amounts: dict[str, set[tuple]] = {}
    for source in sources:
        for figure in source.figures:
            amounts.setdefault(figure.kind, set()).add((figure.low, figure.high, figure.qualifier))
    for source in sources:
        source.disagreeing_figures = {f.pk for f in source.figures if len(amounts[f.kind]) > 1}


def unlinked_figures(event: Event) -> list[Figure]:
    """Figures tied to no quote (a dataset's coding, or entered by hand)."""
    return [f for f in event.figures.all() if f.evidence_id is None]


def evidence_with_outlets():
    """Evidence as corroboration reads it: its article (without the body) and outlets."""
    return (
        Evidence.objects.select_related("article")
        .defer("article__text")
        .prefetch_related(Prefetch("article__outlets", queryset=Outlet.objects.order_by("name")))
        .order_by("id")
    )


def recount_outlets(event_ids: Iterable[int]) -> int:
    """Store each event's outlet count afresh; return how many changed."""
    ids = sorted(set(event_ids))
    changed = 0
    for offset in range(0, len(ids), RECOUNT_CHUNK):
        chunk = ids[offset : offset + RECOUNT_CHUNK]
        by_event: dict[int, list[Evidence]] = {pk: [] for pk in chunk}
        for item in evidence_with_outlets().filter(event_id__in=chunk):
            by_event[item.event_id].append(item)
        stored = dict(Event.objects.filter(pk__in=chunk).values_list("pk", "outlet_count"))
        by_count: dict[int, list[int]] = {}
        for pk, items in by_event.items():
            count = count_outlets(items)
            if pk in stored and stored[pk] != count:
                by_count.setdefault(count, []).append(pk)
        for count, pks in by_count.items():
            changed += Event.objects.filter(pk__in=pks).update(outlet_count=count)
    return changed


def recount_all() -> int:
    """Recount every event with evidence or a stale count (after a bulk load)."""
    ids = set(Evidence.objects.values_list("event_id", flat=True).distinct())
    ids |= set(Event.objects.filter(outlet_count__gt=0).values_list("pk", flat=True))
    return recount_outlets(ids)


@receiver(post_save, sender=Evidence)
@receiver(post_delete, sender=Evidence)
def _evidence_changed(sender, instance: Evidence, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    recount_outlets([instance.event_id])


@receiver(post_save, sender=Article)
def _article_changed(sender, instance: Article, created: bool, **kwargs) -> None:
    if created or kwargs.get("raw"):
        return
    recount_outlets(instance.evidence.values_list("event_id", flat=True))


@receiver(m2m_changed, sender=Article.outlets.through)
def _article_outlets_changed(sender, instance, action: str, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    # Changed from the outlet's side, pk_set holds the articles.
    articles = [instance.pk] if isinstance(instance, Article) else list(pk_set or [])
    events = Evidence.objects.filter(article_id__in=articles).values_list("event_id", flat=True)
    recount_outlets(events)
    # The events' search documents keep the ids of the outlets they cite.
    search_documents.mark_stale(Event.objects.filter(pk__in=events), using=kwargs["using"])
