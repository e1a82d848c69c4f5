"""What sits around one event on its page: events at the same place within a few days,
events with the same actors nearest in time, and the timeline filtered on each entity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse

from timeline.models import Event, EventActor

NEARBY_DAYS = 3
LIMIT = 8
# An event with more actors than this is matched on its first ones only.
MAX_ACTORS = 3


@dataclass
class Related:
    same_place: list[Event] = field(default_factory=list)
    same_actors: list[Event] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, timeline URL)


def timeline_link(**params: str) -> str:
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    return f"{reverse('timeline:timeline')}?{query.urlencode()}"


def related_events(event: Event, visible: QuerySet) -> Related:
    """The event's neighbours among `visible` (the events this user may see).

    Same place: at the event's place (not places inside it) and starting within
    NEARBY_DAYS of its span. Same actors: every one of its (first MAX_ACTORS) actors
    takes part, nearest in time first (before and after). Two queries each, whatever
    the number of events.
    """
    related = Related()
    others = visible.exclude(pk=event.pk).select_related("type", "location")
    if event.location_id:
        start = event.date_start - timedelta(days=NEARBY_DAYS)
        end = (event.date_end or event.date_start) + timedelta(days=NEARBY_DAYS)
        related.same_place = list(
            others.filter(location_id=event.location_id, date_start__range=(start, end)).order_by(
                "date_start", "id"
            )[:LIMIT]
        )
    actor_ids = []
    for link in event.event_actors.all():
        if link.actor_id not in actor_ids:
            actor_ids.append(link.actor_id)
    if actor_ids:
        with_actors = others
        for actor_id in actor_ids[:MAX_ACTORS]:
            with_actors = with_actors.filter(
                pk__in=EventActor.objects.filter(actor_id=actor_id).values("event")
            )
        half = LIMIT // 2
        before = list(
            with_actors.filter(date_start__lte=event.date_start).order_by("-date_start", "-id")[
                :half
            ]
        )
        after = list(
            with_actors.filter(date_start__gt=event.date_start).order_by("date_start", "id")[:half]
        )
        related.same_actors = [*reversed(after), *before]
    related.links.append(
        (f"All {event.type.name.lower()} events", timeline_link(type=event.type.slug))
    )
    if event.sub_type_id:
        related.links.append(
            (f"All “{event.sub_type.name}” events", timeline_link(sub_type=event.sub_type.slug))
        )
    if event.location_id:
        related.links.append(
            (f"All events in {event.location.name}", timeline_link(location=event.location.slug))
        )
    seen = set()
    for link in event.event_actors.all():
        if link.actor_id in seen:
            continue
        seen.add(link.actor_id)
        related.links.append(
            (f"All events with {link.actor.name}", timeline_link(actor=link.actor.slug))
        )
    day = event.date_start.isoformat()
    related.links.append(
        (
            f"Everything on {event.date_start.day} {event.date_start:%b %Y}",
            timeline_link(**{"from": day, "to": day}),
        )
    )
    return related
