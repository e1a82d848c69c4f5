"""UCDP's Georeferenced Event Dataset (GED): its vocabulary, import and export.

Import (``import_ucdp``): one published Event per GED id (slug ``ucdp-<id>``), reading
GED 23.1's 49 columns in UCDP's own CSV forms, with
- its sub-type: the EventSubType whose ucdp_type_of_violence is the row's type_of_violence
  (1 state-based and 2 non-state violence: armed clash; 3 one-sided violence: violence
  against civilians);
- a DatasetRecord holding every column as read;
- its dates: date_start..date_end (``YYYY-MM-DD`` or UCDP's ``YYYY-MM-DD 00:00:00.000``),
  date_prec 1 exact day -> day; 2 (a 2–6 day span) -> approximate; 3 -> week; 4 -> month;
  5 -> year;
- its place: country > adm_1 > adm_2 > where_coordinates (when where_coordinates names one
  of the admin units, that unit is the place); where_prec 1 -> geo_precision 1, 2 (within
  25 km) -> 2, 3–7 (an admin unit, a line, the country, waters) -> 3;
- its actors: side_a side A, side_b side B; in one-sided violence side A is the initiator
  and side B the target, otherwise both are parties. "Government of …" is a state,
  "Civilians" civilians, anything else an armed group;
- one killed Figure with UCDP's best estimate inside its low..high range, basis coding,
  attributed to UCDP (none when all three are 0). GED's low is now and then above its best
  or its high (13 of the 1,000 sample rows): the figure's range spans the three numbers,
  and the record keeps GED's own;
- the source_headline (else source_article) as the quoted Article, outlet
  "UCDP GED: <source_office>", citing one Outlet per ";"-separated source_office.
event_clarity (1, 2), number_of_sources (-1 for "not recorded") and the rest are checked
where they have a codebook range and kept in the record.

UCDP has no revision stamp: a re-import rewrites a row whose columns differ from the
stored record's and leaves the rest untouched (not even resolved). Import is atomic.

Export (``FORMAT``, at /events.ucdp.csv): an event imported from UCDP gives back its stored
row, all 49 columns (date_start/date_end as ISO unless ``date_format=ucdp``); any other
event is written by ``mapped_row``.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.text import slugify

from timeline.datasets.base import (
    ActorSpec,
    DatasetFormat,
    DatasetRow,
    FigureSpec,
    ImportResult,
    Progress,
    checked_name,
    cited_outlets,
    fits,
    import_dataset,
    killed_figures,
    location_chain,
    parse_coordinate,
    parse_date,
    parse_int,
    short_title,
    sides,
    split_names,
)
from timeline.models import Actor, DatePrecision, EventActor, Figure, Location

# The GED 23.1 codebook's columns, in order.
UCDP_COLUMNS = [
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
]

REQUIRED_COLUMNS = [
    "id",
    "type_of_violence",
    "conflict_name",
    "dyad_name",
    "side_a",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "country",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
]

VIOLENCE_TYPES = {1: "State-based violence", 2: "Non-state violence", 3: "One-sided violence"}
# Our type for each, as timeline/event_types.py files the sub-types (for messages and tests;
# the import reads the database's EventSubType rows).
VIOLENCE_TYPE_TO_OURS = {1: "armed-clash", 2: "armed-clash", 3: "violence-against-civilians"}
DATE_PRECISIONS = {
    "1": DatePrecision.DAY,
    "2": DatePrecision.APPROXIMATE,
    "3": DatePrecision.WEEK,
    "4": DatePrecision.MONTH,
    "5": DatePrecision.YEAR,
}
DATE_PREC_FOR = {value: key for key, value in DATE_PRECISIONS.items()}
GEO_PRECISIONS = {"1": 1, "2": 2, "3": 3, "4": 3, "5": 3, "6": 3, "7": 3}
UCDP_DATE_TIME = " 00:00:00.000"  # UCDP's own CSV writes its dates as timestamps


def actor_kind(name: str) -> str:
    if name.startswith("Government of"):
        return Actor.Kind.STATE
    if name.casefold() == "civilians":
        return Actor.Kind.CIVILIANS
    return Actor.Kind.ARMED_GROUP


def parse_row(line: int, row: dict[str, str]) -> DatasetRow:
    """One GED row in our terms; ValueError with the reason when it is bad."""
    ged_id = row["id"].strip()
    if not ged_id or len(ged_id) > 90 or not slugify(ged_id):
        raise ValueError(f"id {row['id']!r} is not a GED event id")
    violence_text = row["type_of_violence"].strip()
    if violence_text not in {"1", "2", "3"}:
        raise ValueError(f"type_of_violence {violence_text!r} is not 1, 2 or 3")
    violence = int(violence_text)
    violence_label = VIOLENCE_TYPES[violence]
    start = parse_date(row["date_start"], "date_start")
    end = parse_date(row["date_end"], "date_end")
    if end < start:
        raise ValueError(f"date_end {end} is before date_start {start}")
    date_prec = row["date_prec"].strip()
    if date_prec not in DATE_PRECISIONS:
        raise ValueError(f"date_prec {date_prec!r} is not 1–5")
    where_prec = row["where_prec"].strip()
    if where_prec not in GEO_PRECISIONS:
        raise ValueError(f"where_prec {where_prec!r} is not 1–7")
    clarity = row["event_clarity"].strip()
    if clarity not in {"1", "2"}:
        raise ValueError(f"event_clarity {clarity!r} is not 1 or 2")
    parse_int(row["number_of_sources"], "number_of_sources", minimum=-1)
    latitude = parse_coordinate(row["latitude"], "latitude", 90)
    longitude = parse_coordinate(row["longitude"], "longitude", 180)
    deaths = {
        column: parse_int(row[column], column)
        for column in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
    }
    best = parse_int(row["best"], "best")
    low = parse_int(row["low"], "low")
    high = parse_int(row["high"], "high")

    country = checked_name(row["country"], "country")
    if not country:
        raise ValueError("country is empty")
    places = [
        (country, Location.Kind.COUNTRY),
        (checked_name(row["adm_1"], "adm_1"), Location.Kind.REGION),
        (checked_name(row["adm_2"], "adm_2"), Location.Kind.DISTRICT),
    ]
    places = [(name, kind) for name, kind in places if name]
    place = checked_name(row["where_coordinates"], "where_coordinates") or places[-1][0]
    # where_coordinates naming an admin unit (where_prec 3–6) means that unit is the place.
    for index, (name, _) in enumerate(places):
        if name.casefold() == place.casefold():
            places = places[: index + 1]
            break
    else:
        places.append((place, Location.Kind.PLACE))

    side_a = checked_name(row["side_a"], "side_a")
    side_b = checked_name(row["side_b"], "side_b")
    one_sided = violence == 3
    actors = [
        ActorSpec(
            name=name,
            role=role if one_sided else EventActor.Role.PARTY,
            side=side,
            kind=actor_kind(name),
        )
        for name, side, role in (
            (side_a, EventActor.Side.A, EventActor.Role.INITIATOR),
            (side_b, EventActor.Side.B, EventActor.Role.TARGET),
        )
        if name
    ]

    text = row["source_headline"].strip() or row["source_article"].strip()
    if not text:
        raise ValueError("source_headline and source_article are both empty; one is the evidence")
    office = " ".join(row["source_office"].split())
    try:
        published = parse_date(row["source_date"].split(";")[0], "source_date")
    except ValueError:
        published = start  # GED leaves source_date blank or partial now and then
    dyad = row["dyad_name"].strip()
    # GED counts one-sided violence's victims as side B and as civilians: say it once.
    by_side = [(deaths["deaths_a"], side_a or "side A")]
    if not one_sided:
        by_side.append((deaths["deaths_b"], side_b or "side B"))
    by_side += [(deaths["deaths_civilians"], "civilians"), (deaths["deaths_unknown"], "unknown")]
    summary = f"UCDP best estimate {best:,} killed (low {low:,}, high {high:,}): " + (
        ", ".join(f"{count:,} {who}" for count, who in by_side) + "."
    )
    relid = row.get("relid", "").strip()
    provenance = [
        f"UCDP GED {ged_id}" + (f" ({relid})" if relid else ""),
        violence_label,
        f"conflict {row['conflict_name'].strip()}",
        f"date_prec {date_prec}",
        f"where_prec {where_prec}",
    ]
    bottom, top = min(low, best, high), max(low, best, high)
    title = f"{violence_label} in {place}" + (f": {dyad}" if dyad else "")
    return DatasetRow(
        line=line,
        dataset="ucdp",
        record=ged_id,
        revision=None,
        raw=row,
        type_slug=VIOLENCE_TYPE_TO_OURS[violence],
        sub_type_code=violence,
        title=fits(title, 500) or f"{violence_label} in {place}",
        summary=summary,
        date_start=start,
        date_end=end if end != start else None,
        date_precision=DATE_PRECISIONS[date_prec],
        reported_on=published,
        notes="; ".join(provenance) + ".",
        places=places,
        latitude=latitude,
        longitude=longitude,
        geo_precision=GEO_PRECISIONS[where_prec],
        actors=actors,
        outlets=split_names(office, "source_office"),
        article_title=short_title(text),
        article_outlet=f"UCDP GED: {office}" if office else "UCDP GED",
        article_published=published,
        article_dateline=fits(place, 200),
        article_text=text,
        attributed_to="UCDP GED",
        figure=(
            FigureSpec(
                low=bottom,
                best=best,
                high=top,
                qualifier=Figure.Qualifier.EXACT if bottom == top else Figure.Qualifier.ABOUT,
            )
            if top > 0
            else None
        ),
        deaths=best,
    )


# --- Writing one of our events as a GED row ----------------------------------------------------


def type_of_violence_for(event, side_a, side_b) -> str:
    """The sub-type's type_of_violence, else one by type: violence against civilians and
    casualty reports one-sided (3); strikes and clashes state-based (1) when a state is on
    a side, else non-state (2); anything else is not organised violence in GED's terms."""
    if event.sub_type is not None and event.sub_type.ucdp_type_of_violence:
        return str(event.sub_type.ucdp_type_of_violence)
    slug = event.type.slug
    if slug in {"violence-against-civilians", "casualty-report"}:
        return "3"
    if slug in {"armed-clash", "military-strike"}:
        states = any(link.actor.kind == Actor.Kind.STATE for link in side_a + side_b)
        return "1" if states else "2"
    return ""


def _ucdp_date(day, date_format: str) -> str:
    return day.isoformat() + (UCDP_DATE_TIME if date_format == "ucdp" else "")


def mapped_row(event, date_format: str = "iso") -> dict[str, str]:
    """One of our events (curated, proposed, or from another dataset) as a GED row.

    The mapping: sub-type/type -> type_of_violence; sides (else roles) -> side_a, side_b
    (names as the source gave them, a side's actors joined by ", "); the place and its
    ancestors -> country, adm_1, adm_2, where_coordinates, coordinates, where_prec from
    geo_precision; dates and precision -> date_start, date_end, date_prec; killed figures
    -> low (the lowest), high (the highest), best (a coding's best, else the low); the
    evidence -> number_of_sources, source_office (outlets), source_date, source_headline
    (article titles), source_original (attributions). No id: the event is not UCDP's.
    """
    side_a, side_b = sides(event)
    chain = location_chain(event.location)
    admin = {"country": "", "region": "", "district": ""}
    for node in chain:
        if node.kind in admin and not admin[node.kind]:
            admin[node.kind] = node.name
    location = event.location
    killed = killed_figures(event)
    low = min((figure.low for figure in killed), default=0)
    high = max(
        (figure.high if figure.high is not None else figure.low for figure in killed), default=0
    )
    coded = [figure.best for figure in killed if figure.best is not None]
    best = coded[0] if coded else low
    evidence = list(event.evidence.all())
    articles = list({item.article_id: item.article for item in evidence}.values())
    latitude = location.latitude if location else None
    longitude = location.longitude if location else None
    a_names = ", ".join(link.name_as_given for link in side_a)
    b_names = ", ".join(link.name_as_given for link in side_b)
    last = event.date_end or event.date_start
    return {
        "id": "",
        "year": str(event.date_start.year),
        "type_of_violence": type_of_violence_for(event, side_a, side_b),
        "dyad_name": f"{a_names} - {b_names}" if a_names and b_names else "",
        "side_a": a_names,
        "side_b": b_names,
        "number_of_sources": str(len(articles)),
        "source_office": ";".join(cited_outlets(event)),
        "source_date": ";".join(article.published.isoformat() for article in articles),
        "source_headline": ";".join(article.title for article in articles),
        "source_original": ";".join(
            dict.fromkeys(item.attributed_to for item in evidence if item.attributed_to)
        ),
        "where_prec": str(location.geo_precision or "") if location else "",
        "where_coordinates": location.name if location else "",
        "where_description": ", ".join(node.name for node in chain),
        "adm_1": admin["region"],
        "adm_2": admin["district"],
        "latitude": "" if latitude is None else repr(latitude),
        "longitude": "" if longitude is None else repr(longitude),
        "geom_wkt": "" if latitude is None else f"POINT ({longitude!r} {latitude!r})",
        "country": admin["country"],
        "date_prec": DATE_PREC_FOR.get(event.date_precision, ""),
        "date_start": _ucdp_date(event.date_start, date_format),
        "date_end": _ucdp_date(last, date_format),
        "best": str(best),
        "high": str(high),
        "low": str(low),
    }


# --- Import --------------------------------------------------------------------------------------

FORMAT = DatasetFormat(
    key="ucdp",
    name="UCDP",
    columns=UCDP_COLUMNS,
    required=REQUIRED_COLUMNS,
    parse_row=parse_row,
    mapped_row=mapped_row,
    date_columns=("date_start", "date_end"),
    sub_type_field="ucdp_type_of_violence",
    compare_by_revision=False,
)


def import_ucdp(
    *,
    path: Path | str,
    skip_bad: bool = False,
    progress: Progress | None = None,
    bulk: bool = False,
) -> ImportResult:
    """Import a UCDP GED CSV (or .csv.gz); atomic and idempotent on the GED id.

    Raises DatasetImportError naming the file and the bad lines (nothing written), unless
    skip_bad, when bad lines are left out and listed in ImportResult.skipped.
    """
    return import_dataset(FORMAT, path=path, skip_bad=skip_bad, progress=progress, bulk=bulk)
