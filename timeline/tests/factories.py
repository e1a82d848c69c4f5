"""Small factories for tests: each makes a valid, saved object with overridable fields."""

from __future__ import annotations

import itertools
from datetime import date

from timeline.models import Actor, Article, Event, EventActor, EventType, Evidence, Figure, Location
from timeline.outlets import link_article_outlets

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make_article(**fields) -> Article:
    n = _n()
    defaults = {
        "slug": f"article-{n}",
        "title": f"Article {n}",
        "outlet": "Test Wire",
        "published": date(2025, 7, 7),
        "dateline": "Tel Aviv",
        "text": f"Article {n} says that something happened on Sunday. Officials said so.",
    }
    defaults.update(fields)
    article = Article(**defaults)
    article.full_clean()
    article.save()
    # As every importer does: the article cites the Outlet its outlet text names.
    link_article_outlets(articles=[article])
    return article


def make_actor(**fields) -> Actor:
    n = _n()
    defaults = {"slug": f"actor-{n}", "name": f"Actor {n}", "kind": Actor.Kind.STATE}
    defaults.update(fields)
    return Actor.objects.create(**defaults)


def make_location(**fields) -> Location:
    n = _n()
    defaults = {"slug": f"place-{n}", "name": f"Place {n}", "kind": Location.Kind.CITY}
    defaults.update(fields)
    return Location.objects.create(**defaults)


def make_event(*, type: str | EventType = "negotiation", actors=(), **fields) -> Event:
    """actors: Actor objects (role party) or (Actor, role) pairs."""
    n = _n()
    event_type = type if isinstance(type, EventType) else EventType.objects.get(slug=type)
    defaults = {
        "slug": f"event-{n}",
        "title": f"Event {n}",
        "type": event_type,
        "date_start": date(2025, 7, 6),
        "status": Event.Status.PUBLISHED,
    }
    defaults.update(fields)
    event = Event(**defaults)
    event.full_clean()
    event.save()
    for item in actors:
        actor, role = item if isinstance(item, tuple) else (item, EventActor.Role.PARTY)
        EventActor.objects.create(event=event, actor=actor, role=role)
    return event


def make_evidence(
    *, event: Event, article: Article | None = None, quote: str | None = None, **fields
) -> Evidence:
    article = article or make_article()
    if quote is None:
        quote = article.text.split(".")[0]
    evidence = Evidence(event=event, article=article, quote=quote, **fields)
    evidence.full_clean()
    evidence.save()
    return evidence


def make_figure(*, event: Event, **fields) -> Figure:
    defaults = {"kind": Figure.Kind.KILLED, "low": 10, "qualifier": Figure.Qualifier.EXACT}
    defaults.update(fields)
    figure = Figure(event=event, **defaults)
    figure.full_clean()
    figure.save()
    return figure
