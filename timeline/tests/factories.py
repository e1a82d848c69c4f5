"""Small factories for tests: each makes a valid, saved object with overridable fields."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from timeline.models import (
    Actor,
    Article,
    DatasetRecord,
    Event,
    EventActor,
    EventSubType,
    EventType,
    Evidence,
    Figure,
    Location,
)
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


def sub_type(slug: str) -> EventSubType:
    """A seeded sub-type by slug (the taxonomy is seeded by migration 0005)."""
    return EventSubType.objects.select_related("type").get(slug=slug)


def make_event(
    *,
    type: str | EventType | None = None,
    sub_type: str | EventSubType | None = None,
    actors=(),
    **fields,
) -> Event:
    """actors: Actor objects (role party) or (Actor, role) pairs.

    sub_type (a slug or object) sets the type too, unless a type is given.
    """
    n = _n()
    if isinstance(sub_type, str):
        sub_type = EventSubType.objects.select_related("type").get(slug=sub_type)
    if type is None:
        type = sub_type.type if sub_type is not None else "negotiation"
    event_type = type if isinstance(type, EventType) else EventType.objects.get(slug=type)
    if sub_type is not None:
        fields["sub_type"] = sub_type
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


def make_side(
    *,
    event: Event,
    actor: Actor,
    side: str,
    associated: bool = False,
    source_name: str = "",
    role: str = EventActor.Role.PARTY,
) -> EventActor:
    """An actor on side "a" or "b" of an event (associated: ACLED's assoc_actor_N)."""
    return EventActor.objects.create(
        event=event,
        actor=actor,
        role=role,
        side=side,
        associated=associated,
        source_name=source_name,
    )


def make_dataset_record(
    *, event: Event, dataset: str = "acled", row=None, **fields
) -> DatasetRecord:
    row = dict(row if row is not None else ACLED_ROW)
    defaults = {"record_id": row.get("event_id_cnty") or row.get("id") or f"R{_n()}"}
    defaults.update(fields)
    record = DatasetRecord(event=event, dataset=dataset, row=row, **defaults)
    record.full_clean()
    record.save()
    return record


# A real ACLED row (PSE75473 of ../shared/data/acled-gaza/), every column as read: an
# associated actor list on side B, several outlets, a long note.
ACLED_ROW = {
    "event_id_cnty": "PSE75473",
    "event_date": "5-Jun-25",
    "year": "2025",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Air/drone strike",
    "actor1": "Military Forces of Israel (2022-)",
    "assoc_actor_1": "",
    "inter1": "External/Other forces",
    "actor2": "PIJ: Palestinian Islamic Jihad",
    "assoc_actor_2": "Civilians (Palestine); Journalists (Palestine)",
    "inter2": "Political militia",
    "interaction": "Political militia-External/Other forces",
    "civilian_targeting": "",
    "iso": "275",
    "region": "Middle East",
    "country": "Palestine",
    "admin1": "Gaza Strip",
    "admin2": "Gaza City",
    "admin3": "",
    "location": "Gaza",
    "latitude": "31.5045",
    "longitude": "34.4743",
    "geo_precision": "1",
    "source": "Al Ghad (Jordan); Arab 48; Quds News Network; Twitter",
    "source_scale": "New media-National",
    "notes": (
        "On 5 June 2025, Israeli drones targeted a tent sheltering journalists in Al Ahli "
        "Hospital in Gaza (Gaza City, Gaza Strip) killing 4 of them and injuring others. "
        "According to the Israeli media, the IDF targeted a Palestinian Islamic Jihad command "
        "centre. Israeli helicopters also opened fire on the eastern parts of the city, "
        "casualties unknown. Fatalities coded as at least 4."
    ),
    "fatalities": "4",
    "tags": "",
    "timestamp": "1749511122",
}


def make_acled_event(*, resolve: dict[str, Actor] | None = None, **columns) -> Event:
    """An event in the shape the ACLED importer produces for one row (ACLED_ROW by default).

    Type and sub-type from sub_event_type; actor1 and assoc_actor_1 on side A, actor2 and
    assoc_actor_2 on side B, each with the dataset's spelling; the notes as evidence in an
    article citing the row's source; the fatalities as ACLED's coding; the row kept whole.
    `resolve` maps a dataset name to an existing actor (as the importer's aliases do).
    """
    row = {**ACLED_ROW, **columns}
    resolve = resolve or {}
    kind = EventSubType.objects.select_related("type").get(
        acled_sub_event_type=row["sub_event_type"]
    )
    day = datetime.strptime(row["event_date"], "%d-%b-%y").date()
    event = make_event(
        sub_type=kind,
        slug=f"acled-{row['event_id_cnty'].lower()}",
        title=f"{row['sub_event_type']} in {row['location']}",
        date_start=day,
        location=make_location(name=row["location"]),
        external_id=f"acled:{row['event_id_cnty']}",
        external_timestamp=int(row["timestamp"]),
    )
    for side, primary, associated in (
        ("a", "actor1", "assoc_actor_1"),
        ("b", "actor2", "assoc_actor_2"),
    ):
        names = [(row[primary], False)] + [
            (name.strip(), True) for name in row[associated].split(";") if name.strip()
        ]
        for name, is_associated in names:
            if not name:
                continue
            actor = resolve.get(name) or make_actor(name=name, kind=Actor.Kind.OTHER)
            make_side(
                event=event,
                actor=actor,
                side=side,
                associated=is_associated,
                source_name=name if name != actor.name else "",
            )
    article = make_article(
        slug=f"acled-{row['event_id_cnty'].lower()}-notes",
        title=f"ACLED {row['event_id_cnty']}: notes",
        outlet=row["source"],
        published=day,
        dateline=row["location"],
        text=row["notes"],
    )
    evidence = make_evidence(
        event=event, article=article, quote=row["notes"], attributed_to="ACLED"
    )
    fatalities = int(row["fatalities"])
    if fatalities:
        make_figure(
            event=event,
            basis=Figure.Basis.CODING,
            low=fatalities,
            qualifier=Figure.Qualifier.AT_LEAST,
            attributed_to="ACLED",
            evidence=evidence,
        )
    make_dataset_record(
        event=event,
        dataset=DatasetRecord.Dataset.ACLED,
        row=row,
        record_id=row["event_id_cnty"],
        revision=int(row["timestamp"]),
        article=article,
    )
    return event
