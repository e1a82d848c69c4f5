"""Import UCDP's Georeferenced Event Dataset (GED) CSV: one published Event per GED id.

Mapping decisions (see also importing/acled.py, whose machinery this shares):
- type_of_violence 1 (state-based) and 2 (non-state) -> armed-clash; 3 (one-sided violence
  against civilians) -> casualty-report, as ACLED's "Violence against civilians" is.
- best/low/high -> one killed Figure: low..high, qualifier exact when low == high, else
  about. The best estimate, and the deaths by side, go in the event's summary. No figure
  when high is 0 (as for ACLED's zero fatalities).
- date_prec 1 exact day -> day; 2 (a 2–6 day span) -> approximate; 3 -> week; 4 -> month;
  5 -> year, over GED's own date_start..date_end.
- where_prec 1 -> geo_precision 1, 2 (within 25 km) -> 2, 3–7 (an admin unit, a line, the
  country, waters) -> 3. Place: country > adm_1 > adm_2 > where_coordinates; when
  where_coordinates names one of the admin units, that unit is the place.
- side_a / side_b: one-sided violence has side_a initiator and side_b target; otherwise
  both are parties. "Government of …" is a state, "Civilians" civilians, else armed group.
- The evidence Article holds source_headline (or source_article when there is no headline),
  outlet "UCDP GED: <source_office>", attributed to source_original (else source_office).
- UCDP has no revision timestamp: a re-import updates an event when anything it maps to
  differs from what is stored, and leaves the rest untouched.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.text import slugify

from timeline.importing.acled import (
    ActorSpec,
    DatasetRow,
    ImportResult,
    Progress,
    clip,
    parse_coordinate,
    parse_date,
    parse_int,
    parse_rows,
    short_title,
    write_dataset_rows,
)
from timeline.models import Actor, DatePrecision, EventActor, Figure, Location

# The GED codebook's columns, in order.
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

VIOLENCE_TYPES = {
    "1": ("State-based violence", "armed-clash"),
    "2": ("Non-state violence", "armed-clash"),
    "3": ("One-sided violence", "casualty-report"),
}
DATE_PRECISIONS = {
    "1": DatePrecision.DAY,
    "2": DatePrecision.APPROXIMATE,
    "3": DatePrecision.WEEK,
    "4": DatePrecision.MONTH,
    "5": DatePrecision.YEAR,
}
GEO_PRECISIONS = {"1": 1, "2": 2, "3": 3, "4": 3, "5": 3, "6": 3, "7": 3}


def _actor_kind(name: str) -> str:
    if name.startswith("Government of"):
        return Actor.Kind.STATE
    if name.casefold() == "civilians":
        return Actor.Kind.CIVILIANS
    return Actor.Kind.ARMED_GROUP


def parse_ucdp_row(line: int, row: dict[str, str]) -> DatasetRow:
    """One GED row in our terms; ValueError with the reason when it is bad."""
    if "__problem__" in row:
        raise ValueError(row["__problem__"])
    ged_id = row["id"].strip()
    if not ged_id or len(ged_id) > 90 or not slugify(ged_id):
        raise ValueError(f"id {row['id']!r} is not a GED event id")
    violence = row["type_of_violence"].strip()
    if violence not in VIOLENCE_TYPES:
        raise ValueError(f"type_of_violence {violence!r} is not 1, 2 or 3")
    violence_label, type_slug = VIOLENCE_TYPES[violence]
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
    latitude = parse_coordinate(row["latitude"], "latitude", 90)
    longitude = parse_coordinate(row["longitude"], "longitude", 180)
    deaths = {
        column: parse_int(row[column], column)
        for column in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
    }
    best = parse_int(row["best"], "best")
    low = parse_int(row["low"], "low")
    high = parse_int(row["high"], "high")
    if not low <= best <= high:
        raise ValueError(f"best {best} is not between low {low} and high {high}")

    country = row["country"].strip()
    if not country:
        raise ValueError("country is empty")
    places = [
        (country, Location.Kind.COUNTRY),
        (row["adm_1"].strip(), Location.Kind.REGION),
        (row["adm_2"].strip(), Location.Kind.DISTRICT),
    ]
    places = [(name, kind) for name, kind in places if name]
    place = row["where_coordinates"].strip() or places[-1][0]
    # where_coordinates naming an admin unit (where_prec 3–6) means that unit is the place.
    for index, (name, _) in enumerate(places):
        if name.casefold() == place.casefold():
            places = places[: index + 1]
            break
    else:
        places.append((place, Location.Kind.PLACE))

    side_a, side_b = row["side_a"].strip(), row["side_b"].strip()
    one_sided = violence == "3"
    actors = [
        ActorSpec(
            name=name,
            role=role if one_sided else EventActor.Role.PARTY,
            kind=_actor_kind(name),
        )
        for name, role in ((side_a, EventActor.Role.INITIATOR), (side_b, EventActor.Role.TARGET))
        if name
    ]

    text = row["source_headline"].strip() or row["source_article"].strip()
    if not text:
        raise ValueError("source_headline and source_article are both empty; one is the evidence")
    office = " ".join(row["source_office"].split())
    attributed_to = " ".join(row["source_original"].split()) or office or "UCDP GED"
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
        f"{violence_label}",
        f"conflict {row['conflict_name'].strip()}",
        f"date_prec {date_prec}",
        f"where_prec {where_prec}",
    ]
    if row["source_article"].strip():
        provenance.append(f"source {row['source_article'].strip()}")
    if row.get("where_description", "").strip():
        provenance.append(f"where {row['where_description'].strip()}")
    return DatasetRow(
        line=line,
        record=ged_id,
        external_id=f"ucdp:{ged_id}",
        external_timestamp=None,
        slug=f"ucdp-{slugify(ged_id)}",
        type_slug=type_slug,
        title=clip(f"{violence_label} in {place}" + (f": {dyad}" if dyad else ""), 500),
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
        article_slug=f"ucdp-{slugify(ged_id)}",
        article_title=short_title(text),
        article_outlet=clip(f"UCDP GED: {office}" if office else "UCDP GED", 200),
        article_published=published,
        article_dateline=clip(place, 200),
        article_text=text,
        attributed_to=clip(attributed_to, 300),
        figure=(
            (low, high, Figure.Qualifier.EXACT if low == high else Figure.Qualifier.ABOUT)
            if high > 0
            else None
        ),
        deaths=best,
    )


def import_ucdp(
    *, path: Path | str, skip_bad: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Import a UCDP GED CSV (or .csv.gz); atomic and idempotent on the GED id.

    Raises DatasetImportError naming the file and the bad lines (nothing written), unless
    skip_bad, when bad lines are left out and listed in ImportResult.skipped.
    """
    path = Path(path)
    rows, problems = parse_rows(path, parse_ucdp_row, required=REQUIRED_COLUMNS)
    return write_dataset_rows(
        path=path,
        rows=rows,
        problems=problems,
        external_prefix="ucdp:",
        compare="content",
        skip_bad=skip_bad,
        progress=progress,
    )
