"""What every dataset import and export shares: reading, resolving, writing, writing back.

A dataset module describes its format with a DatasetFormat (columns, how a row is parsed
into a DatasetRow, how one of our events becomes a row). This module does the rest:

- ``read_csv``: a CSV or gzipped CSV with a header, line by line; a cell with a NUL or
  another control character (anything below U+0020 but tab, newline and carriage return,
  and U+007F) is refused as a bad row, named by file, line and record, before anything
  reaches a database, so SQLite and PostgreSQL behave alike. Bytes that are not UTF-8 are
  an error naming the physical line they are on.
- ``import_dataset``: in one transaction, stream the file CHUNK_ROWS records at a time
  (memory bounded whatever the file's size): parse each chunk, compare it with what is
  stored, and write the new and changed rows with bulk inserts (COPY on PostgreSQL),
  resolving places, actors and outlets through per-run caches. A row is unchanged when
  its stored DatasetRecord has the same revision (ACLED's timestamp, read without parsing
  the row) or, for datasets without one, the same row; unchanged rows are not resolved
  at all, so a re-import creates nothing for them. An event of an earlier import without
  a DatasetRecord is always updated. After the first bad line nothing more is written;
  the rest is checked so that the error names every bad line, and all is rolled back.
- ``write_dataset_csv``: the dataset's own columns for a queryset of events: the stored
  row as read for an event imported from this dataset, the documented mapping
  (``DatasetFormat.mapped_row``) for every other event.

Every imported event keeps: a DatasetRecord with every column as read; its notes or source
text as an Article (``outlet``: the dataset and its whole source string; ``outlets``: the
Outlet rows it cites) quoted whole by one Evidence; a killed Figure with basis "coding",
attributed to the dataset (never to an outlet); its actors with side, associated flag and
the dataset's spelling (``source_name``) when that differs from the actor's name.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from itertools import islice
from operator import attrgetter, itemgetter
from pathlib import Path

from django.db import connection, connections, transaction
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.text import slugify

from timeline import bulk_load, search_documents, table_statistics
from timeline.corroboration import recount_outlets
from timeline.models import (
    Actor,
    Article,
    DatasetRecord,
    Event,
    EventActor,
    EventSubType,
    Evidence,
    Figure,
    Location,
    Outlet,
    content_hash,
)
from timeline.search import id_set

Progress = Callable[[int, int], None]
BATCH_SIZE = 1000
MAX_PROBLEMS_SHOWN = 10
NAME_LENGTH = Actor._meta.get_field("name").max_length  # actors, places and outlets alike


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
    """An actor as the dataset names it, with its side of the event."""

    name: str
    role: str
    side: str = EventActor.Side.NONE
    associated: bool = False
    acled_type: str = ""
    kind: str = Actor.Kind.OTHER


@dataclass
class FigureSpec:
    """The dataset's coded death toll: one killed Figure, basis coding."""

    low: int
    high: int | None
    qualifier: str
    best: int | None = None


@dataclass
class DatasetRow:
    """A row of an external dataset, mapped onto our model but not yet written."""

    line: int
    dataset: str  # DatasetRecord.Dataset value
    record: str  # the dataset's own id
    revision: int | None  # ACLED's timestamp; None where the dataset has none
    raw: dict[str, str]  # every column as read
    type_slug: str  # our type, from timeline/event_types.py (the database decides on import)
    sub_type_code: str | int  # ACLED's sub_event_type, UCDP's type_of_violence
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
    outlets: list[str]  # the sources the row cites, as the dataset spells them
    article_title: str
    article_outlet: str
    article_published: date
    article_dateline: str
    article_text: str
    attributed_to: str  # who wrote article_text: the dataset itself
    figure: FigureSpec | None
    deaths: int = 0
    summary: str = ""

    @property
    def external_id(self) -> str:
        return f"{self.dataset}:{self.record}"

    @cached_property
    def slug(self) -> str:
        return f"{self.dataset}-{slug_of(self.record)}"

    @property
    def article_slug(self) -> str:
        return self.slug


@dataclass(frozen=True)
class DatasetFormat:
    """What the shared machinery needs to know about one dataset."""

    key: str  # DatasetRecord.Dataset value, and the date_format name of the source's form
    name: str  # "ACLED", "UCDP GED": in messages and attributions
    columns: list[str]  # the export's columns, in the dataset's order
    required: list[str]  # the columns an import reads
    parse_row: Callable[[int, dict[str, str]], DatasetRow]
    # (event, date_format) -> {column: value} for an event not imported from this dataset
    mapped_row: Callable[[Event, str], dict[str, str]]
    date_columns: tuple[str, ...]  # written as ISO dates unless date_format is the key
    sub_type_field: str  # the EventSubType field that holds DatasetRow.sub_type_code
    compare_by_revision: bool  # True: by DatasetRecord.revision; False: by the whole row
    # With compare_by_revision: (record id, revision, deaths) read straight from the
    # values of quick_columns exactly as parse_row reads them (ValueError when it cannot),
    # so that a row whose id and revision are stored is counted unchanged without being
    # parsed, or even made into a dict.
    quick_columns: tuple[str, ...] = ()
    quick_revision: Callable[..., tuple[str, int, int]] | None = None

    @property
    def date_formats(self) -> tuple[str, str]:
        return ("iso", self.key)


# --- Reading the file -----------------------------------------------------------------------

# Control characters a text cell may not hold (tab, newline and carriage return it may).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


class _Lines:
    """The file's lines as text, so that a decoding error names its true line; notes
    whether a line since the last look held a control character (most records hold none,
    and then their cells need no check of their own), and how far into the file it is."""

    def __init__(self, path: Path, binary, raw) -> None:
        self.path = path
        self.binary = binary
        self.raw = raw
        self.control_seen = False
        try:
            self.size = max(Path(path).stat().st_size, 1)
        except OSError:
            self.size = 1

    def fraction_read(self) -> float:
        try:
            return min(self.raw.tell() / self.size, 1.0)
        except (OSError, ValueError):
            return 0.0

    def __iter__(self) -> Iterator[str]:
        """Read and decoded a megabyte of whole lines at a time: a block with no control
        character (the usual one) is split into lines by io.StringIO and yielded as is;
        a block with one is looked at line by line."""
        control, number, rest, first = _CONTROL.search, 0, b"", True
        while True:
            block = self.binary.read(BLOCK_BYTES)
            if block:
                cut = block.rfind(b"\n") + 1
                if not cut:
                    rest += block
                    continue
                whole, rest = rest + block[:cut], block[cut:]
            elif rest:
                whole, rest = rest, b""
            else:
                return
            text = self._decoded(whole, number)
            if first:
                text, first = text.removeprefix("\ufeff"), False
            number += whole.count(b"\n")
            lines = io.StringIO(text, newline="\n")
            # Control characters are ASCII: in UTF-8 they are their own bytes, and deleting
            # them (bytes.translate) is much faster than searching for them.
            if len(whole.translate(None, _CONTROL_BYTES)) == len(whole):
                yield from lines
                continue
            for line in lines:
                if control(line):
                    self.control_seen = True
                yield line

    def _decoded(self, whole: bytes, lines_before: int) -> str:
        try:
            return whole.decode("utf-8")
        except UnicodeDecodeError as error:
            at = error.start
            start = whole.rfind(b"\n", 0, at) + 1
            raise DatasetImportError(
                self.path,
                f"line {lines_before + whole.count(b'\n', 0, at) + 1}: not UTF-8 text "
                f"(byte {whole[at]:#04x} at column {at - start + 1}); save the file as UTF-8",
            ) from None


BLOCK_BYTES = 1 << 20


def _open_binary(path: Path):
    """(the file's bytes, gunzipped when it is gzip by content, not by name; the file
    itself, whose position tells how much has been read)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed with the reader
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb"), raw
    return raw, raw


def control_character_problem(row: dict[str, str]) -> str | None:
    """Why a row with a control character in a cell is refused, or None."""
    for column, value in row.items():
        found = _CONTROL.search(value)
        if found:
            return (
                f"{column} holds the control character U+{ord(found.group()):04X} at "
                f"position {found.start() + 1}; control characters (NUL and the like) are "
                "refused, not stripped: fix the file"
            )
    return None


def read_csv(
    path: Path,
    *,
    required: list[str],
    position: Callable[[Callable[[], float]], None] | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number where the record starts, row) for each record of a CSV with a header.

    Raises DatasetImportError if the file is unreadable, not UTF-8, or lacks a required
    column; yields a row that cannot be read (wrong number of fields, a control character)
    as {"__problem__": reason, ...the fields it has}. `position`, if given, is called once
    with a function that tells the fraction of the file read so far (for progress).
    """
    header: list[str] = []
    for line, fields, problem in read_records(
        path, required=required, header=header, position=position
    ):
        yield line, as_row(header, fields, problem)


def as_row(header: list[str], fields: list[str], problem: str | None) -> dict[str, str]:
    """A record of read_records as read_csv gives it: {column: value}, and "__problem__"."""
    row = dict(zip(header, fields, strict=False))
    if problem is not None:
        row["__problem__"] = problem
    return row


def read_records(
    path: Path,
    *,
    required: list[str],
    header: list[str],
    position: Callable[[Callable[[], float]], None] | None = None,
) -> Iterator[tuple[int, list[str], str | None]]:
    """read_csv's records as (line, fields, why the record cannot be read or None), the
    header put into `header` before the first: no dict per record, so that a caller that
    needs two or three of its columns (a re-import's id and timestamp) pays for no more."""
    path = Path(path)
    try:
        binary, raw = _open_binary(path)
    except OSError as error:
        raise DatasetImportError(path, f"cannot open: {error.strerror or error}") from error
    with raw, binary:
        lines = _Lines(path, binary, raw)
        if position is not None:
            position(lines.fraction_read)
        reader = csv.reader(lines)
        try:
            names = next(reader, None)
            if names is None:
                raise DatasetImportError(path, "the file is empty; expected a CSV header")
            names = [name.strip() for name in names]
            repeated = sorted(name for name, n in Counter(names).items() if n > 1)
            if repeated:
                raise DatasetImportError(path, "columns named twice: " + ", ".join(repeated))
            missing = [name for name in required if name not in names]
            if missing:
                raise DatasetImportError(
                    path,
                    f"missing required column{'s' if len(missing) > 1 else ''}: "
                    + ", ".join(missing),
                )
            header[:] = names
            width = len(names)
            lines.control_seen = False
            line = reader.line_num + 1
            for fields in reader:
                if not (fields and fields[0].strip()) and not any(v.strip() for v in fields):
                    line = reader.line_num + 1
                    lines.control_seen = False
                    continue
                problem = None
                if len(fields) != width:
                    problem = f"has {len(fields)} fields; the header has {width}"
                elif lines.control_seen:
                    problem = control_character_problem(dict(zip(names, fields, strict=True)))
                lines.control_seen = False
                yield line, fields, problem
                line = reader.line_num + 1
        except (EOFError, gzip.BadGzipFile, OSError, csv.Error) as error:
            raise DatasetImportError(
                path, f"line {reader.line_num + 1}: unreadable: {error}"
            ) from error


# --- Small parsers shared by the dataset modules -------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%y", "%d-%b-%Y", "%d %B %Y", "%d %b %Y", "%d-%B-%Y")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@lru_cache(maxsize=1 << 16)  # a file's dates repeat: each distinct one is parsed once
def parse_date(value: str, column: str) -> date:
    """ISO (2025-06-06, with or without a time such as UCDP's 00:00:00.000), 6-Jun-25 or
    06 June 2025."""
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


def day_month_year(day: date) -> str:
    """6-Jun-25: the date form of ACLED's spreadsheet exports (English, whatever the locale)."""
    return f"{day.day}-{_MONTHS[day.month - 1]}-{day:%y}"


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


def checked_name(value: str, column: str) -> str:
    """A name for an actor, place or outlet; refused, never cut, when it does not fit."""
    name = value.strip()
    if len(name) > NAME_LENGTH:
        raise ValueError(
            f"{column} is {len(name):,} characters long; names are at most {NAME_LENGTH}"
        )
    return name


def split_names(value: str, column: str) -> list[str]:
    """A ;-separated list of names (each checked), blanks and repeats left out."""
    return list(_split_names(value, column))


@lru_cache(maxsize=1 << 14)  # actors and sources repeat from row to row
def _split_names(value: str, column: str) -> tuple[str, ...]:
    names: dict[str, str] = {}
    for part in value.split(";"):
        name = checked_name(" ".join(part.split()), column)
        if name:
            names.setdefault(name.casefold(), name)
    return tuple(names.values())


_PLAIN_SLUG = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def slug_of(text: str) -> str:
    """slugify(text), without its cost for a text that is already a slug but for case
    (dataset ids such as PSE75457)."""
    return text.lower() if _PLAIN_SLUG.fullmatch(text) else slugify(text)


def short_title(text: str, limit: int = 100) -> str:
    """The first ~limit characters of text, cut at a word, with an ellipsis if cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,;:") + "…"


def fits(text: str, limit: int) -> str:
    """text when it fits a field of limit characters, else '' (for derived labels only)."""
    return text if len(text) <= limit else ""


def location_chain(location: Location | None) -> list[Location]:
    """The location and its ancestors, innermost first (walks parents already loaded)."""
    chain = []
    node = location
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


def coordinate_text(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


# --- Parsing a whole file ---------------------------------------------------------------------


@dataclass
class _Built:
    """The unsaved objects one row becomes."""

    row: DatasetRow
    event: Event
    article: Article
    evidence: Evidence


def parse_rows(path: Path, fmt: DatasetFormat) -> tuple[list[DatasetRow], list[RowProblem]]:
    """Every row parsed, and the problems of those that could not be (a repeated id too).

    The whole file in memory: for small files and tools. The import streams instead."""
    rows: list[DatasetRow] = []
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for line, raw in read_csv(path, required=fmt.required):
        item = parse_record(fmt, line, raw, first_line)
        (problems if isinstance(item, RowProblem) else rows).append(item)
    return rows, problems


def parse_record(
    fmt: DatasetFormat, line: int, raw: dict[str, str], first_line: dict[str, int]
) -> DatasetRow | RowProblem:
    """One record parsed, or its problem; first_line (record id -> line) finds repeats."""
    try:
        if "__problem__" in raw:
            raise ValueError(raw["__problem__"])
        row = fmt.parse_row(line, raw)
    except ValueError as error:
        return RowProblem(line, str(error), _record_of(raw))
    if row.record in first_line:
        return RowProblem(line, f"repeats the id of line {first_line[row.record]}", row.record)
    first_line[row.record] = line
    return row


def _record_of(raw: dict[str, str]) -> str:
    for key in ("event_id_cnty", "id"):
        value = raw.get(key, "").strip()
        if value and not _CONTROL.search(value):
            return value[:100]
    return ""


def _new(model, **values):
    """An unsaved instance of model: values by attname over the fields' defaults.

    What Model(**values) makes, without its per-field keyword handling and init signals
    (most of an import's Python time went there); the import writes these with COPY or
    bulk_create, which send no signals either.
    """
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        # Only a default that is a callable (a factory: dict, list, now) is called per
        # instance; a field without a default has NOT_PROVIDED, a class, callable too.
        made = [
            field
            for field in model._meta.concrete_fields
            if field.has_default() and callable(field.default)
        ]
        defaults = _DEFAULTS[model] = [(field.attname, field.get_default) for field in made]
        _STATIC_DEFAULTS[model] = {
            field.attname: field.get_default()
            for field in model._meta.concrete_fields
            if field not in made
        }
    obj = model.__new__(model)
    state = obj.__dict__
    state.update(_STATIC_DEFAULTS[model])
    for attname, factory in defaults:
        state[attname] = factory()
    state.update(values)
    obj._state = ModelState()
    return obj


_DEFAULTS: dict = {}
_STATIC_DEFAULTS: dict = {}


def _build(row: DatasetRow, sub_type: EventSubType, now) -> _Built:
    event = _new(
        Event,
        slug=row.slug,
        type_id=sub_type.type_id,
        sub_type_id=sub_type.pk,  # ids, not instances: a related descriptor costs
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
        external_timestamp=row.revision,
        created=now,  # insert_objects and bulk_update apply no auto_now
        updated=now,
    )
    article = _new(
        Article,
        slug=row.article_slug,
        title=row.article_title,
        outlet=row.article_outlet,
        published=row.article_published,
        dateline=row.article_dateline,
        text=row.article_text,
        content_hash=content_hash(row.article_text),  # save() would; bulk_create does not
        imported_at=now,
    )
    evidence = _new(  # pointed at its event and article when they have ids
        Evidence,
        start=0,
        end=len(row.article_text),
        quote=row.article_text,
        attributed_to=row.attributed_to,
    )
    return _Built(row, event, article, evidence)


def _text_limits(model) -> list[tuple[str, int]]:
    return [
        (f.attname, f.max_length)
        for f in model._meta.concrete_fields
        if f.get_internal_type() in {"CharField", "SlugField"} and f.max_length
    ]


_LIMITS = {model: _text_limits(model) for model in (Event, Article, Evidence)}


def _validate(built: _Built) -> None:
    """What the database would refuse, checked without full_clean's per-field cost: the
    parsers check values, so this is the length of every text that has a limit."""
    for obj in (built.event, built.article, built.evidence):
        for name, limit in _LIMITS[type(obj)]:
            value = getattr(obj, name)
            if value is not None and len(value) > limit:
                raise ValueError(
                    f"{type(obj).__name__} {name} would be {len(value):,} characters long; "
                    f"the field holds {limit}"
                )


# --- Resolving places, actors and outlets (per-run caches) -----------------------------------


class LocationResolver:
    """Places by (parent, name), created as needed; every lookup after the first in memory."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[int | None, str], Location] = {}
        self.by_slug: dict[str, Location] = {}
        self.created = 0
        for location in Location.objects.all():
            self.by_key.setdefault((location.parent_id, location.name.casefold()), location)
            for alias in location.alias_list:
                self.by_key.setdefault((location.parent_id, alias.casefold()), location)
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
            self.by_key.pop((None, name.casefold()), None)
            self.by_key[(parent.pk, name.casefold())] = existing
            return existing
        slug = base
        if slug in self.by_slug and parent is not None:
            slug = slugify(f"{name} {parent.name}")[:200]
        counter = 2
        while slug in self.by_slug:
            slug = f"{base[:190]}-{counter}"
            counter += 1
        location = Location(slug=slug, name=name, kind=kind, parent=parent)
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


# ACLED dates an actor's name by the period it covers: "Military Forces of Israel (2022-)",
# "Police Forces of Palestine (2007-) Gaza Strip". The period is the dataset's
# bookkeeping, not part of who the actor is.
_PERIOD = re.compile(r"\s*\(\d{4}-(?:\d{4})?\)")


def actor_identity(name: str) -> str:
    """The name an actor is resolved and created by: the dataset's without its period."""
    return " ".join(_PERIOD.sub("", name).split()) or name


class ActorResolver:
    """Actors by name or alias (case-insensitive, periods stripped), created as needed.

    An actor's type is the first one the file gives it as a main actor; one that is only
    ever associated takes the kind its sides most often have. The file is read in chunks
    (learn() each before resolving it), so an actor this run creates is set right by
    finish() once the whole file has been seen.
    """

    def __init__(self, specs: Iterable[ActorSpec] = ()) -> None:
        self.by_slug: dict[str, Actor] = {}
        self.by_name: dict[str, Actor] = {}
        self.created = 0
        self.made: dict[str, Actor] = {}  # identity key -> an actor this run created
        for actor in Actor.objects.all():
            self.by_slug[actor.slug] = actor
            for name in [actor.name, *actor.alias_list]:
                self.by_name.setdefault(name.casefold(), actor)
                self.by_name.setdefault(actor_identity(name).casefold(), actor)
        self.typed: dict[str, ActorSpec] = {}
        self.side_kinds: dict[str, Counter] = defaultdict(Counter)
        self.learn(specs)

    def learn(self, specs: Iterable[ActorSpec]) -> None:
        """Count the types and kinds of the actors of the next rows."""
        for spec in specs:
            key = actor_identity(spec.name).casefold()
            if spec.acled_type:
                self.typed.setdefault(key, spec)
            else:
                self.side_kinds[key][spec.kind] += 1

    def _typed(self, key: str, spec: ActorSpec) -> ActorSpec:
        typed = self.typed.get(key)
        if typed is not None:
            return typed
        kinds = self.side_kinds.get(key)
        if kinds:
            return ActorSpec(name=key, role="", kind=kinds.most_common(1)[0][0])
        return spec

    def resolve(self, spec: ActorSpec) -> Actor:
        identity = actor_identity(spec.name)
        key = identity.casefold()
        typed = self._typed(key, spec)
        actor = (
            self.by_name.get(spec.name.casefold())
            or self.by_name.get(key)
            or self.by_slug.get(slugify(identity)[:200])
        )
        if actor is not None:
            if typed.acled_type and not actor.acled_type:
                actor.acled_type = typed.acled_type
                actor.full_clean()
                actor.save(update_fields=["acled_type"])
            self.by_name[key] = actor
            return actor
        base = slugify(identity)[:200] or "actor"
        slug, counter = base, 2
        while slug in self.by_slug:
            slug = f"{base[:190]}-{counter}"
            counter += 1
        actor = Actor(slug=slug, name=identity, kind=typed.kind, acled_type=typed.acled_type)
        actor.full_clean()
        actor.save()
        self.created += 1
        self.made[key] = actor
        self.by_slug[slug] = actor
        self.by_name[key] = actor
        return actor

    def finish(self) -> None:
        """The actors this run created, typed by the whole file (a later chunk may have
        named one as a main actor, or tipped its sides' kind)."""
        for key, actor in self.made.items():
            typed = self._typed(key, actor)
            if typed is actor:
                continue
            update = [
                name
                for name, value in (("kind", typed.kind), ("acled_type", typed.acled_type))
                if value and getattr(actor, name) != value
            ]
            if not typed.acled_type and actor.acled_type:
                update = [name for name in update if name != "acled_type"]
            for name in update:
                setattr(actor, name, getattr(typed, name))
            if update:
                actor.full_clean()
                actor.save(update_fields=update)


class OutletResolver:
    """Outlets by name or alias (case-insensitive), created as needed."""

    def __init__(self) -> None:
        self.by_name: dict[str, Outlet] = {}
        self.slugs: set[str] = set()
        self.created = 0
        for outlet in Outlet.objects.all():
            self.slugs.add(outlet.slug)
            for name in [outlet.name, *outlet.alias_list]:
                self.by_name.setdefault(name.casefold(), outlet)

    def resolve(self, name: str) -> Outlet:
        key = name.casefold()
        outlet = self.by_name.get(key)
        if outlet is not None:
            return outlet
        base = slugify(name)[:190] or "outlet"
        slug, counter = base, 2
        while slug in self.slugs:
            slug = f"{base}-{counter}"
            counter += 1
        outlet = Outlet(slug=slug, name=name)
        outlet.full_clean()
        outlet.save()
        self.created += 1
        self.slugs.add(slug)
        self.by_name[key] = outlet
        return outlet


# --- Writing ---------------------------------------------------------------------------------


CHUNK_ROWS = 10_000  # rows read, checked and written at a time: bounds the memory
# A re-import reads every stored (record id, revision) of the dataset in one query unless
# they outnumber the file's records by more than this; then each chunk asks for its own.
READ_ALL_STORED = 10_000
# An import asked to load in bulk (--bulk) and expected to write this many rows or more
# (judged at its first chunk that writes) has its foreign keys checked and its secondary
# indexes built once, at its end (timeline.bulk_load): kept up row by row they cost more
# than the writing, but suspending them locks the tables against reads until COMMIT, so
# only an operator who can afford that (a first load, a maintenance window) asks for it.
BULK_ROWS = 50_000


def import_dataset(
    fmt: DatasetFormat,
    *,
    path: Path | str,
    skip_bad: bool = False,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    bulk: bool = False,
) -> ImportResult:
    """Import a dataset's CSV (or .csv.gz); atomic, and idempotent on the dataset's id.

    Raises DatasetImportError naming the file and the bad lines (nothing written), unless
    skip_bad, when bad lines are left out and listed in ImportResult.skipped.

    The file is streamed chunk_rows records at a time, all in one transaction: each chunk
    is parsed, compared with what is stored and written in bulk. Once a bad line is found
    (without skip_bad) nothing more is written: the rest of the file is only checked, so
    that the error lists every bad line, and the transaction is rolled back. After a large
    import the tables are ANALYZEd (timeline.table_statistics). With bulk, an import of
    BULK_ROWS or more rows suspends the written tables' foreign keys and secondary indexes
    until its end (faster, but readers of those tables wait for the COMMIT).
    """
    path = Path(path)
    result = ImportResult()
    header: list[str] = []  # read_records fills it before the first record
    where: list[Callable[[], float]] = []
    run = _ImportRun(fmt, path, skip_bad, result, header, where, bulk=bulk)
    with transaction.atomic(), search_documents.deferred():
        search_documents.defer_index_merges()
        records = read_records(path, required=fmt.required, header=header, position=where.append)
        for chunk in _chunks(records, chunk_rows):
            run.take(chunk)
            if progress:
                fraction = where[0]() if where else 0.0
                estimate = round(run.seen / fraction) if fraction else run.seen
                progress(run.seen, max(run.seen, estimate))
        run.problems.sort(key=lambda problem: problem.line)
        if run.problems and not skip_bad:
            raise DatasetImportError(path, problems=run.problems)
        run.finish()
    if progress:
        progress(run.seen, run.seen)
    result.rows = result.created + result.updated + result.unchanged
    result.skipped = sorted(run.problems, key=lambda problem: problem.line)
    table_statistics.refresh_after_import(result.created + result.updated)
    return result


def one_of(values: list[str]) -> RawSQL:
    """A chunk's text values for `field__in`, as one parameter (timeline.search.id_set)."""
    return id_set(values, array_type="text")


def _chunks(records: Iterator, size: int) -> Iterator[list]:
    records = iter(records)
    while chunk := list(islice(records, size)):
        yield chunk


class _ImportRun:
    """One import, chunk by chunk: what it has seen, found wrong, and keeps per run."""

    def __init__(
        self,
        fmt: DatasetFormat,
        path: Path,
        skip_bad: bool,
        result: ImportResult,
        header: list[str],
        where: list[Callable[[], float]],
        *,
        bulk: bool = False,
    ):
        self.bulk_allowed = bulk  # the operator accepts locked tables for speed
        self.where = where  # the fraction of the file read, once reading has begun
        self.fmt = fmt
        self.path = path
        self.header: list[str] = header
        # Every stored (record id, revision) of the dataset, read at the first chunk;
        # per_chunk: the file is small beside them, each chunk asks for its own.
        self.stored: dict[str, int] | None = None
        self.per_chunk = False
        self.skip_bad = skip_bad
        self.result = result
        self.seen = 0
        self.problems: list[RowProblem] = []
        self.first_line: dict[str, int] = {}  # record id -> the line it was first read on
        self.sub_types = {
            getattr(sub_type, fmt.sub_type_field): sub_type
            for sub_type in EventSubType.objects.all()
            if getattr(sub_type, fmt.sub_type_field) not in (None, "")
        }
        self.now = timezone.now()
        self.writer = _Writer(fmt, path, skip_bad, result, self.problems)

    def take(self, records: list[tuple[int, list[str], str | None]]) -> None:
        self.seen += len(records)
        rows = []
        for line, raw in self._changed(records):
            item = parse_record(self.fmt, line, raw, self.first_line)
            if isinstance(item, RowProblem):
                self.problems.append(item)
            else:
                rows.append(item)
        to_write = self._classify(rows)
        built = self._build(to_write)
        if self.problems and not self.skip_bad:
            return  # refused already: the rest of the file is only checked
        if built and not self.writer.resolvers:  # the first chunk that writes
            fraction = self.where[0]() if self.where else 1.0
            expected = len(built) / len(records) * self.seen / max(fraction, 1e-9)
            self.writer.bulk = self.bulk_allowed and expected >= BULK_ROWS
        self.writer.write(built)

    def finish(self) -> None:
        self.writer.finish()

    def _changed(self, records) -> list[tuple[int, dict[str, str]]]:
        """The records that may have changed, as rows. With a revision (ACLED's timestamp)
        a record whose id and revision are stored is unchanged, and is counted without
        being made a dict, parsed or resolved: it was checked when it was imported, and a
        re-import is then mostly a compare."""
        header, quick = self.header, self.fmt.quick_revision
        if quick is None:
            return [(line, as_row(header, fields, problem)) for line, fields, problem in records]
        values = itemgetter(*[header.index(column) for column in self.fmt.quick_columns])
        stored = self._stored_revisions(records, values)
        # An unchanged record's line is kept in the stored revisions, as its negative (a
        # revision is not): a million of them need no dict of their own. Per chunk, they
        # go into first_line, with the ids of the records parsed.
        first_line, changed, unchanged, deaths = self.first_line, [], 0, 0
        per_chunk = self.per_chunk
        for line, fields, problem in records:
            if problem is None and stored:
                try:
                    record, revision, died = quick(*values(fields))
                except ValueError:
                    record = None
                seen = stored.get(record) if record is not None else None
                if seen is not None and seen < 0:
                    reason = f"repeats the id of line {-seen}"
                    self.problems.append(RowProblem(line, reason, record))
                    continue
                if seen == revision and record not in first_line:
                    if per_chunk:
                        first_line[record] = line
                    else:
                        stored[record] = -line
                    unchanged += 1
                    deaths += died
                    continue
            changed.append((line, as_row(header, fields, problem)))
        self.result.unchanged += unchanged
        self.result.deaths += deaths
        return changed

    def _stored_revisions(self, records, values) -> dict[str, int]:
        """{record id: revision} stored for this chunk's records: every one of the
        dataset's, read once in one query, unless the file is small beside them (then
        the chunk's own, one query per chunk)."""
        if self.stored is None:
            key = self.fmt.key
            count = DatasetRecord.objects.filter(dataset=key).count()
            try:
                size = self.path.stat().st_size
            except OSError:
                size = 0
            # size // 50: a generous guess at the file's records (ACLED's are ~600 bytes).
            if count <= READ_ALL_STORED + size // 50:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT record_id, revision FROM timeline_datasetrecord WHERE dataset = %s",
                        [key],
                    )
                    self.stored = dict(cursor.fetchall())
            else:
                self.stored = {}
                self.per_chunk = True
        if not self.per_chunk:
            return self.stored
        ids = []
        for _, fields, problem in records:
            if problem is None:
                ids.append(values(fields)[0].strip())
        return dict(
            DatasetRecord.objects.filter(
                dataset=self.fmt.key, record_id__in=one_of(ids)
            ).values_list("record_id", "revision")
        )

    def _classify(self, rows: list[DatasetRow]) -> list[tuple[DatasetRow, int | None]]:
        """The rows to write, each with the pk of the event it updates (None: a new event).

        Unchanged rows are counted in result and left out: they are not resolved or
        written. Three queries for the chunk, whatever its size."""
        if not rows:
            return []
        fmt, result = self.fmt, self.result
        stored_field = "revision" if fmt.compare_by_revision else "row"
        records = {
            record_id: (event_id, stored)
            for record_id, event_id, stored in DatasetRecord.objects.filter(
                dataset=fmt.key, record_id__in=one_of([row.record for row in rows])
            ).values_list("record_id", "event_id", stored_field)
        }
        fresh = [row for row in rows if row.record not in records]
        # Events of an import made before DatasetRecord existed: always brought up to date.
        legacy = (
            dict(
                Event.objects.filter(
                    external_id__in=one_of([row.external_id for row in fresh]),
                    dataset_record__isnull=True,
                ).values_list("external_id", "pk")
            )
            if fresh
            else {}
        )
        slugs_taken = (
            dict(
                Event.objects.filter(slug__in=one_of([row.slug for row in fresh])).values_list(
                    "slug", "external_id"
                )
            )
            if fresh
            else {}
        )
        to_write = []
        for row in rows:
            if row.record in records:
                event_id, stored = records[row.record]
                current = row.revision if fmt.compare_by_revision else row.raw
                if stored == current:
                    result.unchanged += 1
                    result.deaths += row.deaths
                    continue
                to_write.append((row, event_id))
            elif row.external_id in legacy:
                to_write.append((row, legacy[row.external_id]))
            elif slugs_taken.get(row.slug, row.external_id) != row.external_id:
                reason = f"event slug {row.slug!r} is taken by another event"
                self.problems.append(RowProblem(row.line, reason, row.record))
            else:
                to_write.append((row, None))
        return to_write

    def _build(self, to_write: list[tuple[DatasetRow, int | None]]) -> list[_Built]:
        fmt, built = self.fmt, []
        for row, pk in to_write:
            try:
                sub_type = self.sub_types.get(row.sub_type_code)
                if sub_type is None:
                    raise ValueError(
                        f"no event sub-type has {fmt.sub_type_field} {row.sub_type_code!r} "
                        "(run migrate, or add one in the admin)"
                    )
                item = _build(row, sub_type, self.now)
                _validate(item)
            except ValueError as error:
                self.problems.append(RowProblem(row.line, str(error), row.record))
                continue
            item.event.pk = pk
            built.append(item)
        return built


_EVENT_FIELDS = [
    "type",
    "sub_type",
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_last",
    "date_precision",
    "reported_on",
    "location",
    "status",
    "notes",
    "external_timestamp",
    "updated",
]
_FIGURE_COLUMNS = [
    "event_id",
    "kind",
    "basis",
    "low",
    "best",
    "high",
    "qualifier",
    "attributed_to",
    "evidence_id",
]
_ARTICLE_FIELDS = ["title", "outlet", "published", "dateline", "text", "content_hash"]


def insert_rows(model, fields: list[str], rows: list[tuple]) -> None:
    """Insert rows of values (in the order of fields, attnames) and ask for no ids back:
    PostgreSQL's COPY, else executemany.

    For the link tables of an import (figures, actor links, records, outlets cited), where
    making model instances and bulk_create's per-value SQL are most of the cost. Values
    must be what the database stores (a JSONField's value as JSON text).
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def insert_objects(model, objs: list) -> None:
    """Insert model instances and set their ids. On PostgreSQL: ids reserved from the
    table's sequence, then one COPY (bulk_create's SQL compilation costs more than the
    database's work); elsewhere bulk_create. auto_now fields must be set by the caller."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        return
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    alias = connection.alias  # read once: the proxy's lookup costs per object
    for obj, new_id in zip(objs, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = alias
    fields = model._meta.concrete_fields
    # Values psycopg adapts as they are (text, numbers, dates, ids) are taken as they are;
    # the rest through the field (get_db_prep_save costs more than the COPY itself).
    # One attrgetter reads every value of an object at once, in C.
    real = connections[connection.alias]
    values = attrgetter(*[field.attname for field in fields])
    prepared = [
        (index, field)
        for index, field in enumerate(fields)
        if field.get_internal_type() not in _AS_IS
    ]
    rows = [values(obj) for obj in objs]
    if prepared:
        for number, row in enumerate(rows):
            row = list(row)
            for index, field in prepared:
                row[index] = field.get_db_prep_save(row[index], real)
            rows[number] = row
    insert_rows(model, [field.attname for field in fields], rows)


_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


# The tables an import writes rows into (their foreign keys: timeline.bulk_load).
WRITTEN_TABLES = [
    model._meta.db_table
    for model in (
        Event,
        Article,
        Article.outlets.through,
        Evidence,
        Figure,
        EventActor,
        DatasetRecord,
    )
]
# (table, first column) of the secondary indexes an import reads while it writes (the
# search documents' query, the legacy events' lookup, an update's deletes): kept when a
# very large import drops the others until its end (timeline.bulk_load).
INDEXES_READ = {
    ("timeline_event", "external_id"),
    ("timeline_eventactor", "event_id"),
    ("timeline_evidence", "event_id"),
    ("timeline_evidence", "article_id"),
    ("timeline_figure", "event_id"),
    ("timeline_figure", "evidence_id"),
    ("timeline_article_outlets", "article_id"),
}
# The tables a chunk's writes read back (search documents, stored articles and records).
STATISTICS_KEPT = [
    model._meta.db_table for model in (Event, EventActor, Evidence, Article, DatasetRecord, Figure)
]


class _Writer:
    """One import's writes, chunk by chunk: resolve what is new or changed through per-run
    caches, write in bulk."""

    def __init__(self, fmt: DatasetFormat, path: Path, skip_bad: bool, result, problems):
        self.fmt = fmt
        self.path = path
        self.skip_bad = skip_bad
        self.result = result
        self.problems = problems
        self.written: list[int] = []
        self.resolvers = False
        self.written_rows = 0
        self.analyzed_at = 0
        self.bulk = False  # expected to write BULK_ROWS or more: timeline.bulk_load
        self.foreign_keys: list = []
        self.indexes: list = []

    def write(self, built: list[_Built]) -> None:
        if not built:
            return
        if not self.resolvers:  # the first chunk with something to write
            self.locations = LocationResolver()
            self.actors = ActorResolver()
            self.outlets = OutletResolver()
            self.resolvers = True
            if self.bulk:
                self.foreign_keys = bulk_load.suspend_foreign_keys(WRITTEN_TABLES)
                self.indexes = bulk_load.suspend_indexes(WRITTEN_TABLES, keep=INDEXES_READ)
        self.actors.learn(spec for item in built for spec in item.row.actors)
        changed = [item for item in built if item.event.pk is not None]
        new = [item for item in built if item.event.pk is None]
        if changed:
            self.result.updated += self._update_batch(changed)
        if new:
            self.result.created += self._create_batch(new)
        self._keep_statistics(len(built))

    def _keep_statistics(self, written: int) -> None:
        """ANALYZE the tables the next chunk reads after the first chunk written, and
        whenever this import has written ten times what it had at the last look: planned
        on the statistics of the tables as they were (empty, on a first import), the
        search documents' query of a chunk scanned every actor link and evidence written
        so far for each of its events."""
        self.written_rows += written
        if self.written_rows >= self.analyzed_at * 10:
            self.analyzed_at = self.written_rows
            table_statistics.analyze_tables(STATISTICS_KEPT)

    def finish(self) -> None:
        if self.resolvers:  # something was written
            self.actors.finish()
            bulk_load.restore_indexes(self.indexes)
            bulk_load.restore_foreign_keys(self.foreign_keys)
            search_documents.tidy()

    def _problem(self, row: DatasetRow, reason: str) -> None:
        problem = RowProblem(row.line, reason, row.record)
        if not self.skip_bad:
            raise DatasetImportError(self.path, problems=[problem])
        self.problems.append(problem)

    def _resolve(self, item: _Built) -> list[tuple]:
        """Point the event at its place; its actor links as (actor_id, role, side,
        associated, source_name)."""
        row = item.row
        self.result.deaths += row.deaths
        location = self.locations.resolve(
            row.places,
            latitude=row.latitude,
            longitude=row.longitude,
            geo_precision=row.geo_precision,
        )
        item.event.location_id = location.pk if location is not None else None
        links, seen = [], set()
        for spec in row.actors:
            actor = self.actors.resolve(spec)
            source_name = spec.name if spec.name != actor.name else ""
            key = (actor.pk, spec.role, spec.side, spec.associated, source_name)
            if key not in seen:
                seen.add(key)
                links.append((actor.pk, spec.role, spec.side, spec.associated, source_name))
        return links

    def _create_batch(self, batch: list[_Built]) -> int:
        batch = self._articles_for(batch, event_ids=[])
        links = [self._resolve(item) for item in batch]
        self._save_articles(batch)
        insert_objects(Event, [item.event for item in batch])
        self._create_dependents(batch, links)
        # Inserted without signals: the new events' search documents, set-based; the
        # GIN index is tidied once, at the end of the import. Their outlet counts were
        # set before the insert (one article each, whose outlets are known here).
        search_documents.rebuild([item.event.pk for item in batch], tidy=False)
        return len(batch)

    def _update_batch(self, batch: list[_Built]) -> int:
        batch = self._articles_for(batch, event_ids=[item.event.pk for item in batch])
        links = [self._resolve(item) for item in batch]
        event_ids = [item.event.pk for item in batch]
        slugs = [item.article.slug for item in batch]
        ours = Evidence.objects.filter(event_id__in=event_ids, article__slug__in=slugs)
        Figure.objects.filter(evidence__in=ours).delete()
        ours.delete()
        EventActor.objects.filter(event_id__in=event_ids).delete()
        DatasetRecord.objects.filter(event_id__in=event_ids).delete()
        self._save_articles(batch)
        Event.objects.bulk_update([item.event for item in batch], _EVENT_FIELDS)
        self._create_dependents(batch, links)
        search_documents.rebuild(event_ids, tidy=False)
        # Other evidence (an editor's) may point at an updated event: count afresh.
        recount_outlets(event_ids)
        return len(batch)

    def _articles_for(self, batch: list[_Built], *, event_ids: list[int]) -> list[_Built]:
        """Reuse the stored article of each row (an earlier import's), refreshed with the
        row's text, unless other evidence points into a text that changes: such a row is
        a problem (and left out with skip_bad)."""
        slugs = [item.article.slug for item in batch]
        stored = {
            article.slug: article for article in Article.objects.filter(slug__in=one_of(slugs))
        }
        if not stored:
            return batch
        quoted_elsewhere = set(
            Evidence.objects.filter(article__slug__in=list(stored))
            .exclude(event_id__in=event_ids)
            .values_list("article__slug", flat=True)
        )
        kept = []
        for item in batch:
            article = stored.get(item.article.slug)
            if article is not None:
                if article.text != item.article.text and article.slug in quoted_elsewhere:
                    self._problem(
                        item.row,
                        f"article {article.slug!r} has other evidence pointing into its text",
                    )
                    continue
                for name in _ARTICLE_FIELDS:
                    setattr(article, name, getattr(item.article, name))
                item.evidence.article = item.article = article
            kept.append(item)
        return kept

    def _save_articles(self, batch: list[_Built]) -> None:
        reused = [item.article for item in batch if item.article.pk is not None]
        if reused:
            Article.objects.bulk_update(reused, _ARTICLE_FIELDS)
            Article.outlets.through.objects.filter(article__in=reused).delete()
        fresh = [item.article for item in batch if item.article.pk is None]
        insert_objects(Article, fresh)
        cited = []
        for item in batch:
            outlet_ids = dict.fromkeys(self.outlets.resolve(name).pk for name in item.row.outlets)
            cited.extend((item.article.pk, outlet_id) for outlet_id in outlet_ids)
            if item.event.pk is None:
                # A new event's one source: its outlets, or the article's own outlet
                # (timeline.corroboration.count_outlets over this one evidence).
                item.event.outlet_count = len(outlet_ids) or 1
        insert_rows(Article.outlets.through, ["article_id", "outlet_id"], cited)

    def _create_dependents(self, batch: list[_Built], links: list[list[tuple]]) -> None:
        for item in batch:
            item.evidence.event_id = item.event.pk
            item.evidence.article_id = item.article.pk
        insert_objects(Evidence, [item.evidence for item in batch])
        insert_rows(
            Figure,
            _FIGURE_COLUMNS,
            [
                (
                    item.event.pk,
                    Figure.Kind.KILLED,
                    Figure.Basis.CODING,
                    figure.low,
                    figure.best,
                    figure.high,
                    figure.qualifier,
                    self.fmt.name,
                    item.evidence.pk,
                )
                for item in batch
                if (figure := item.row.figure) is not None
            ],
        )
        insert_rows(
            EventActor,
            ["event_id", "actor_id", "role", "side", "associated", "source_name"],
            [
                (item.event.pk, *link)
                for item, item_links in zip(batch, links, strict=True)
                for link in item_links
            ],
        )
        insert_rows(
            DatasetRecord,
            ["event_id", "dataset", "record_id", "revision", "row", "article_id"],
            [
                (
                    item.event.pk,
                    self.fmt.key,
                    item.row.record,
                    item.row.revision,
                    json.dumps(item.row.raw, ensure_ascii=False),
                    item.article.pk,
                )
                for item in batch
            ],
        )


# --- Writing the dataset's CSV back ------------------------------------------------------------


def dataset_row(fmt: DatasetFormat, event: Event, date_format: str) -> tuple[list[str], bool]:
    """One event as a row of fmt.columns, and whether it is the dataset's row as read.

    An event imported from this dataset gives back its stored row (dates as ISO unless
    date_format is the dataset's own, when every cell is exactly as read); any other event
    is written by the dataset's mapping, with no id of the dataset's.
    """
    record = getattr(event, "dataset_record", None)
    if record is not None and record.dataset == fmt.key:
        return stored_row(fmt, record.row, date_format), True
    mapped = fmt.mapped_row(event, date_format)
    return [mapped.get(column, "") for column in fmt.columns], False


def stored_row(fmt: DatasetFormat, values: dict[str, str], date_format: str) -> list[str]:
    """A stored dataset row (DatasetRecord.row) as a row of fmt.columns: every cell as
    read, the dates as ISO unless date_format is the dataset's own."""
    row = [values.get(column, "") for column in fmt.columns]
    if date_format == "iso":
        for index, column in enumerate(fmt.columns):
            if column in fmt.date_columns and row[index].strip():
                row[index] = parse_date(row[index], column).isoformat()
    return row


def attach_location_parents(events: list[Event]) -> None:
    """Load the ancestors of the events' places in one query and link them in memory.

    The mappings walk location.parent for country and admin units; without this every
    event would cost a query per level.
    """
    places = [event.location for event in events if event.location is not None]
    slugs = {slug for place in places for slug in place.tree_path.strip("/").split("/")[:-1]}
    if not slugs:
        return
    ancestors = {loc.pk: loc for loc in Location.objects.filter(slug__in=slugs)}
    for node in [*ancestors.values(), *places]:
        if node.parent_id is not None and node.parent_id in ancestors:
            node.parent = ancestors[node.parent_id]
        elif node.parent_id is None:
            node.parent = None


def sides(event: Event) -> tuple[list[EventActor], list[EventActor]]:
    """(side A, side B) links, primary actors first: by EventActor.side where the event has
    sides, else by role (initiators A, targets B; a party fills an empty side, the rest
    join A)."""
    links = list(event.event_actors.all())
    if any(link.side for link in links):
        side_a = [link for link in links if link.side == EventActor.Side.A]
        side_b = [link for link in links if link.side == EventActor.Side.B]
    else:
        side_a = [link for link in links if link.role == EventActor.Role.INITIATOR]
        side_b = [link for link in links if link.role == EventActor.Role.TARGET]
        others = [link for link in links if link not in side_a and link not in side_b]
        if not side_a and others:
            side_a.append(others.pop(0))
        if not side_b and others:
            side_b.append(others.pop(0))
        side_a += others
    order = {id(link): n for n, link in enumerate(links)}
    key = lambda link: (link.associated, order[id(link)])  # noqa: E731
    return sorted(side_a, key=key), sorted(side_b, key=key)


def killed_figures(event: Event) -> list[Figure]:
    return [figure for figure in event.figures.all() if figure.kind == Figure.Kind.KILLED]


def cited_outlets(event: Event) -> list[str]:
    """The outlets the event's evidence cites (Outlet rows, else the article's outlet)."""
    names: dict[str, str] = {}
    for evidence in event.evidence.all():
        outlets = list(evidence.article.outlets.all())
        if outlets:
            for outlet in outlets:
                names.setdefault(outlet.name.casefold(), outlet.name)
        elif evidence.attributed_to:
            names.setdefault(evidence.attributed_to.casefold(), evidence.attributed_to)
    return list(names.values())
