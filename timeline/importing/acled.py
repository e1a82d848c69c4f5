"""Import ACLED's CSV export: one published Event per event_id_cnty, its notes the evidence.

Each row becomes:
- an Event (slug ``acled-<event_id_cnty>``, external_id ``acled:<event_id_cnty>``,
  external_timestamp = ACLED's timestamp), typed through timeline/acled.py;
- an Article holding the row's notes verbatim (outlet "ACLED: <source>", published on the
  event date), and one Evidence quoting the whole of it, attributed to the row's source, so
  the event page quotes and links its source exactly as it does for a news article;
- a killed Figure (at least <fatalities>) linked to that evidence, only when fatalities > 0:
  "at least 0 killed" is noise. The row's fatalities stays recoverable anyway: it is the
  figure's low, or 0 when there is none, and it is written into the event's notes;
- its place: country > admin1 (region) > admin2 (district) > admin3 (place) > location
  (place, with ACLED's coordinates and the most precise geo_precision seen for it);
- its actors: actor1 initiator, actor2 target, assoc_actor_1/2 (";"-separated) parties.

Re-importing is idempotent: rows whose timestamp is unchanged are not written at all; a
row with a new timestamp replaces its event's fields, actors, evidence and figure.
Import is atomic: any bad row aborts everything unless skip_bad is set, in which case the
bad rows are left out and reported.

The machinery below the ACLED parser (reading CSV, resolving places and actors, writing
events in bulk) is shared with the UCDP importer.
"""

from __future__ import annotations

import calendar
import csv
import gzip
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from timeline import acled
from timeline.corroboration import recount_outlets
from timeline.models import (
    Actor,
    Article,
    DatePrecision,
    Event,
    EventActor,
    EventType,
    Evidence,
    Figure,
    Location,
    content_hash,
)

Progress = Callable[[int, int], None]
BATCH_SIZE = 500
MAX_PROBLEMS_SHOWN = 10


# --- Results and errors -------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """Why one line of the file cannot be imported."""

    line: int
    reason: str
    record: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" ({self.record})" if self.record else "")
        return f"{where}: {self.reason}"


class DatasetImportError(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, path: Path | str, message: str = "", problems=()) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if len(self.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"… and {len(self.problems) - MAX_PROBLEMS_SHOWN:,} more bad lines")
        if not message:
            message = "; ".join(lines) if len(lines) == 1 else "\n  " + "\n  ".join(lines)
        super().__init__(f"{self.path}: {message}")


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deaths: int = 0
    skipped: list[RowProblem] = field(default_factory=list)


# --- One dataset row, in our terms ---------------------------------------------------------


@dataclass
class ActorSpec:
    name: str
    role: str
    acled_type: str = ""
    kind: str = Actor.Kind.OTHER


@dataclass
class DatasetRow:
    """A row of an external dataset, mapped onto our model but not yet written."""

    line: int
    record: str  # the dataset's own key, for messages
    external_id: str
    external_timestamp: int | None
    slug: str
    type_slug: str
    title: str
    date_start: date
    date_end: date | None
    date_precision: str
    reported_on: date
    notes: str
    # Outermost first: [(name, Location.Kind)]; the last one gets the coordinates.
    places: list[tuple[str, str]]
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    actors: list[ActorSpec]
    article_slug: str
    article_title: str
    article_outlet: str
    article_published: date
    article_dateline: str
    article_text: str
    attributed_to: str
    figure: tuple[int, int | None, str] | None  # (low, high, qualifier) of the killed figure
    deaths: int = 0
    summary: str = ""


# --- Reading the file -----------------------------------------------------------------------


def open_text(path: Path) -> io.TextIOBase:
    """The file as text, gunzipped when it is gzip (by content, not by name)."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def read_csv(path: Path, *, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number where the record starts, row) for each record of a CSV with a header.

    Raises DatasetImportError if the file is unreadable or lacks a required column;
    yields rows with a wrong number of fields as {"__problem__": reason}.
    """
    path = Path(path)
    try:
        handle = open_text(path)
    except OSError as error:
        raise DatasetImportError(path, f"cannot open: {error.strerror or error}") from error
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise DatasetImportError(path, "the file is empty; expected a CSV header")
            header = [name.strip() for name in header]
            missing = [name for name in required if name not in header]
            if missing:
                raise DatasetImportError(
                    path,
                    f"missing required column{'s' if len(missing) > 1 else ''}: "
                    + ", ".join(missing),
                )
            line = reader.line_num + 1
            for fields in reader:
                if not any(value.strip() for value in fields):
                    line = reader.line_num + 1
                    continue
                if len(fields) != len(header):
                    row = {"__problem__": f"has {len(fields)} fields; the header has {len(header)}"}
                else:
                    row = dict(zip(header, fields, strict=True))
                yield line, row
                line = reader.line_num + 1
        except (UnicodeDecodeError, EOFError, gzip.BadGzipFile, csv.Error) as error:
            raise DatasetImportError(
                path, f"line {reader.line_num}: unreadable: {error}"
            ) from error


# --- Small parsers shared by the dataset importers -------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%y", "%d-%b-%Y", "%d %B %Y", "%d %b %Y", "%d-%B-%Y")


def parse_date(value: str, column: str) -> date:
    """ISO (2025-06-06, with or without a time), 6-Jun-25 or 06 June 2025."""
    text = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text):
        text = text[:10]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(
        f"{column} {value!r} is not a date (expected 2025-06-06, 6-Jun-25 or 06 June 2025)"
    )


def parse_int(value: str, column: str, *, minimum: int | None = 0, blank_ok=False) -> int | None:
    text = value.strip()
    if not text and blank_ok:
        return None
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a whole number") from None
    if minimum is not None and number < minimum:
        raise ValueError(f"{column} {number} is below {minimum}")
    return number


def parse_coordinate(value: str, column: str, limit: float) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a number") from None
    if not -limit <= number <= limit:
        raise ValueError(f"{column} {number} is outside -{limit:g}…{limit:g}")
    return number


def short_title(text: str, limit: int = 100) -> str:
    """The first ~limit characters of text, cut at a word, with an ellipsis if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:") + "…"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- ACLED ------------------------------------------------------------------------------------

# ACLED opens many notes with a label ("Property destruction: On 6 June …"); it makes a
# better title head than a catch-all sub_event_type such as "Other".
_NOTES_LABEL = re.compile(r"^([A-Z][A-Za-z /-]{2,40}):\s")


def parse_acled_row(line: int, row: dict[str, str]) -> DatasetRow:
    """One ACLED row in our terms; ValueError with the reason when it is bad."""
    if "__problem__" in row:
        raise ValueError(row["__problem__"])
    event_id = row["event_id_cnty"].strip()
    if not event_id:
        raise ValueError("event_id_cnty is empty")
    if len(event_id) > 90 or not slugify(event_id):
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
    type_slug = acled.our_type_for(sub_event_type)
    if type_slug is None:
        raise ValueError(f"unknown sub_event_type {sub_event_type!r}")
    event_type = row["event_type"].strip()
    expected_event_type = acled.SUB_EVENT_TYPES[sub_event_type][0]
    if event_type and event_type != expected_event_type:
        raise ValueError(
            f"event_type {event_type!r} does not go with sub_event_type {sub_event_type!r}"
            f" (ACLED files it under {expected_event_type!r})"
        )

    actors: list[ActorSpec] = []
    for side, role in (("1", EventActor.Role.INITIATOR), ("2", EventActor.Role.TARGET)):
        name = row[f"actor{side}"].strip()
        label = acled.actor_type_label(row[f"inter{side}"])
        if label is None:
            raise ValueError(f"inter{side} {row[f'inter{side}']!r} is not an ACLED actor type")
        kind = acled.actor_kind_for(label)
        if name:
            actors.append(ActorSpec(name=name, role=role, acled_type=label, kind=kind))
        # ACLED gives no type for associated actors; they take their side's kind.
        for assoc in row[f"assoc_actor_{side}"].split(";"):
            if assoc.strip():
                actors.append(ActorSpec(name=assoc.strip(), role=EventActor.Role.PARTY, kind=kind))

    place = row["location"].strip()
    if not place:
        raise ValueError("location is empty")
    if not row["country"].strip():
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
        f"ACLED {event_id}: {event_type or expected_event_type} / {sub_event_type}",
        f"fatalities {fatalities}",
        f"time_precision {precision}",
        f"geo_precision {geo_precision}",
    ]
    for column in ("source_scale", "civilian_targeting", "tags"):
        if row.get(column, "").strip():
            provenance.append(f"{column} {row[column].strip()}")
    return DatasetRow(
        line=line,
        record=event_id,
        external_id=f"acled:{event_id}",
        external_timestamp=timestamp,
        slug=f"acled-{slugify(event_id)}",
        type_slug=type_slug,
        title=clip(f"{head} in {place}", 500),
        date_start=start,
        date_end=end,
        date_precision=our_precision,
        reported_on=when,
        notes="; ".join(provenance) + ".",
        places=[
            (row["country"].strip(), Location.Kind.COUNTRY),
            (row["admin1"].strip(), Location.Kind.REGION),
            (row["admin2"].strip(), Location.Kind.DISTRICT),
            (row["admin3"].strip(), Location.Kind.PLACE),
            (place, Location.Kind.PLACE),
        ],
        latitude=latitude,
        longitude=longitude,
        geo_precision=geo_precision,
        actors=actors,
        article_slug=f"acled-{slugify(event_id)}",
        article_title=short_title(notes),
        article_outlet=clip(f"ACLED: {source}" if source else "ACLED", 200),
        article_published=when,
        article_dateline=clip(place, 200),
        article_text=notes,
        attributed_to=clip(source, 300),
        figure=(fatalities, None, Figure.Qualifier.AT_LEAST) if fatalities > 0 else None,
        deaths=fatalities,
    )


def import_acled(
    *, path: Path | str, skip_bad: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Import an ACLED CSV (or .csv.gz) export; atomic and idempotent on event_id_cnty.

    Raises DatasetImportError naming the file and the bad lines (nothing written), unless
    skip_bad, when bad lines are left out and listed in ImportResult.skipped.
    """
    path = Path(path)
    rows, problems = parse_rows(path, parse_acled_row, required=acled.REQUIRED_COLUMNS)
    return write_dataset_rows(
        path=path,
        rows=rows,
        problems=problems,
        external_prefix="acled:",
        compare="timestamp",
        skip_bad=skip_bad,
        progress=progress,
    )


# --- Shared: parse, resolve, write ----------------------------------------------------------


def parse_rows(
    path: Path, parse: Callable[[int, dict[str, str]], DatasetRow], *, required: list[str]
) -> tuple[list[DatasetRow], list[RowProblem]]:
    """Every row parsed, and the problems of those that could not be (a duplicate id too)."""
    rows: list[DatasetRow] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for line, raw in read_csv(path, required=required):
        try:
            row = parse(line, raw)
        except ValueError as error:
            problems.append(RowProblem(line, str(error), _record_of(raw)))
            continue
        if row.external_id in first_line:
            problems.append(
                RowProblem(
                    line, f"repeats the id of line {first_line[row.external_id]}", row.record
                )
            )
            continue
        first_line[row.external_id] = line
        rows.append(row)
    return rows, problems


def _record_of(raw: dict[str, str]) -> str:
    for key in ("event_id_cnty", "id"):
        if raw.get(key, "").strip():
            return raw[key].strip()
    return ""


@dataclass
class _Built:
    """The unsaved objects one row becomes."""

    row: DatasetRow
    event: Event
    article: Article
    evidence: Evidence
    figure: Figure | None


def _build(row: DatasetRow, event_type: EventType) -> _Built:
    event = Event(
        slug=row.slug,
        type=event_type,
        title=row.title,
        summary=row.summary,
        date_start=row.date_start,
        date_end=row.date_end,
        date_last=row.date_end or row.date_start,  # save() would; bulk_create does not
        date_precision=row.date_precision,
        reported_on=row.reported_on,
        status=Event.Status.PUBLISHED,
        notes=row.notes,
        external_id=row.external_id,
        external_timestamp=row.external_timestamp,
    )
    article = Article(
        slug=row.article_slug,
        title=row.article_title,
        outlet=row.article_outlet,
        published=row.article_published,
        dateline=row.article_dateline,
        text=row.article_text,
        content_hash=content_hash(row.article_text),  # save() would; bulk_create does not
    )
    evidence = Evidence(
        event=event,
        article=article,
        start=0,
        end=len(row.article_text),
        quote=row.article_text,
        attributed_to=row.attributed_to,
    )
    figure = None
    if row.figure is not None:
        low, high, qualifier = row.figure
        figure = Figure(
            event=event,
            kind=Figure.Kind.KILLED,
            low=low,
            high=high,
            qualifier=qualifier,
            attributed_to=row.attributed_to,
            evidence=evidence,
        )
    return _Built(row, event, article, evidence, figure)


def _validate(built: _Built) -> None:
    """Field validation without per-row queries (foreign keys and uniqueness are ours)."""
    checks = [
        (built.event, ["type", "location"]),
        (built.article, []),
        (built.evidence, ["event", "article"]),
    ]
    if built.figure is not None:
        checks.append((built.figure, ["event", "evidence"]))
    for obj, exclude in checks:
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            details = "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
            )
            raise ValueError(f"{type(obj).__name__} {details}") from None
    if built.event.date_end is not None and built.event.date_end < built.event.date_start:
        raise ValueError("the end date is before the start date")


class LocationResolver:
    """Places by (parent, name), created as needed; every lookup after the first in memory."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[int | None, str], Location] = {}
        self.by_slug: dict[str, Location] = {}
        self.created = 0
        for location in Location.objects.all():
            self.by_key.setdefault((location.parent_id, location.name.casefold()), location)
            self.by_slug[location.slug] = location

    def resolve(
        self,
        places: list[tuple[str, str]],
        *,
        latitude: float | None,
        longitude: float | None,
        geo_precision: int | None,
    ) -> Location | None:
        parent: Location | None = None
        chain: list[Location] = []
        for name, kind in places:
            if name:
                parent = self._child(parent, name, kind, chain)
                chain.append(parent)
        if parent is not None:
            self._place_at(parent, latitude, longitude, geo_precision)
        return parent

    def _child(self, parent: Location | None, name: str, kind: str, chain) -> Location:
        parent_id = parent.pk if parent else None
        found = self.by_key.get((parent_id, name.casefold()))
        if found is not None:
            return found
        base = slugify(name)[:200] or "place"
        existing = self.by_slug.get(base)
        # A curated top-level place of the same name (say "Gaza Strip") is the same place:
        # adopt it into the hierarchy rather than make a twin.
        if (
            existing is not None
            and parent is not None
            and existing.parent_id is None
            and existing.name.casefold() == name.casefold()
            and existing not in chain
        ):
            existing.parent = parent
            existing.full_clean()
            existing.save()
            del self.by_key[(None, name.casefold())]
            self.by_key[(parent.pk, name.casefold())] = existing
            return existing
        slug = base
        if slug in self.by_slug and parent is not None:
            slug = slugify(f"{name} {parent.name}")[:200]
        counter = 2
        while slug in self.by_slug:
            slug = f"{base[:190]}-{counter}"
            counter += 1
        location = Location(slug=slug, name=name[:300], kind=kind, parent=parent)
        location.full_clean()
        location.save()
        self.created += 1
        self.by_key[(parent_id, name.casefold())] = location
        self.by_slug[slug] = location
        return location

    @staticmethod
    def _place_at(location: Location, latitude, longitude, geo_precision) -> None:
        changed = []
        if location.latitude is None and latitude is not None and longitude is not None:
            location.latitude, location.longitude = latitude, longitude
            changed += ["latitude", "longitude"]
        if geo_precision is not None and (
            location.geo_precision is None or geo_precision < location.geo_precision
        ):
            location.geo_precision = geo_precision
            changed.append("geo_precision")
        if changed:
            location.full_clean()
            location.save(update_fields=changed)


class ActorResolver:
    """Actors by slug, name or alias, created as needed; lookups in memory."""

    def __init__(self, rows: list[DatasetRow]) -> None:
        self.by_slug: dict[str, Actor] = {}
        self.by_name: dict[str, Actor] = {}
        self.created = 0
        for actor in Actor.objects.all():
            self.by_slug[actor.slug] = actor
            for name in [actor.name, *actor.alias_list]:
                self.by_name.setdefault(name.casefold(), actor)
        # An actor's type is the first one the file gives it as a main actor; one that is
        # only ever associated takes the kind its sides most often have.
        self.typed: dict[str, ActorSpec] = {}
        side_kinds: dict[str, Counter] = defaultdict(Counter)
        for row in rows:
            for spec in row.actors:
                if spec.acled_type:
                    self.typed.setdefault(spec.name.casefold(), spec)
                else:
                    side_kinds[spec.name.casefold()][spec.kind] += 1
        for key, kinds in side_kinds.items():
            if key not in self.typed:
                self.typed[key] = ActorSpec(name=key, role="", kind=kinds.most_common(1)[0][0])

    def resolve(self, spec: ActorSpec) -> Actor:
        key = spec.name.casefold()
        typed = self.typed.get(key, spec)
        actor = self.by_name.get(key) or self.by_slug.get(slugify(spec.name)[:200])
        if actor is not None:
            if typed.acled_type and not actor.acled_type:
                actor.acled_type = typed.acled_type
                actor.full_clean()
                actor.save(update_fields=["acled_type"])
            self.by_name[key] = actor
            return actor
        base = slugify(spec.name)[:200] or "actor"
        slug, counter = base, 2
        while slug in self.by_slug:
            slug = f"{base[:190]}-{counter}"
            counter += 1
        actor = Actor(slug=slug, name=spec.name[:300], kind=typed.kind, acled_type=typed.acled_type)
        actor.full_clean()
        actor.save()
        self.created += 1
        self.by_slug[slug] = actor
        self.by_name[key] = actor
        return actor


def write_dataset_rows(
    *,
    path: Path,
    rows: list[DatasetRow],
    problems: list[RowProblem],
    external_prefix: str,
    compare: Literal["timestamp", "content"],
    skip_bad: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Write parsed rows as events in one transaction; see the module docstring.

    compare: "timestamp" updates a row whose external_timestamp changed (ACLED);
    "content" updates a row whose mapped fields differ from what is stored (UCDP).
    """
    types = {event_type.slug: event_type for event_type in EventType.objects.all()}
    built: list[_Built] = []
    for row in rows:
        event_type = types.get(row.type_slug)
        try:
            if event_type is None:
                raise ValueError(f"event type {row.type_slug!r} is missing (run migrate)")
            item = _build(row, event_type)
            _validate(item)
        except ValueError as error:
            problems.append(RowProblem(row.line, str(error), row.record))
            continue
        built.append(item)
    problems.sort(key=lambda problem: problem.line)
    if problems and not skip_bad:
        raise DatasetImportError(path, problems=problems)

    result = ImportResult(skipped=problems)
    with transaction.atomic():
        _write(path, built, external_prefix, compare, skip_bad, progress, result)
    result.skipped.sort(key=lambda problem: problem.line)
    return result


def _write(path, built, external_prefix, compare, skip_bad, progress, result) -> None:
    existing = {
        external_id: (pk, timestamp)
        for external_id, pk, timestamp in Event.objects.filter(
            external_id__startswith=external_prefix
        ).values_list("external_id", "pk", "external_timestamp")
    }
    slug_prefix = external_prefix.rstrip(":") + "-"
    event_slugs = dict(
        Event.objects.filter(slug__startswith=slug_prefix).values_list("slug", "external_id")
    )
    articles = {
        article.slug: article for article in Article.objects.filter(slug__startswith=slug_prefix)
    }
    locations = LocationResolver()
    actors = ActorResolver([item.row for item in built])

    stored_signatures = (
        _stored_signatures(
            external_prefix, {item.row.external_id: item.row.article_slug for item in built}
        )
        if compare == "content"
        else {}
    )
    new: list[_Built] = []
    changed: list[_Built] = []
    links: dict[int, list[tuple[Actor, str]]] = {}
    for item in built:
        row = item.row
        if row.external_id not in existing and event_slugs.get(row.slug, row.external_id) != (
            row.external_id
        ):
            problem = RowProblem(
                row.line, f"event slug {row.slug!r} is taken by another event", row.record
            )
            if not skip_bad:
                raise DatasetImportError(path, problems=[problem])
            result.skipped.append(problem)
            continue
        item.event.location = locations.resolve(
            row.places,
            latitude=row.latitude,
            longitude=row.longitude,
            geo_precision=row.geo_precision,
        )
        pairs = []
        for spec in row.actors:
            pair = (actors.resolve(spec), spec.role)
            if pair not in pairs:
                pairs.append(pair)
        links[id(item)] = pairs
        result.rows += 1
        result.deaths += row.deaths
        if row.external_id not in existing:
            new.append(item)
            continue
        pk, timestamp = existing[row.external_id]
        if compare == "timestamp":
            is_changed = timestamp != row.external_timestamp
        else:
            is_changed = stored_signatures.get(row.external_id) != _signature(item, pairs)
        if is_changed:
            item.event.pk = pk
            changed.append(item)
        else:
            result.unchanged += 1

    total = len(new) + len(changed)
    done = 0
    for start in range(0, len(new), BATCH_SIZE):
        batch = new[start : start + BATCH_SIZE]
        _create_batch(path, batch, links, articles)
        done += len(batch)
        result.created += len(batch)
        if progress:
            progress(done, total)
    for item in changed:
        _update(path, item, links[id(item)], articles)
        done += 1
        result.updated += 1
        if progress:
            progress(done, total)


def _create_batch(path, batch: list[_Built], links, articles: dict[str, Article]) -> None:
    fresh_articles = []
    for item in batch:
        stored = articles.get(item.article.slug)
        if stored is None:
            fresh_articles.append(item.article)
        else:
            # An earlier import left the article behind (its event was deleted): reuse it.
            item.evidence.article = item.article = _refresh_article(path, item, stored)
    Article.objects.bulk_create(fresh_articles, batch_size=BATCH_SIZE)
    Event.objects.bulk_create([item.event for item in batch], batch_size=BATCH_SIZE)
    Evidence.objects.bulk_create([item.evidence for item in batch], batch_size=BATCH_SIZE)
    Figure.objects.bulk_create(
        [item.figure for item in batch if item.figure is not None], batch_size=BATCH_SIZE
    )
    EventActor.objects.bulk_create(
        [
            EventActor(event=item.event, actor=actor, role=role)
            for item in batch
            for actor, role in links[id(item)]
        ],
        batch_size=BATCH_SIZE,
    )
    # bulk_create sends no signals: count each new event's outlets here.
    recount_outlets(item.event.pk for item in batch)


def _refresh_article(path, item: _Built, stored: Article) -> Article:
    fields = ["title", "outlet", "published", "dateline", "text"]
    if all(getattr(stored, name) == getattr(item.article, name) for name in fields):
        return stored
    if stored.text != item.article.text and stored.evidence.exists():
        raise DatasetImportError(
            path,
            problems=[
                RowProblem(
                    item.row.line,
                    f"article {stored.slug!r} has other evidence pointing into its text",
                    item.row.record,
                )
            ],
        )
    for name in fields:
        setattr(stored, name, getattr(item.article, name))
    stored.full_clean()
    stored.save()
    return stored


_EVENT_FIELDS = [
    "type",
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_precision",
    "reported_on",
    "location",
    "status",
    "notes",
    "external_timestamp",
]


def _update(path, item: _Built, pairs, articles: dict[str, Article]) -> None:
    """Replace one stored event's fields, actors, evidence and figure with the row's."""
    event = Event.objects.get(pk=item.event.pk)
    for name in _EVENT_FIELDS:
        setattr(event, name, getattr(item.event, name))
    event.full_clean()
    event.save()
    ours = Evidence.objects.filter(event=event, article__slug=item.article.slug)
    Figure.objects.filter(evidence__in=ours).delete()
    ours.delete()
    stored = articles.get(item.article.slug)
    article = item.article if stored is None else _refresh_article(path, item, stored)
    if stored is None:
        article.full_clean()
        article.save()
    evidence = Evidence(
        event=event,
        article=article,
        start=item.evidence.start,
        end=item.evidence.end,
        quote=item.evidence.quote,
        attributed_to=item.evidence.attributed_to,
    )
    evidence.full_clean()
    evidence.save()
    if item.figure is not None:
        figure = Figure(
            event=event,
            kind=item.figure.kind,
            low=item.figure.low,
            high=item.figure.high,
            qualifier=item.figure.qualifier,
            attributed_to=item.figure.attributed_to,
            evidence=evidence,
        )
        figure.full_clean()
        figure.save()
    EventActor.objects.filter(event=event).delete()
    EventActor.objects.bulk_create(
        [EventActor(event=event, actor=actor, role=role) for actor, role in pairs]
    )


def _signature(item: _Built, pairs) -> tuple:
    """What a row maps to, comparable with _stored_signatures."""
    event, article, figure = item.event, item.article, item.figure
    return (
        tuple(getattr(event, name) for name in _SIGNATURE_FIELDS),
        event.type_id,
        event.location_id,
        frozenset((actor.pk, role) for actor, role in pairs),
        (article.slug, article.title, article.outlet, article.published, article.text),
        item.evidence.attributed_to,
        None
        if figure is None
        else (figure.low, figure.high, figure.qualifier, figure.attributed_to),
    )


_SIGNATURE_FIELDS = [
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_precision",
    "reported_on",
    "status",
    "notes",
    "external_timestamp",
]


def _stored_signatures(external_prefix: str, article_slugs: dict[str, str]) -> dict[str, tuple]:
    """external_id -> the signature of what is stored for it, in a few queries.

    article_slugs: external_id -> the slug of the article holding that row's evidence.
    """
    signatures = {}
    stored = Event.objects.filter(external_id__startswith=external_prefix).prefetch_related(
        "event_actors", "figures", "evidence__article"
    )
    for event in stored:
        slug = article_slugs.get(event.external_id)
        if slug is None:
            continue
        evidence = next((e for e in event.evidence.all() if e.article.slug == slug), None)
        figure = next(
            (f for f in event.figures.all() if evidence and f.evidence_id == evidence.pk), None
        )
        article = evidence.article if evidence else None
        signatures[event.external_id] = (
            tuple(getattr(event, name) for name in _SIGNATURE_FIELDS),
            event.type_id,
            event.location_id,
            frozenset((link.actor_id, link.role) for link in event.event_actors.all()),
            None
            if article is None
            else (article.slug, article.title, article.outlet, article.published, article.text),
            evidence.attributed_to if evidence else None,
            None
            if figure is None
            else (figure.low, figure.high, figure.qualifier, figure.attributed_to),
        )
    return signatures
