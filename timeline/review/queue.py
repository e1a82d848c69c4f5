"""The review queue's reads: proposals oldest first, a keyset page at a time, each with its
quotes in context, and the counters. A fixed number of queries per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Greatest, Substr
from django.utils import timezone

from timeline.duplicates import candidates_for
from timeline.models import Event, EventActor, Evidence, Figure

PAGE_SIZE = 20
CONTEXT_CHARS = 160


def proposals(filters: dict) -> QuerySet[Event]:
    """Proposals matching the queue's filters (cleaned QueueFilterForm data)."""
    queryset = Event.objects.filter(status=Event.Status.PROPOSED)
    if filters.get("article"):
        queryset = queryset.filter(
            pk__in=Evidence.objects.filter(article=filters["article"]).values("event")
        )
    if filters.get("type"):
        queryset = queryset.filter(type=filters["type"])
    outlet = (filters.get("outlet") or "").strip()
    if outlet:
        # The outlet as the article names it, or an Outlet row by name or slug.
        citing = (
            Q(article__outlet__iexact=outlet)
            | Q(article__outlets__name__iexact=outlet)
            | Q(article__outlets__slug=outlet)
        )
        queryset = queryset.filter(pk__in=Evidence.objects.filter(citing).values("event"))
    return queryset.overlapping(filters.get("date_from"), filters.get("date_to"))


def evidence_in_context() -> QuerySet[Evidence]:
    """Evidence with the text just before and after its quote, cut in the database (an
    article's whole body is never fetched)."""
    begin = Greatest(F("start") - CONTEXT_CHARS, 0)
    return (
        Evidence.objects.select_related("article")
        .defer("article__text")
        .annotate(
            before=Substr("article__text", begin + 1, F("start") - begin),
            after=Substr("article__text", F("end") + 1, CONTEXT_CHARS),
        )
        .order_by("id")
    )


def for_review(queryset: QuerySet[Event]) -> QuerySet[Event]:
    return queryset.select_related("type", "sub_type", "location").prefetch_related(
        Prefetch(
            "event_actors",
            queryset=EventActor.objects.select_related("actor").order_by("role", "id"),
        ),
        Prefetch("figures", queryset=Figure.objects.order_by("kind", "id")),
        Prefetch("evidence", queryset=evidence_in_context()),
    )


@dataclass
class QueuePage:
    proposals: list[Event]
    next_after: int | None


def page_after(queryset: QuerySet[Event], after: int | None, size: int | None = None) -> QueuePage:
    """The next `size` proposals after id `after` (keyset: no OFFSET however deep)."""
    size = size or PAGE_SIZE
    if after is not None:
        queryset = queryset.filter(pk__gt=after)
    rows = list(for_review(queryset.order_by("pk"))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    matches = candidates_for(rows)
    for proposal in rows:
        proposal.duplicates = matches.get(proposal.pk, [])
    return QueuePage(rows, rows[-1].pk if more and rows else None)


def one_for_review(pk: int) -> Event:
    """One event as a queue card shows it (after an inline edit)."""
    event = for_review(Event.objects.filter(pk=pk)).get()
    event.duplicates = candidates_for([event]).get(event.pk, [])
    return event


@dataclass
class Counters:
    waiting: int
    done_today: int


def counters() -> Counters:
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    return Counters(
        waiting=Event.objects.filter(status=Event.Status.PROPOSED).count(),
        done_today=Event.objects.filter(reviewed_at__gte=midnight).count(),
    )
