"""ACLED: its vocabulary, how a row becomes an event, and how an event becomes a row.

Import (``import_acled``): one published Event per event_id_cnty (slug ``acled-<id>``),
with
- its sub-type: the EventSubType whose acled_sub_event_type is the row's sub_event_type
  (each of ACLED's 25 is exactly one sub-type; see timeline/event_types.py), its type that
  sub-type's type;
- a DatasetRecord holding every column as read (extra columns too), revision = timestamp;
- the notes as an Article (outlet "ACLED: <source>", the whole source string) quoted whole
  by one Evidence attributed to ACLED, the Article citing one Outlet per ";"-separated
  source;
- a killed Figure of "at least <fatalities>", basis coding, attributed to ACLED, when
  fatalities > 0 ("at least 0" is noise; the row keeps the 0);
- its place: country > admin1 (region) > admin2 (district) > admin3 (place) > location
  (place, with ACLED's coordinates and the most precise geo_precision seen for it);
- its actors by side: actor1 and assoc_actor_1 side A, actor2 and assoc_actor_2 side B,
  the assoc_ ones marked associated. Roles: where ACLED's event type says who acts on whom
  (remote violence, violence against civilians, arrests, looting and property destruction,
  disrupted weapons use) side A is initiator and side B target, and with excessive force
  against protesters the other way round; in battles, protests, riots, agreements and the
  other strategic developments both sides are parties. Actors resolve through names and
  aliases, ignoring ACLED's period in the name ("Military Forces of Israel (2022-)" is
  the actor "Military Forces of Israel"); the link keeps ACLED's spelling as source_name.

A re-import compares ACLED's timestamp with the stored record's: rows with the same one are
left alone (not even resolved); others are rewritten. Import is atomic.

Export (``FORMAT`` through datasets/base.py, at /events.acled.csv): an event imported from
ACLED gives back its stored row, all 31 columns as read (event_date as ISO unless
``date_format=acled``); every other event is written by ``mapped_row``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from django.utils.text import slugify

from timeline.datasets.base import (
    ActorSpec,
    DatasetFormat,
    DatasetImportError,
    DatasetRow,
    FigureSpec,
    ImportResult,
    Progress,
    RowProblem,
    checked_name,
    cited_outlets,
    coordinate_text,
    day_month_year,
    fits,
    import_dataset,
    killed_figures,
    location_chain,
    parse_coordinate,
    parse_date,
    parse_int,
    read_csv,
    short_title,
    sides,
    slug_of,
    split_names,
)
from timeline.event_types import SUB_TYPES
from timeline.extraction.gazetteer import GazetteerEntry
from timeline.models import DatePrecision, EventActor, Figure, Location

__all__ = ["DatasetImportError", "ImportResult", "RowProblem"]

# ACLED's export columns, in ACLED's order (the 31 of the standard export).
ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

# The columns the importer reads; every column, these and others, is kept in the record.
REQUIRED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    "timestamp",
]

# ACLED's codebook: sub_event_type -> its event_type.
SUB_EVENT_TYPES: dict[str, str] = {
    "Armed clash": "Battles",
    "Government regains territory": "Battles",
    "Non-state actor overtakes territory": "Battles",
    "Air/drone strike": "Explosions/Remote violence",
    "Shelling/artillery/missile attack": "Explosions/Remote violence",
    "Remote explosive/landmine/IED": "Explosions/Remote violence",
    "Grenade": "Explosions/Remote violence",
    "Suicide bomb": "Explosions/Remote violence",
    "Chemical weapon": "Explosions/Remote violence",
    "Attack": "Violence against civilians",
    "Abduction/forced disappearance": "Violence against civilians",
    "Sexual violence": "Violence against civilians",
    "Peaceful protest": "Protests",
    "Protest with intervention": "Protests",
    "Excessive force against protesters": "Protests",
    "Violent demonstration": "Riots",
    "Mob violence": "Riots",
    "Agreement": "Strategic developments",
    "Arrests": "Strategic developments",
    "Change to group/activity": "Strategic developments",
    "Disrupted weapons use": "Strategic developments",
    "Headquarters or base established": "Strategic developments",
    "Looting/property destruction": "Strategic developments",
    "Non-violent transfer of territory": "Strategic developments",
    "Other": "Strategic developments",
}

# sub_event_type -> our EventType slug, from the taxonomy (the import reads the database's
# EventSubType rows, which migrations seed from the same table; evaluation reads this).
SUB_EVENT_TYPE_TO_OURS: dict[str, str] = {
    acled_sub: type_slug for type_slug, _, _, acled_sub, _, _ in SUB_TYPES if acled_sub
}

DISORDER_TYPES = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

_I, _T, _P = EventActor.Role.INITIATOR, EventActor.Role.TARGET, EventActor.Role.PARTY
# (side A's role, side B's role) by event_type, then by sub_event_type where it differs.
ROLES_BY_EVENT_TYPE = {
    "Battles": (_P, _P),
    "Explosions/Remote violence": (_I, _T),
    "Violence against civilians": (_I, _T),
    "Protests": (_P, _P),
    "Riots": (_P, _P),
    "Strategic developments": (_I, _T),
}
ROLES_BY_SUB_EVENT_TYPE = {
    "Excessive force against protesters": (_T, _I),  # side B, the state, used force
    "Agreement": (_P, _P),
    "Non-violent transfer of territory": (_P, _P),
    "Change to group/activity": (_P, _P),
    "Headquarters or base established": (_P, _P),
    "Other": (_P, _P),
}

# inter1/inter2: ACLED's current labels, and the numeric codes of older exports.
ACTOR_TYPE_CODES = {
    "1": "State forces",
    "2": "Rebel group",
    "3": "Political militia",
    "4": "Identity militia",
    "5": "Rioters",
    "6": "Protesters",
    "7": "Civilians",
    "8": "External/Other forces",
}
# Older exports and the codebook use plural labels; they mean the same types.
_ACTOR_TYPE_SYNONYMS = {
    "rebel groups": "Rebel group",
    "political militias": "Political militia",
    "identity militias": "Identity militia",
    "rioter": "Rioters",
    "protester": "Protesters",
    "civilian": "Civilians",
    "state force": "State forces",
    "external/other force": "External/Other forces",
}
ACTOR_TYPE_TO_KIND = {
    "State forces": "state",
    "External/Other forces": "state",
    "Rebel group": "armed-group",
    "Political militia": "armed-group",
    "Identity militia": "armed-group",
    "Civilians": "civilians",
    "Protesters": "other",
    "Rioters": "other",
}
TIME_PRECISION_FOR = {DatePrecision.DAY: "1", DatePrecision.WEEK: "2"}  # coarser: "3"


def our_type_for(sub_event_type: str) -> str | None:
    """Our EventType slug for an ACLED sub_event_type (None when ACLED has no such type)."""
    return SUB_EVENT_TYPE_TO_OURS.get(sub_event_type.strip())


@lru_cache(maxsize=256)
def actor_type_label(value: str) -> str | None:
    """ACLED's label for an inter1/inter2 value (a label or a code 1–8); '' and '0' -> ''.

    None means the value is not an ACLED actor type.
    """
    value = value.strip()
    if value in {"", "0"}:
        return ""
    if value in ACTOR_TYPE_CODES:
        return ACTOR_TYPE_CODES[value]
    for label in ACTOR_TYPE_TO_KIND:
        if value.casefold() == label.casefold():
            return label
    return _ACTOR_TYPE_SYNONYMS.get(value.casefold())


def actor_kind_for(acled_type: str) -> str:
    """Our Actor.kind for an ACLED actor type label ('other' when unknown or blank)."""
    return ACTOR_TYPE_TO_KIND.get(acled_type, "other")


def roles_for(event_type: str, sub_event_type: str) -> tuple[str, str]:
    """(side A's role, side B's role) for an ACLED event."""
    return ROLES_BY_SUB_EVENT_TYPE.get(
        sub_event_type, ROLES_BY_EVENT_TYPE.get(event_type, (_P, _P))
    )


# --- Reading a row ---------------------------------------------------------------------------

# ACLED opens many notes with a label ("Property destruction: On 6 June …"); it makes a
# better title head than a catch-all sub_event_type such as "Other".
_NOTES_LABEL = re.compile(r"^([A-Z][A-Za-z /-]{2,40}):\s")


def parse_row(line: int, row: dict[str, str]) -> DatasetRow:
    """One ACLED row in our terms; ValueError with the reason when it is bad."""
    event_id = row["event_id_cnty"].strip()
    if not event_id:
        raise ValueError("event_id_cnty is empty")
    if len(event_id) > 90 or not slug_of(event_id):
        raise ValueError(f"event_id_cnty {event_id!r} is not an ACLED event id")
    when = parse_date(row["event_date"], "event_date")
    year = row.get("year", "").strip()
    if year and year != str(when.year):
        raise ValueError(f"year {year} does not match event_date {row['event_date']!r}")
    precision = row["time_precision"].strip()
    if precision == "1":
        start, end, our_precision = when, None, DatePrecision.DAY
    elif precision == "2":
        start = when - timedelta(days=when.weekday())  # the ISO week around the date
        end, our_precision = start + timedelta(days=6), DatePrecision.WEEK
    elif precision == "3":
        start = when.replace(day=1)
        end = when.replace(day=calendar.monthrange(when.year, when.month)[1])
        our_precision = DatePrecision.MONTH
    else:
        raise ValueError(f"time_precision {precision!r} is not 1, 2 or 3")

    sub_event_type = row["sub_event_type"].strip()
    if sub_event_type not in SUB_EVENT_TYPES:
        raise ValueError(f"unknown sub_event_type {sub_event_type!r}")
    expected_event_type = SUB_EVENT_TYPES[sub_event_type]
    event_type = row["event_type"].strip()
    if event_type and event_type != expected_event_type:
        raise ValueError(
            f"event_type {event_type!r} does not go with sub_event_type {sub_event_type!r}"
            f" (ACLED files it under {expected_event_type!r})"
        )

    actors: list[ActorSpec] = []
    for number, side, role in zip(
        ("1", "2"),
        (EventActor.Side.A, EventActor.Side.B),
        roles_for(expected_event_type, sub_event_type),
        strict=True,
    ):
        name = checked_name(row[f"actor{number}"], f"actor{number}")
        label = actor_type_label(row[f"inter{number}"])
        if label is None:
            raise ValueError(f"inter{number} {row[f'inter{number}']!r} is not an ACLED actor type")
        kind = actor_kind_for(label)
        if name:
            actors.append(ActorSpec(name=name, role=role, side=side, acled_type=label, kind=kind))
        # ACLED gives no type for associated actors; they take their side's kind.
        for assoc in split_names(row[f"assoc_actor_{number}"], f"assoc_actor_{number}"):
            actors.append(ActorSpec(name=assoc, role=role, side=side, associated=True, kind=kind))

    place = checked_name(row["location"], "location")
    if not place:
        raise ValueError("location is empty")
    places = [
        (checked_name(row["country"], "country"), Location.Kind.COUNTRY),
        (checked_name(row["admin1"], "admin1"), Location.Kind.REGION),
        (checked_name(row["admin2"], "admin2"), Location.Kind.DISTRICT),
        (checked_name(row["admin3"], "admin3"), Location.Kind.PLACE),
        (place, Location.Kind.PLACE),
    ]
    if not places[0][0]:
        raise ValueError("country is empty")
    latitude = parse_coordinate(row["latitude"], "latitude", 90)
    longitude = parse_coordinate(row["longitude"], "longitude", 180)
    geo_precision = parse_int(row["geo_precision"], "geo_precision", minimum=1)
    if geo_precision > 3:
        raise ValueError(f"geo_precision {geo_precision} is not 1, 2 or 3")
    fatalities = parse_int(row["fatalities"], "fatalities")
    timestamp = parse_int(row["timestamp"], "timestamp")
    notes = row["notes"].strip()
    if not notes:
        raise ValueError("notes is empty; the notes are the event's evidence")
    source = " ".join(row["source"].split())

    label = _NOTES_LABEL.match(notes)
    head = label.group(1) if label else sub_event_type
    provenance = [
        f"ACLED {event_id}: {expected_event_type} / {sub_event_type}",
        f"fatalities {fatalities}",
        f"time_precision {precision}",
        f"geo_precision {geo_precision}",
    ]
    return DatasetRow(
        line=line,
        dataset="acled",
        record=event_id,
        revision=timestamp,
        raw=row,
        type_slug=SUB_EVENT_TYPE_TO_OURS[sub_event_type],
        sub_type_code=sub_event_type,
        title=f"{head} in {place}",
        date_start=start,
        date_end=end,
        date_precision=our_precision,
        reported_on=when,
        notes="; ".join(provenance) + ".",
        places=places,
        latitude=latitude,
        longitude=longitude,
        geo_precision=geo_precision,
        actors=actors,
        outlets=split_names(source, "source"),
        article_title=short_title(notes),
        article_outlet=f"ACLED: {source}" if source else "ACLED",
        article_published=when,
        article_dateline=fits(place, 200),
        article_text=notes,
        attributed_to="ACLED",
        figure=(
            FigureSpec(low=fatalities, high=None, qualifier=Figure.Qualifier.AT_LEAST)
            if fatalities > 0
            else None
        ),
        deaths=fatalities,
    )


QUICK_COLUMNS = ("event_id_cnty", "timestamp", "fatalities")


def quick_revision(event_id: str, timestamp: str, fatalities: str) -> tuple[str, int, int]:
    """(event_id_cnty, timestamp, fatalities) as parse_row reads them, from the values of
    QUICK_COLUMNS; ValueError if not."""
    return (
        event_id.strip(),
        parse_int(timestamp, "timestamp"),
        parse_int(fatalities, "fatalities"),
    )


# --- Writing one of our events as an ACLED row ------------------------------------------------


def acled_types_for(event) -> tuple[str, str]:
    """(event_type, sub_event_type): the sub-type's when it is one of ACLED's, else the
    type's own pair (seeded from timeline/event_types.py, editable in the admin)."""
    sub_type = event.sub_type
    if sub_type is not None and sub_type.acled_sub_event_type in SUB_EVENT_TYPES:
        return SUB_EVENT_TYPES[sub_type.acled_sub_event_type], sub_type.acled_sub_event_type
    return event.type.acled_event_type, event.type.acled_sub_event_type


def mapped_row(event, date_format: str = "iso") -> dict[str, str]:
    """One of our events (curated, proposed, or from another dataset) as an ACLED row.

    The mapping: type/sub-type -> event_type, sub_event_type, disorder_type; sides (else
    roles) -> actor1/assoc_actor_1 and actor2/assoc_actor_2 in the source's spelling, with
    ACLED actor types; the place and its ancestors -> country, admin1–3, location; killed
    figures -> fatalities by ACLED's rule (the lowest reported); the outlets cited -> source;
    the first quote -> notes. No event_id_cnty: the event is not ACLED's.
    """
    acled_event_type, sub_event_type = acled_types_for(event)
    side_a, side_b = sides(event)
    killed = killed_figures(event)
    quotes = [evidence.quote for evidence in event.evidence.all()]
    chain = location_chain(event.location)
    admin = {"country": "", "region": "", "district": ""}
    admin3 = ""
    for index, node in enumerate(chain):
        if node.kind == Location.Kind.PLACE:
            if index and not admin3:  # a place above the event's place: admin3
                admin3 = node.name
        elif node.kind in admin and not admin[node.kind]:
            admin[node.kind] = node.name
    inter1 = side_a[0].actor.acled_type if side_a else ""
    inter2 = side_b[0].actor.acled_type if side_b else ""
    if inter1 and inter2:
        interaction = f"{inter1}-{inter2}"
    else:
        interaction = f"{inter1 or inter2} only" if inter1 or inter2 else ""
    civilians_targeted = any(link.actor.kind == "civilians" for link in side_b)
    when = event.date_start
    return {
        "event_id_cnty": "",
        "event_date": day_month_year(when) if date_format == "acled" else when.isoformat(),
        "year": str(when.year),
        "time_precision": TIME_PRECISION_FOR.get(event.date_precision, "3"),
        "disorder_type": DISORDER_TYPES.get(acled_event_type, ""),
        "event_type": acled_event_type,
        "sub_event_type": sub_event_type,
        "actor1": side_a[0].name_as_given if side_a else "",
        "assoc_actor_1": "; ".join(link.name_as_given for link in side_a[1:]),
        "inter1": inter1,
        "actor2": side_b[0].name_as_given if side_b else "",
        "assoc_actor_2": "; ".join(link.name_as_given for link in side_b[1:]),
        "inter2": inter2,
        "interaction": interaction,
        "civilian_targeting": "Civilian targeting" if civilians_targeted else "",
        "country": admin["country"],
        "admin1": admin["region"],
        "admin2": admin["district"],
        "admin3": admin3,
        "location": event.location.name if event.location else "",
        "latitude": coordinate_text(event.location.latitude if event.location else None),
        "longitude": coordinate_text(event.location.longitude if event.location else None),
        "geo_precision": str(event.location.geo_precision or "") if event.location else "",
        "source": "; ".join(cited_outlets(event)),
        "notes": quotes[0] if quotes else event.summary,
        # ACLED's rule for contested counts: the lowest reported number killed.
        "fatalities": str(min((figure.low for figure in killed), default=0)),
        "timestamp": str(int(event.updated.timestamp())),
    }


# --- Import --------------------------------------------------------------------------------------

FORMAT = DatasetFormat(
    key="acled",
    name="ACLED",
    columns=ACLED_COLUMNS,
    required=REQUIRED_COLUMNS,
    parse_row=parse_row,
    mapped_row=mapped_row,
    date_columns=("event_date",),
    sub_type_field="acled_sub_event_type",
    compare_by_revision=True,
    quick_columns=QUICK_COLUMNS,
    quick_revision=quick_revision,
)


def import_acled(
    *,
    path: Path | str,
    skip_bad: bool = False,
    progress: Progress | None = None,
    bulk: bool = False,
) -> ImportResult:
    """Import an ACLED CSV (or .csv.gz) export; atomic and idempotent on event_id_cnty.

    Raises DatasetImportError naming the file and the bad lines (nothing written), unless
    skip_bad, when bad lines are left out and listed in ImportResult.skipped.
    """
    return import_dataset(FORMAT, path=path, skip_bad=skip_bad, progress=progress, bulk=bulk)


# --- Evaluation: the extractor against ACLED's coding of its own notes ---------------------------


def read_acled_rows(path: Path) -> Iterator[DatasetRow | RowProblem]:
    """Each row of an ACLED CSV (or .csv.gz) in our terms, or the problem that stops it.

    Reads no database. Raises DatasetImportError when the file is unreadable or lacks a
    column.
    """
    for line, raw in read_csv(path, required=REQUIRED_COLUMNS):
        try:
            if "__problem__" in raw:
                raise ValueError(raw["__problem__"])
            yield parse_row(line, raw)
        except ValueError as error:
            yield RowProblem(line, str(error), raw.get("event_id_cnty", ""))


def acled_row_entries(row: DatasetRow) -> tuple[GazetteerEntry, ...]:
    """The row's own places (country, admin1–3, location) and actors as gazetteer entries.

    ACLED names actors with a period ("Military Forces of Israel (2022-)"); its notes
    write them without, so the name without the bracket is added as a variant.
    """
    entries = [GazetteerEntry("location", slugify(name), (name,)) for name, _ in row.places]
    for actor in row.actors:
        bare = re.sub(r"\s*\([^)]*\)\s*$", "", actor.name).strip()
        names = tuple(dict.fromkeys(n for n in (actor.name, bare) if n))
        entries.append(GazetteerEntry("actor", slugify(actor.name), names))
    return tuple(entries)
