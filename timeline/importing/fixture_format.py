"""The fixture format: read JSON, YAML or raw article text and check its shape strictly.

This module only reads files and validates their shape; it never touches the database.
Names that point at other records (event types, actors, locations, articles) are kept
as written here and resolved by the service in ``timeline.importing.fixtures``, which
also finds each evidence quote's offsets.

Every problem raises ``FixtureError`` naming the file, the record and what is wrong.
See fixtures/README.md for the format as an author sees it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.text import slugify

from timeline.extraction.article_header import RawArticleError, default_title, parse_raw_article
from timeline.models import Actor, DatePrecision, Event, EventActor, Figure, Location

STRUCTURED_SUFFIXES = {".json", ".yaml", ".yml"}
RAW_SUFFIXES = {".txt"}

TOP_LEVEL_KEYS = {"articles", "events", "actors", "locations"}
ACTOR_KEYS = {"slug", "name", "kind", "aliases", "merge", "country"}
LOCATION_KEYS = {"slug", "name", "kind", "aliases", "merge", "parent", "latitude", "longitude"}
ARTICLE_KEYS = {"slug", "title", "outlet", "published", "dateline", "url", "language"}
ARTICLE_TEXT_KEYS = {"text", "text_file"}
EVENT_KEYS = {
    "slug",
    "type",
    "title",
    "summary",
    "date",
    "precision",
    "reported_on",
    "location",
    "actors",
    "figures",
    "evidence",
    "status",
    "notes",
}
DATE_RANGE_KEYS = {"start", "end", "precision"}
EVENT_ACTOR_KEYS = {"actor", "role"}
FIGURE_KEYS = {"kind", "low", "high", "qualifier", "attributed_to", "evidence"}
EVIDENCE_KEYS = {"article", "quote", "occurrence", "attributed_to"}

# Characters no fixture may hold, on any database: NUL (PostgreSQL refuses it in text, SQLite
# would store it), the other C0 controls but tab, line feed and carriage return, and lone
# surrogates (JSON's "\ud800" escape; they cannot be encoded to UTF-8 at all).
TOO_DEEP = "lists or mappings are nested too deeply to be a fixture"
_FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

# A file that opens like this is meant to carry the raw header, so a bad header is an
# error rather than a reason to take the whole file as body text.
_LOOKS_LIKE_HEADER = re.compile(r"\A\s*date[ \t]")


class FixtureError(ValueError):
    """A fixture cannot be imported. The message names the file, the record and the problem."""

    def __init__(self, file: Path | str, record: str, problem: str) -> None:
        self.file = str(file)
        self.record = record
        self.problem = problem
        where = f"{self.file}: {record}" if record else self.file
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Origin:
    """Where a record came from, for error messages: file, its label and (YAML) line."""

    file: Path
    label: str

    def error(self, problem: str) -> FixtureError:
        return FixtureError(self.file, self.label, problem)


@dataclass
class ActorSpec:
    origin: Origin
    slug: str
    name: str
    kind: str
    aliases: list[str]
    country: str
    # Names (or slugs) of actors that are this one: aliases too, and an actor already
    # stored under one of them is merged into this one.
    merge: list[str] = field(default_factory=list)

    @property
    def all_aliases(self) -> list[str]:
        return _union_aliases(self.name, self.aliases, self.merge)


@dataclass
class LocationSpec:
    origin: Origin
    slug: str
    name: str
    kind: str
    aliases: list[str]
    parent: str | None
    latitude: float | None
    longitude: float | None
    # As for actors: places stored under these names are merged into this one.
    merge: list[str] = field(default_factory=list)

    @property
    def all_aliases(self) -> list[str]:
        return _union_aliases(self.name, self.aliases, self.merge)


def _union_aliases(name: str, aliases: list[str], merge: list[str]) -> list[str]:
    """The aliases as given, then each merged name that is not among them nor the name."""
    seen = {name.casefold(), *(alias.casefold() for alias in aliases)}
    union = list(aliases)
    for alias in merge:
        if alias.casefold() not in seen:
            seen.add(alias.casefold())
            union.append(alias)
    return union


@dataclass
class ArticleSpec:
    origin: Origin
    slug: str
    title: str
    outlet: str
    published: date
    dateline: str
    url: str
    language: str
    text: str
    # Raw .txt articles are checked for duplicate text; curated ones may share wire copy.
    from_raw_file: bool = False


@dataclass
class EventActorSpec:
    actor: str
    role: str


@dataclass
class EvidenceSpec:
    origin: Origin
    article: str
    quote: str
    occurrence: int | None
    attributed_to: str


@dataclass
class FigureSpec:
    origin: Origin
    kind: str
    low: int
    high: int | None
    qualifier: str
    attributed_to: str
    # Position in the event's evidence list, counted from 1 like `occurrence`.
    evidence: int | None


@dataclass
class EventSpec:
    origin: Origin
    slug: str
    type: str
    title: str
    summary: str
    date_start: date
    date_end: date | None
    date_precision: str
    reported_on: date | None
    location: str | None
    status: str
    notes: str
    actors: list[EventActorSpec] = field(default_factory=list)
    figures: list[FigureSpec] = field(default_factory=list)
    evidence: list[EvidenceSpec] = field(default_factory=list)


@dataclass
class FixtureFile:
    """One parsed file: its records, and the .txt files it names as article text."""

    path: Path
    actors: list[ActorSpec] = field(default_factory=list)
    locations: list[LocationSpec] = field(default_factory=list)
    articles: list[ArticleSpec] = field(default_factory=list)
    events: list[EventSpec] = field(default_factory=list)
    text_files: set[Path] = field(default_factory=set)


# --- reading files -------------------------------------------------------------------


class _LineMapping(dict):
    """A YAML mapping that remembers the line it starts on."""

    line: int | None = None


# libyaml's parser is about ten times faster than the pure-Python one on large fixtures.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    """SafeLoader that records mapping line numbers and rejects duplicate keys."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode):
    mapping = _LineMapping()
    mapping.line = node.start_mark.line + 1
    yield mapping
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping.update(loader.construct_mapping(node, deep=True))


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode):
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a real date", node.start_mark
        ) from None


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _read_text(path: Path, origin: Origin | None = None) -> str:
    """The file's exact characters: no newline translation (offsets depend on them)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise FixtureError(path, "", "no such file") from None
    except UnicodeDecodeError as error:
        raise FixtureError(path, "", f"not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise FixtureError(path, "", f"cannot be read: {error.strerror}") from None
    check_characters(text, origin or Origin(path, ""), "the file")
    return text


def forbidden_character(text: str) -> str | None:
    """Where the first character a fixture may not hold is, and which: or None."""
    match = _FORBIDDEN_CHARACTER.search(text)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    code = ord(match.group())
    kind = (
        "a NUL character"
        if code == 0
        else "a lone surrogate"
        if 0xD800 <= code <= 0xDFFF
        else "a control character"
    )
    where = f"line {line}, column {column}" if "\n" in text else f"character {column}"
    return f"{kind} (U+{code:04X}) at {where}"


def check_characters(text: str, origin: Origin, what: str) -> None:
    """Refuse NUL, control characters and lone surrogates, naming where the first one is."""
    problem = forbidden_character(text)
    if problem:
        raise origin.error(f"{what} holds {problem}; remove it")


def _check_document_characters(document: Any, path: Path) -> None:
    """Every key and text value of a parsed document, checked without recursion.

    JSON escapes ("\\u0000", "\\ud800") and YAML's ("\\0") reach here though the file's
    own characters were clean; the message names the record and the key.
    """
    pending: list[tuple[Any, str, Any]] = [(document, "", None)]
    while pending:
        value, where, line = pending.pop()
        line = getattr(value, "line", None) or line
        if isinstance(value, str):
            problem = forbidden_character(value)
            if problem:
                at = f" (line {line})" if line else ""
                raise FixtureError(path, f"{where}{at}", f"holds {problem}; remove it")
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and (problem := forbidden_character(key)):
                    raise FixtureError(path, where or "top level", f"a key holds {problem}")
                pending.append((item, name, line))
        elif isinstance(value, list):
            pending.extend((item, f"{where}[{index}]", line) for index, item in enumerate(value))


def _read_text_file(folder: Path, name: str, origin: Origin) -> tuple[Path, str]:
    """A text_file, only from inside the fixture's own folder, and only a regular file.

    Refused: absolute paths, any '..', a symlink (anywhere on the way) that leads out of
    the folder, and anything but a regular file (a device, a FIFO, a folder): the
    operator named the folder, not the rest of the server.
    """
    relative = Path(name)
    if relative.is_absolute():
        raise origin.error(f"text_file {name!r} is an absolute path; name a file in {folder}")
    if ".." in relative.parts:
        raise origin.error(f"text_file {name!r} leads out of the fixture's folder ('..')")
    root = folder.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise origin.error(
            f"text_file {name!r} is a link to {target}, outside the fixture's folder {root}"
        )
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise origin.error(f"text_file {folder / relative} does not exist") from None
    except OSError as error:
        raise origin.error(
            f"text_file {folder / relative} cannot be read: {error.strerror}"
        ) from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise origin.error(f"text_file {folder / relative} is not a regular file")
        with os.fdopen(os.dup(descriptor), "rb") as file:
            data = file.read()
    finally:
        os.close(descriptor)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise origin.error(
            f"text_file {folder / relative} is not UTF-8 text (byte {error.start})"
        ) from None
    check_characters(text, origin, f"text_file {folder / relative}")
    return target, text


def _load_document(path: Path) -> Any:
    text = _read_text(path)
    document = _parse_document(path, text)
    _check_document_characters(document, path)
    return document


def _parse_document(path: Path, text: str) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text, object_pairs_hook=_json_object)
        except json.JSONDecodeError as error:
            raise FixtureError(
                path, "", f"not valid JSON (line {error.lineno}, column {error.colno}): {error.msg}"
            ) from None
        except RecursionError:
            raise FixtureError(path, "", TOO_DEEP) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except RecursionError:
        raise FixtureError(path, "", TOO_DEEP) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = error.problem or error.context or "malformed"
        raise FixtureError(path, "", f"not valid YAML{where}: {problem}") from None
    except yaml.YAMLError as error:
        raise FixtureError(path, "", f"not valid YAML: {error}") from None


def _json_object(pairs: list[tuple[str, Any]]) -> dict:
    mapping: dict = {}
    for key, value in pairs:
        if key in mapping:
            raise json.JSONDecodeError(f"duplicate key {key!r}", "", 0)
        mapping[key] = value
    return mapping


def read_fixture_file(path: Path) -> FixtureFile:
    """Parse and validate one JSON or YAML fixture file (shape only, no database)."""
    document = _load_document(path)
    fixture = FixtureFile(path=path)
    if document is None:
        raise FixtureError(path, "", "the file is empty")
    if not isinstance(document, dict):
        raise FixtureError(
            path, "", f"the top level must be a mapping with {_keys(TOP_LEVEL_KEYS)}"
        )
    _reject_unknown(document, TOP_LEVEL_KEYS, Origin(path, "top level"))
    if not any(document.get(key) for key in TOP_LEVEL_KEYS):
        raise FixtureError(path, "", f"no records: give at least one of {_keys(TOP_LEVEL_KEYS)}")
    for key, parse, target in (
        ("actors", _parse_actor, fixture.actors),
        ("locations", _parse_location, fixture.locations),
        ("articles", _parse_article, fixture.articles),
        ("events", _parse_event, fixture.events),
    ):
        records = document.get(key)
        if records is None:
            continue
        if not isinstance(records, list):
            raise FixtureError(path, key, f"must be a list, not {_type_name(records)}")
        for index, record in enumerate(records):
            target.append(parse(path, index, record, fixture))
    return fixture


def read_raw_article(path: Path) -> ArticleSpec:
    """A raw ``.txt`` article: slug from the file name, title from the first sentence."""
    slug = slugify(path.stem)
    origin = Origin(path, f'article "{slug}"')
    if not slug:
        raise origin.error("the file name gives no slug; rename the file")
    try:
        raw = parse_raw_article(_read_text(path, origin))
    except RawArticleError as error:
        raise origin.error(f"bad raw article header: {error}") from None
    return ArticleSpec(
        origin=origin,
        slug=slug,
        title=default_title(raw.body),
        outlet="",
        published=raw.published,
        dateline=raw.dateline,
        url="",
        language="en",
        text=raw.body,
        from_raw_file=True,
    )


# --- records -------------------------------------------------------------------------


def _origin(path: Path, noun: str, index: int, record: Any, slug: str | None = None) -> Origin:
    line = getattr(record, "line", None)
    where = f" (line {line})" if line else ""
    if slug:
        return Origin(path, f'{noun} "{slug}"{where}')
    return Origin(path, f"{noun} #{index + 1}{where}")


def _record_slug(path: Path, noun: str, index: int, record: Any, name_key: str) -> Origin:
    """The record's origin labelled by its slug (given, or slugified from its name)."""
    if not isinstance(record, dict):
        raise _origin(path, noun, index, record).error(
            f"must be a mapping, not {_type_name(record)}"
        )
    given = record.get("slug")
    if given is None and isinstance(record.get(name_key), str):
        given = slugify(record[name_key])
    return _origin(path, noun, index, record, given if isinstance(given, str) else None)


def _slug(record: dict, origin: Origin, name_key: str) -> str:
    if "slug" in record:
        slug = _string(record, "slug", origin, required=True)
        try:
            validate_slug(slug)
        except ValidationError:
            raise origin.error(
                f"slug {slug!r} may hold only letters, numbers, hyphens and underscores"
            ) from None
        return slug
    slug = slugify(record[name_key])
    if not slug:
        raise origin.error(f"no slug can be made from {name_key} {record[name_key]!r}; give one")
    return slug


def _parse_actor(path: Path, index: int, record: Any, fixture: FixtureFile) -> ActorSpec:
    origin = _record_slug(path, "actor", index, record, "name")
    _reject_unknown(record, ACTOR_KEYS, origin)
    name = _string(record, "name", origin, required=True)
    return ActorSpec(
        origin=origin,
        slug=_slug(record, origin, "name"),
        name=name,
        kind=_choice(record, "kind", origin, Actor.Kind.values, default=Actor.Kind.OTHER),
        aliases=_string_list(record, "aliases", origin),
        country=_string(record, "country", origin),
        merge=_string_list(record, "merge", origin),
    )


def _parse_location(path: Path, index: int, record: Any, fixture: FixtureFile) -> LocationSpec:
    origin = _record_slug(path, "location", index, record, "name")
    _reject_unknown(record, LOCATION_KEYS, origin)
    name = _string(record, "name", origin, required=True)
    latitude = _number(record, "latitude", origin)
    longitude = _number(record, "longitude", origin)
    if (latitude is None) != (longitude is None):
        raise origin.error("give both latitude and longitude, or neither")
    if latitude is not None and not -90 <= latitude <= 90:
        raise origin.error(f"latitude {latitude} is not between -90 and 90")
    if longitude is not None and not -180 <= longitude <= 180:
        raise origin.error(f"longitude {longitude} is not between -180 and 180")
    return LocationSpec(
        origin=origin,
        slug=_slug(record, origin, "name"),
        name=name,
        kind=_choice(record, "kind", origin, Location.Kind.values, default=Location.Kind.PLACE),
        aliases=_string_list(record, "aliases", origin),
        parent=_string(record, "parent", origin) or None,
        latitude=latitude,
        longitude=longitude,
        merge=_string_list(record, "merge", origin),
    )


def _parse_article(path: Path, index: int, record: Any, fixture: FixtureFile) -> ArticleSpec:
    origin = _record_slug(path, "article", index, record, "title")
    _reject_unknown(record, ARTICLE_KEYS | ARTICLE_TEXT_KEYS, origin)
    given_text = [key for key in ("text", "text_file") if key in record]
    if len(given_text) != 1:
        raise origin.error("give exactly one of 'text' (inline) or 'text_file'")
    published = _date(record, "published", origin)
    dateline = _string(record, "dateline", origin) if "dateline" in record else None
    if given_text == ["text"]:
        text = _string(record, "text", origin, required=True)
    else:
        text_path, content = _read_text_file(
            path.parent, _string(record, "text_file", origin, required=True), origin
        )
        fixture.text_files.add(text_path)
        text, published, dateline = _article_text_file(
            text_path, content, origin, published, dateline
        )
    if published is None:
        raise origin.error("'published' is required (YYYY-MM-DD)")
    title = _string(record, "title", origin, required=True)
    return ArticleSpec(
        origin=origin,
        slug=_slug(record, origin, "title"),
        title=title,
        outlet=_string(record, "outlet", origin),
        published=published,
        dateline=dateline or "",
        url=_string(record, "url", origin),
        language=_string(record, "language", origin) or "en",
        text=text,
    )


def _article_text_file(
    text_path: Path, content: str, origin: Origin, published: date | None, dateline: str | None
) -> tuple[str, date | None, str | None]:
    """The body of a text_file; a raw header fills published and dateline left out."""
    if not _LOOKS_LIKE_HEADER.match(content):
        return content, published, dateline
    try:
        raw = parse_raw_article(content)
    except RawArticleError as error:
        raise origin.error(f"text_file {text_path}: bad raw article header: {error}") from None
    return (
        raw.body,
        published if published is not None else raw.published,
        dateline if dateline is not None else raw.dateline,
    )


def _parse_event(path: Path, index: int, record: Any, fixture: FixtureFile) -> EventSpec:
    origin = _record_slug(path, "event", index, record, "title")
    _reject_unknown(record, EVENT_KEYS, origin)
    title = _string(record, "title", origin, required=True)
    date_start, date_end, precision = _event_date(record, origin)
    return EventSpec(
        origin=origin,
        slug=_slug(record, origin, "title"),
        type=_string(record, "type", origin, required=True),
        title=title,
        summary=_string(record, "summary", origin),
        date_start=date_start,
        date_end=date_end,
        date_precision=precision,
        reported_on=_date(record, "reported_on", origin),
        location=_string(record, "location", origin) or None,
        status=_choice(
            record, "status", origin, Event.Status.values, default=Event.Status.PUBLISHED
        ),
        notes=_string(record, "notes", origin),
        actors=_event_actors(record, origin),
        evidence=_evidence(record, origin),
        figures=_figures(record, origin),
    )


def _event_date(record: dict, origin: Origin) -> tuple[date, date | None, str]:
    if "date" not in record:
        raise origin.error("'date' is required: a date, or {start, end, precision}")
    value = record["date"]
    if isinstance(value, dict):
        if "precision" in record:
            raise origin.error("give 'precision' inside 'date' or beside it, not both")
        inner = Origin(origin.file, f"{origin.label}, date")
        _reject_unknown(value, DATE_RANGE_KEYS, inner)
        start = _date(value, "start", inner)
        if start is None:
            raise inner.error("'start' is required")
        end = _date(value, "end", inner)
        precision = _choice(value, "precision", inner, DatePrecision.values, DatePrecision.DAY)
        if end is not None and end < start:
            raise inner.error(f"end {end} is before start {start}")
        return start, end, precision
    start = _date(record, "date", origin)
    precision = _choice(record, "precision", origin, DatePrecision.values, DatePrecision.DAY)
    return start, None, precision


def _event_actors(record: dict, origin: Origin) -> list[EventActorSpec]:
    items = _list(record, "actors", origin)
    actors = []
    for number, item in enumerate(items, start=1):
        inner = Origin(origin.file, f"{origin.label}, actor #{number}")
        if isinstance(item, str) and item.strip():
            actors.append(EventActorSpec(actor=item.strip(), role=EventActor.Role.PARTY))
            continue
        if not isinstance(item, dict):
            raise inner.error(f"must be a name or {{actor, role}}, not {_type_name(item)}")
        _reject_unknown(item, EVENT_ACTOR_KEYS, inner)
        actors.append(
            EventActorSpec(
                actor=_string(item, "actor", inner, required=True),
                role=_choice(item, "role", inner, EventActor.Role.values, EventActor.Role.PARTY),
            )
        )
    return actors


def _evidence(record: dict, origin: Origin) -> list[EvidenceSpec]:
    evidence = []
    for number, item in enumerate(_list(record, "evidence", origin), start=1):
        inner = Origin(origin.file, f"{origin.label}, evidence #{number}")
        if not isinstance(item, dict):
            raise inner.error(f"must be a mapping, not {_type_name(item)}")
        _reject_unknown(item, EVIDENCE_KEYS, inner)
        occurrence = _integer(item, "occurrence", inner)
        if occurrence is not None and occurrence < 1:
            raise inner.error("occurrence counts from 1")
        evidence.append(
            EvidenceSpec(
                origin=inner,
                article=_string(item, "article", inner, required=True),
                quote=_string(item, "quote", inner, required=True, strip=False),
                occurrence=occurrence,
                attributed_to=_string(item, "attributed_to", inner),
            )
        )
    return evidence


def _figures(record: dict, origin: Origin) -> list[FigureSpec]:
    evidence_count = len(record.get("evidence") or [])
    figures = []
    for number, item in enumerate(_list(record, "figures", origin), start=1):
        inner = Origin(origin.file, f"{origin.label}, figure #{number}")
        if not isinstance(item, dict):
            raise inner.error(f"must be a mapping, not {_type_name(item)}")
        _reject_unknown(item, FIGURE_KEYS, inner)
        low = _integer(item, "low", inner)
        if low is None:
            raise inner.error("'low' is required")
        high = _integer(item, "high", inner)
        for key, value in (("low", low), ("high", high)):
            if value is not None and value < 0:
                raise inner.error(f"{key} {value} is negative")
        if high is not None and low > high:
            raise inner.error(f"low {low} is above high {high}")
        evidence = _integer(item, "evidence", inner)
        if evidence is not None and not 1 <= evidence <= evidence_count:
            raise inner.error(
                f"evidence {evidence} is not one of this event's evidence quotes "
                f"(1 to {evidence_count}, counting from 1)"
                if evidence_count
                else f"evidence {evidence} given, but this event has no evidence"
            )
        figures.append(
            FigureSpec(
                origin=inner,
                kind=_choice(item, "kind", inner, Figure.Kind.values, required=True),
                low=low,
                high=high,
                qualifier=_choice(
                    item, "qualifier", inner, Figure.Qualifier.values, Figure.Qualifier.EXACT
                ),
                attributed_to=_string(item, "attributed_to", inner),
                evidence=evidence,
            )
        )
    return figures


# --- values --------------------------------------------------------------------------


def _reject_unknown(record: dict, allowed: set[str], origin: Origin) -> None:
    unknown = [key for key in record if key not in allowed]
    if unknown:
        names = ", ".join(repr(str(key)) for key in unknown)
        plural = "keys" if len(unknown) > 1 else "key"
        raise origin.error(f"unknown {plural} {names}; allowed: {_keys(allowed)}")


def _keys(keys: set[str]) -> str:
    return ", ".join(sorted(keys))


def _type_name(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    if isinstance(value, int | float):
        return "a number"
    return "text" if isinstance(value, str) else type(value).__name__


def _string(
    record: dict, key: str, origin: Origin, *, required: bool = False, strip: bool = True
) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise origin.error(f"'{key}' is required")
        return ""
    if not isinstance(value, str):
        raise origin.error(f"'{key}' must be text, not {_type_name(value)}")
    if strip:
        value = value.strip()
    if required and not value.strip():
        raise origin.error(f"'{key}' must not be empty")
    return value


def _string_list(record: dict, key: str, origin: Origin) -> list[str]:
    values = _list(record, key, origin)
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise origin.error(f"'{key}' must be a list of names, not {_type_name(value)}")
    return [value.strip() for value in values]


def _list(record: dict, key: str, origin: Origin) -> list:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise origin.error(f"'{key}' must be a list, not {_type_name(value)}")
    return value


def _integer(record: dict, key: str, origin: Origin) -> int | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise origin.error(f"'{key}' must be a whole number, not {_type_name(value)}")
    return value


def _number(record: dict, key: str, origin: Origin) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise origin.error(f"'{key}' must be a number, not {_type_name(value)}")
    return float(value)


def _date(record: dict, key: str, origin: Origin) -> date | None:
    """A date from YAML (already a date) or from text as YYYY-MM-DD."""
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, datetime):
        raise origin.error(f"'{key}' must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise origin.error(f"'{key}' {value!r} is not a real date") from None
    raise origin.error(f"'{key}' must be a date as YYYY-MM-DD, not {value!r}")


def _choice(
    record: dict,
    key: str,
    origin: Origin,
    choices: list[str],
    default: str | None = None,
    *,
    required: bool = False,
) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise origin.error(f"'{key}' is required; one of: {', '.join(choices)}")
        return default
    if not isinstance(value, str) or value not in choices:
        raise origin.error(f"unknown {key} {value!r}; one of: {', '.join(choices)}")
    return value
