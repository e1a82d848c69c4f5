"""Import fixtures: gazetteer entries, articles and curated events, all or nothing.

``import_fixture_paths`` reads every file first (shape errors stop it before any query),
then, in one transaction, resolves every name and finds every evidence quote before it
writes anything, and upserts by slug. A record that matches the database is left alone,
so re-importing the same files writes nothing and keeps evidence ids (they appear in
URLs as ``#ev-<id>``) stable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from timeline import search_documents
from timeline.importing.fixture_format import (
    RAW_SUFFIXES,
    STRUCTURED_SUFFIXES,
    ActorSpec,
    ArticleSpec,
    EventSpec,
    FixtureError,
    FixtureFile,
    LocationSpec,
    Origin,
    read_fixture_file,
    read_raw_article,
)
from timeline.merging import MergeError, merge_actors, merge_locations
from timeline.models import (
    Actor,
    Article,
    Event,
    EventActor,
    EventType,
    Evidence,
    Figure,
    Location,
    content_hash,
)
from timeline.outlets import OutletIndex, outlet_for

# Keeps `slug IN (...)` under SQLite's bound-parameter limit for very large imports.
_BATCH = 2000


@dataclass
class ModelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Only child rows (evidence, figures, actor roles) are ever deleted: the ones a
    # changed event no longer lists.
    deleted: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def describe(self, singular: str, plural: str | None = None) -> str | None:
        """'10 events (10 created)', or None when there was nothing of this kind."""
        if not self.total and not self.deleted:
            return None
        noun = singular if self.total == 1 else (plural or f"{singular}s")
        parts = [
            f"{count} {label}"
            for count, label in (
                (self.created, "created"),
                (self.updated, "updated"),
                (self.unchanged, "unchanged"),
                (self.deleted, "deleted"),
            )
            if count
        ]
        return f"{self.total} {noun} ({', '.join(parts)})"


@dataclass
class ImportSummary:
    """What an import did (or, for a dry run, would do), per model."""

    files: int = 0
    dry_run: bool = False
    articles: ModelCounts = field(default_factory=ModelCounts)
    events: ModelCounts = field(default_factory=ModelCounts)
    evidence: ModelCounts = field(default_factory=ModelCounts)
    figures: ModelCounts = field(default_factory=ModelCounts)
    event_actors: ModelCounts = field(default_factory=ModelCounts)
    actors: ModelCounts = field(default_factory=ModelCounts)
    locations: ModelCounts = field(default_factory=ModelCounts)
    outlets: ModelCounts = field(default_factory=ModelCounts)
    # "actor “Hamas Movement” into hamas (766 event links moved)", one per merge made.
    merges: list[str] = field(default_factory=list)
    # With --propose: what the extractor proposed from the raw articles.
    proposals: Any = None

    @property
    def changed(self) -> bool:
        return bool(self.merges) or any(
            counts.created or counts.updated or counts.deleted
            for counts in (
                self.articles,
                self.events,
                self.evidence,
                self.figures,
                self.event_actors,
                self.actors,
                self.locations,
                self.outlets,
            )
        )

    def one_line(self) -> str:
        """'Imported 1 article (1 created), 10 events (10 created), … from 3 files.'"""
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        kinds = [
            (self.articles, "article", None),
            (self.events, "event", None),
            (self.evidence, "evidence", "evidence"),
            (self.figures, "figure", None),
            (self.actors, "actor", None),
            (self.locations, "location", None),
            (self.outlets, "outlet", None),
        ]
        if not self.changed:
            seen = [
                f"{counts.total} {singular if counts.total == 1 else plural or singular + 's'}"
                for counts, singular, plural in kinds
                if counts.total
            ]
            verb = "Dry run, nothing would change" if self.dry_run else "Nothing changed"
            return f"{verb}: {', '.join(seen) or 'no records'} up to date, from {files}."
        body = ", ".join(
            part
            for counts, singular, plural in kinds
            if (part := counts.describe(singular, plural))
        )
        merged = f" Merged {'; '.join(self.merges)}." if self.merges else ""
        if self.dry_run:
            merged = merged.replace(" Merged ", " Would merge ")
            return f"Dry run, nothing written: would import {body} from {files}.{merged}"
        return f"Imported {body} from {files}.{merged}"


def import_fixture_paths(
    *, paths: Iterable[Path], dry_run: bool = False, propose: bool = False
) -> ImportSummary:
    """Import fixture files and folders (JSON, YAML, raw .txt articles) all or nothing.

    Folders are searched recursively in sorted order. Every file is parsed and checked
    before the database is touched; names are then resolved and quotes found before
    anything is written. Records are upserted by slug and only saved when they differ.
    Raises FixtureError (naming the file and the record) on any problem, leaving the
    database as it was. With dry_run, everything runs and is rolled back.
    """
    from timeline.importing.article_lines import ARTICLE_LINE_SUFFIXES, load_article_lines

    files = expand_paths(paths)
    fixtures = [
        read_fixture_file(path) for path in files if path.suffix.lower() in STRUCTURED_SUFFIXES
    ]
    referenced = set().union(*(fixture.text_files for fixture in fixtures))
    raw_articles = [
        read_raw_article(path)
        for path in files
        if path.suffix.lower() in RAW_SUFFIXES and path.resolve() not in referenced
    ]
    raw_articles += [
        spec
        for path in files
        if path.suffix.lower() in ARTICLE_LINE_SUFFIXES
        for spec in load_article_lines(path)
    ]
    records = _Records.collect(fixtures, raw_articles)
    summary = ImportSummary(files=len(files), dry_run=dry_run)
    with transaction.atomic(), search_documents.deferred():
        plan = _plan(records)
        _write(plan, summary)
        if propose and raw_articles:
            # Raw articles come without curated events: have events proposed from them.
            from timeline.proposing import propose_for_articles

            summary.proposals = propose_for_articles(
                articles=Article.objects.filter(slug__in=[spec.slug for spec in raw_articles])
            )
        if dry_run:
            transaction.set_rollback(True)
    return summary


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus fixture files found (recursively, sorted) in folders."""
    from timeline.importing.article_lines import ARTICLE_LINE_SUFFIXES

    suffixes = STRUCTURED_SUFFIXES | RAW_SUFFIXES | ARTICLE_LINE_SUFFIXES
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            in_folder = sorted(
                candidate
                for candidate in path.rglob("*")
                if candidate.is_file()
                and candidate.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
            )
            if not in_folder:
                raise FixtureError(
                    path, "", f"no fixture files ({', '.join(sorted(suffixes))}) in this folder"
                )
            root = path.resolve()
            for candidate in in_folder:
                # The operator named this folder: a link in it leading elsewhere is refused.
                if not candidate.resolve().is_relative_to(root):
                    raise FixtureError(
                        candidate, "", f"is a link to {candidate.resolve()}, outside {root}"
                    )
            found.extend(in_folder)
        elif path.is_file():
            if path.suffix.lower() not in suffixes:
                raise FixtureError(
                    path, "", f"not a fixture file: use {', '.join(sorted(suffixes))}"
                )
            found.append(path)
        else:
            raise FixtureError(path, "", "no such file or folder")
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


# --- collecting and checking the parsed records ----------------------------------------


@dataclass
class _Records:
    actors: dict[str, ActorSpec]
    locations: dict[str, LocationSpec]
    articles: dict[str, ArticleSpec]
    events: dict[str, EventSpec]

    @classmethod
    def collect(cls, fixtures: list[FixtureFile], raw_articles: list[ArticleSpec]) -> _Records:
        """All records by slug; a slug given twice in one import is an error."""
        records = cls(actors={}, locations={}, articles={}, events={})
        for fixture in fixtures:
            _add_unique(records.actors, fixture.actors, "actor")
            _add_unique(records.locations, fixture.locations, "location")
            _add_unique(records.articles, fixture.articles, "article")
            _add_unique(records.events, fixture.events, "event")
        _add_unique(records.articles, raw_articles, "article")
        by_text: dict[str, ArticleSpec] = {}
        for article in records.articles.values():
            earlier = by_text.get(article.text)
            if earlier and (article.from_raw_file or earlier.from_raw_file):
                raw = article if article.from_raw_file else earlier
                other = earlier if raw is article else article
                raise raw.origin.error(
                    f"the same text is also imported as article {other.slug!r} "
                    f"({other.origin.file})"
                )
            by_text.setdefault(article.text, article)
        return records


def _add_unique(target: dict[str, Any], specs: list, noun: str) -> None:
    for spec in specs:
        earlier = target.get(spec.slug)
        if earlier is not None:
            raise spec.origin.error(
                f"duplicate {noun} slug {spec.slug!r}: already given in "
                f"{earlier.origin.file} ({earlier.origin.label})"
            )
        target[spec.slug] = spec


# --- planning: resolve names and quotes before writing ---------------------------------


class _Gazetteer:
    """Case-insensitive lookup of a slug, a name or an alias; the slug wins, then the name."""

    def __init__(self, noun: str, entries: dict[str, tuple[str, list[str]]]) -> None:
        self.noun = noun
        self.tiers: list[dict[str, set[str]]] = [defaultdict(set) for _ in range(3)]
        for slug, (name, aliases) in entries.items():
            self.tiers[0][slug.lower()].add(slug)
            self.tiers[1][name.lower()].add(slug)
            for alias in aliases:
                self.tiers[2][alias.lower()].add(slug)

    def resolve(self, term: str, origin: Origin) -> str:
        key = term.strip().lower()
        for tier in self.tiers:
            slugs = tier.get(key)
            if slugs and len(slugs) == 1:
                return next(iter(slugs))
            if slugs:
                raise origin.error(
                    f"{self.noun} {term!r} is ambiguous: it names {', '.join(sorted(slugs))}; "
                    "use the slug"
                )
        raise origin.error(
            f"unknown {self.noun} {term!r}: not a slug, name or alias in the gazetteer "
            f"(add it under '{self.noun}s')"
        )


@dataclass
class _PlannedEvidence:
    article: str
    start: int
    end: int
    quote: str
    attributed_to: str


@dataclass
class _PlannedEvent:
    spec: EventSpec
    type_id: int
    location: str | None
    actors: list[tuple[str, str]]
    evidence: list[_PlannedEvidence]


@dataclass
class _Plan:
    records: _Records
    actors: dict[str, Actor]
    locations: dict[str, Location]
    location_parents: dict[str, str | None]
    location_order: list[str]
    articles: dict[str, Article]
    events: list[_PlannedEvent]
    existing_events: dict[str, Event]
    # Stored rows a gazetteer entry's `merge:` names, by the slug they merge into.
    actor_merges: dict[str, list[Actor]] = field(default_factory=dict)
    location_merges: dict[str, list[Location]] = field(default_factory=dict)


def _plan(records: _Records) -> _Plan:
    """Load what exists, resolve every reference and find every quote; write nothing."""
    actors = {actor.slug: actor for actor in Actor.objects.all()}
    locations = {location.slug: location for location in Location.objects.all()}
    # Rows about to be merged away are not there to be named: their names are aliases
    # of the entries they merge into.
    actor_merges = _merges_named("actor", records.actors, actors)
    location_merges = _merges_named("location", records.locations, locations)
    actor_index = _Gazetteer("actor", _gazetteer_entries(actors, records.actors))
    location_index = _Gazetteer("location", _gazetteer_entries(locations, records.locations))
    location_parents = {
        slug: spec.parent and location_index.resolve(spec.parent, spec.origin)
        for slug, spec in records.locations.items()
    }
    location_order = _parents_first(records.locations, location_parents)

    article_slugs = set(records.articles) | {
        evidence.article for event in records.events.values() for evidence in event.evidence
    }
    articles = {
        article.slug: article
        for batch in _batches(sorted(article_slugs))
        for article in Article.objects.filter(slug__in=batch).annotate(
            has_evidence=models.Exists(Evidence.objects.filter(article=models.OuterRef("pk")))
        )
    }
    _check_articles(records, articles)

    event_types = _event_type_index()
    planned = [
        _PlannedEvent(
            spec=spec,
            type_id=_resolve_event_type(event_types, spec),
            location=spec.location and location_index.resolve(spec.location, spec.origin),
            actors=_resolve_event_actors(actor_index, spec),
            evidence=[_find_quote(records, articles, spec, item) for item in spec.evidence],
        )
        for spec in records.events.values()
    ]
    existing_events = {
        event.slug: event
        for batch in _batches(sorted(records.events))
        for event in Event.objects.filter(slug__in=batch).prefetch_related(
            "event_actors", "figures", "evidence"
        )
    }
    return _Plan(
        records=records,
        actors=actors,
        locations=locations,
        location_parents=location_parents,
        location_order=location_order,
        articles=articles,
        events=planned,
        existing_events=existing_events,
        actor_merges=actor_merges,
        location_merges=location_merges,
    )


def _merges_named(noun: str, specs: dict, stored: dict) -> dict[str, list]:
    """For each entry with `merge:`, the stored rows (other slugs) its names or slugs name.

    Those rows are removed from `stored`. A row this import also gives, or one that two
    entries claim, is an error.
    """
    merges: dict[str, list] = {}
    claimed: dict[str, str] = {}
    for slug, spec in specs.items():
        wanted = {name.casefold() for name in spec.merge}
        if not wanted:
            continue
        for row in list(stored.values()):
            if row.slug == slug or not (
                row.name.casefold() in wanted or row.slug.casefold() in wanted
            ):
                continue
            if row.slug in specs:
                raise spec.origin.error(
                    f"merge names {noun} {row.name!r} ({row.slug}), which this import also "
                    "gives: drop one of them"
                )
            if row.slug in claimed:
                raise spec.origin.error(
                    f"merge names {noun} {row.name!r} ({row.slug}), which {claimed[row.slug]!r} "
                    "also merges"
                )
            claimed[row.slug] = slug
            merges.setdefault(slug, []).append(row)
    for rows in merges.values():
        for row in rows:
            del stored[row.slug]
    return merges


def _gazetteer_entries(existing: dict, specs: dict) -> dict[str, tuple[str, list[str]]]:
    # A record in this import replaces the stored one with the same slug.
    entries = {slug: (row.name, row.alias_list) for slug, row in existing.items()}
    entries.update({slug: (spec.name, spec.all_aliases) for slug, spec in specs.items()})
    return entries


def _parents_first(specs: dict[str, LocationSpec], parents: dict[str, str | None]) -> list[str]:
    order: list[str] = []
    done: set[str] = set()

    def visit(slug: str, chain: list[str]) -> None:
        if slug in done or slug not in specs:
            return
        if slug in chain:
            cycle = " -> ".join([*chain[chain.index(slug) :], slug])
            raise specs[slug].origin.error(f"a place cannot be inside itself: {cycle}")
        parent = parents[slug]
        if parent:
            visit(parent, [*chain, slug])
        done.add(slug)
        order.append(slug)

    for slug in specs:
        visit(slug, [])
    return order


def _check_articles(records: _Records, stored: dict[str, Article]) -> None:
    for slug, spec in records.articles.items():
        article = stored.get(slug)
        if article is not None and article.text != spec.text and article.has_evidence:
            raise spec.origin.error(
                "the article text differs from the stored text, and evidence points into "
                "the stored text by character offsets; the text cannot be changed. Import "
                "the new text as a new article (another slug) instead"
            )
    raw = {spec.slug: spec for spec in records.articles.values() if spec.from_raw_file}
    if not raw:
        return
    hashes = {content_hash(spec.text): spec for spec in raw.values()}
    for batch in _batches(sorted(hashes)):
        for slug, digest in Article.objects.filter(content_hash__in=batch).values_list(
            "slug", "content_hash"
        ):
            spec = hashes[digest]
            if slug != spec.slug and slug not in records.articles:
                raise spec.origin.error(
                    f"the same text is already imported as article {slug!r}; not importing it twice"
                )


def _event_type_index() -> dict[str, int]:
    types = list(EventType.objects.all())
    # A slug wins over another type's name.
    index = {event_type.name.lower(): event_type.pk for event_type in types}
    index.update({event_type.slug.lower(): event_type.pk for event_type in types})
    return index


def _resolve_event_type(index: dict[str, int], spec: EventSpec) -> int:
    type_id = index.get(spec.type.lower())
    if type_id is None:
        known = ", ".join(sorted(EventType.objects.values_list("slug", flat=True)))
        raise spec.origin.error(f"unknown event type {spec.type!r}; one of: {known}")
    return type_id


def _resolve_event_actors(index: _Gazetteer, spec: EventSpec) -> list[tuple[str, str]]:
    resolved: list[tuple[str, str]] = []
    for item in spec.actors:
        pair = (index.resolve(item.actor, spec.origin), item.role)
        if pair in resolved:
            raise spec.origin.error(
                f"actor {item.actor!r} ({pair[0]}) is listed twice as {item.role}"
            )
        resolved.append(pair)
    return resolved


def _find_quote(
    records: _Records, stored: dict[str, Article], event: EventSpec, evidence
) -> _PlannedEvidence:
    if evidence.article in records.articles:
        text = records.articles[evidence.article].text
    elif evidence.article in stored:
        text = stored[evidence.article].text
    else:
        raise evidence.origin.error(
            f"unknown article {evidence.article!r}: not in this import nor in the database"
        )
    starts = _occurrences(text, evidence.quote)
    short = evidence.quote if len(evidence.quote) <= 80 else evidence.quote[:77] + "..."
    if not starts:
        raise evidence.origin.error(
            f"quote not found in article {evidence.article!r}: {short!r} (quotes must match "
            "the article text exactly, including punctuation and spacing)"
        )
    if evidence.occurrence is None and len(starts) > 1:
        raise evidence.origin.error(
            f"quote occurs {len(starts)} times in article {evidence.article!r}: {short!r}; "
            f"add 'occurrence: N' (1 to {len(starts)}) to say which one"
        )
    occurrence = evidence.occurrence or 1
    if occurrence > len(starts):
        times = "once" if len(starts) == 1 else f"{len(starts)} times"
        raise evidence.origin.error(
            f"occurrence {occurrence} asked for, but the quote occurs only {times} in "
            f"article {evidence.article!r}"
        )
    start = starts[occurrence - 1]
    return _PlannedEvidence(
        article=evidence.article,
        start=start,
        end=start + len(evidence.quote),
        quote=evidence.quote,
        attributed_to=evidence.attributed_to,
    )


def _occurrences(text: str, quote: str) -> list[int]:
    """Every start of `quote` in `text`, overlapping ones included (as Evidence.clean does)."""
    starts = []
    position = text.find(quote)
    while position >= 0:
        starts.append(position)
        position = text.find(quote, position + 1)
    return starts


def _batches(items: list[str]) -> Iterator[list[str]]:
    for index in range(0, len(items), _BATCH):
        yield items[index : index + _BATCH]


# --- writing ---------------------------------------------------------------------------


def _save(instance: models.Model, origin: Origin) -> None:
    """full_clean() then save, turning a validation error into a FixtureError.

    Relations are left out of the check: the importer set each one to a row it has just
    loaded or saved, and checking that the row exists would cost a query per field per
    record (thousands of them on a large import). clean() and every other field and
    constraint are still checked.
    """
    relations = [field.name for field in instance._meta.concrete_fields if field.is_relation]
    try:
        instance.full_clean(exclude=relations)
    except ValidationError as error:
        raise origin.error(_validation_message(error)) from None
    instance.save()


def _validation_message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" if name != "__all__" else " ".join(messages)
            for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def _assign(instance: models.Model, values: dict[str, Any]) -> bool:
    """Set the fields that differ; True when any did.

    Relations are compared by id so that checking a stored row never loads its targets.
    """
    changed = False
    for name, value in values.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            current = getattr(instance, field.attname)
            new = value.pk if isinstance(value, models.Model) else value
        else:
            current, new = getattr(instance, name), value
        if current != new:
            setattr(instance, name, value)
            changed = True
    return changed


def _upsert(
    model: type[models.Model],
    stored: dict[str, models.Model],
    slug: str,
    values: dict[str, Any],
    origin: Origin,
    counts: ModelCounts,
) -> models.Model:
    instance = stored.get(slug)
    if instance is None:
        instance = model(slug=slug, **values)
        _save(instance, origin)
        stored[slug] = instance
        counts.created += 1
    elif _assign(instance, values):
        _save(instance, origin)
        counts.updated += 1
    else:
        counts.unchanged += 1
    return instance


def _write(plan: _Plan, summary: ImportSummary) -> None:
    records = plan.records
    for slug, spec in records.actors.items():
        _upsert(
            Actor,
            plan.actors,
            slug,
            {
                "name": spec.name,
                "kind": spec.kind,
                "aliases": "\n".join(spec.all_aliases),
                "country": spec.country,
            },
            spec.origin,
            summary.actors,
        )
    for slug, losers in plan.actor_merges.items():
        _merge(merge_actors, "actor", losers, plan.actors, slug, records.actors, summary)
    for slug in plan.location_order:
        spec = records.locations[slug]
        parent_slug = plan.location_parents[slug]
        values = {
            "name": spec.name,
            "kind": spec.kind,
            "aliases": "\n".join(spec.all_aliases),
            "parent": plan.locations[parent_slug] if parent_slug else None,
        }
        if spec.latitude is not None:
            # A place given without coordinates keeps those it has (from a dataset
            # import or a merge).
            values.update(latitude=spec.latitude, longitude=spec.longitude)
        _upsert(Location, plan.locations, slug, values, spec.origin, summary.locations)
    for slug, losers in plan.location_merges.items():
        _merge(
            merge_locations, "location", losers, plan.locations, slug, records.locations, summary
        )
    outlets = OutletIndex.all()
    linked = set(
        Article.outlets.through.objects.filter(
            article__in=[a.pk for a in plan.articles.values()]
        ).values_list("article", flat=True)
    )
    for slug, spec in records.articles.items():
        stored = plan.articles.get(slug)
        outlet_changed = stored is None or stored.outlet != spec.outlet
        article = _upsert(
            Article,
            plan.articles,
            slug,
            {
                "title": spec.title,
                "outlet": spec.outlet,
                "published": spec.published,
                "dateline": spec.dateline,
                "url": spec.url,
                "language": spec.language,
                "text": spec.text,
            },
            spec.origin,
            summary.articles,
        )
        if outlet_changed or (spec.outlet and article.pk not in linked):
            _link_outlet(article, outlets, summary.outlets)
    for planned in plan.events:
        _write_event(plan, planned, summary)


def _merge(merge, noun: str, losers, stored: dict, slug: str, specs: dict, summary) -> None:
    """Merge stored rows named by an entry's `merge:` into it, and say so in the summary."""
    try:
        result = merge(sources=losers, into=stored[slug])
    except MergeError as error:
        raise specs[slug].origin.error(f"cannot merge: {error}") from None
    names = ", ".join(f"“{row.name}”" for row in losers)
    moved = result.links_moved + result.links_folded or result.events_moved
    what = "event link" if noun == "actor" else "event"
    plural = "" if moved == 1 else "s"
    summary.merges.append(f"{noun} {names} into {slug} ({moved} {what}{plural} moved)")


def _link_outlet(article: Article, outlets: OutletIndex, counts: ModelCounts) -> None:
    """The article cites the Outlet its outlet text names (made when new), or none."""
    if not article.outlet.strip():
        article.outlets.clear()
        return
    outlet, created = outlet_for(article.outlet, index=outlets)
    counts.created += created
    article.outlets.set([outlet])


def _write_event(plan: _Plan, planned: _PlannedEvent, summary: ImportSummary) -> None:
    spec = planned.spec
    counts = ModelCounts()
    event = _upsert(
        Event,
        plan.existing_events,
        spec.slug,
        {
            "type_id": planned.type_id,
            "title": spec.title,
            "summary": spec.summary,
            "date_start": spec.date_start,
            "date_end": spec.date_end,
            "date_precision": spec.date_precision,
            "reported_on": spec.reported_on,
            "location": plan.locations[planned.location] if planned.location else None,
            "status": spec.status,
            "notes": spec.notes,
        },
        spec.origin,
        counts,
    )
    created = bool(counts.created)
    children_changed = _write_event_actors(plan, planned, event, created, summary)
    evidence = _write_evidence(plan, planned, event, created, summary)
    children_changed |= evidence.changed
    children_changed |= _write_figures(planned, event, evidence.rows, created, summary)
    if counts.unchanged and children_changed:
        counts.unchanged, counts.updated = 0, 1
    summary.events.created += counts.created
    summary.events.updated += counts.updated
    summary.events.unchanged += counts.unchanged


def _write_event_actors(
    plan: _Plan, planned: _PlannedEvent, event: Event, created: bool, summary: ImportSummary
) -> bool:
    counts = summary.event_actors
    stored = {} if created else {(row.actor_id, row.role): row for row in event.event_actors.all()}
    wanted = {(plan.actors[slug].pk, role): slug for slug, role in planned.actors}
    for key, row in stored.items():
        if key not in wanted:
            row.delete()
            counts.deleted += 1
    for actor_id, role in wanted:
        if (actor_id, role) in stored:
            counts.unchanged += 1
            continue
        link = EventActor(event=event, actor_id=actor_id, role=role)
        _save(link, planned.spec.origin)
        counts.created += 1
    return set(wanted) != set(stored)


@dataclass
class _EvidenceResult:
    rows: list[Evidence]
    changed: bool


def _write_evidence(
    plan: _Plan, planned: _PlannedEvent, event: Event, created: bool, summary: ImportSummary
) -> _EvidenceResult:
    """Keep stored evidence that still matches (so its id, used in URLs, stays stable)."""
    counts = summary.evidence
    stored = [] if created else list(event.evidence.all())
    wanted = [
        {
            "article": plan.articles[item.article],
            "start": item.start,
            "end": item.end,
            "quote": item.quote,
            "attributed_to": item.attributed_to,
        }
        for item in planned.evidence
    ]
    rows, leftovers = _match(stored, wanted, lambda row, values: _same_evidence(row, values))
    changed = False
    for index, values in enumerate(wanted):
        origin = planned.spec.evidence[index].origin
        row = rows[index]
        if row is not None:
            counts.unchanged += 1
            continue
        row = leftovers.pop(0) if leftovers else Evidence(event=event)
        is_new = row.pk is None
        _assign(row, values)
        _save(row, origin)
        rows[index] = row
        changed = True
        if is_new:
            counts.created += 1
        else:
            counts.updated += 1
    for row in leftovers:
        row.delete()
        counts.deleted += 1
        changed = True
    return _EvidenceResult(rows=rows, changed=changed)


def _same_evidence(row: Evidence, values: dict[str, Any]) -> bool:
    return (
        row.article_id == values["article"].pk
        and row.start == values["start"]
        and row.end == values["end"]
        and row.quote == values["quote"]
        and row.attributed_to == values["attributed_to"]
    )


def _write_figures(
    planned: _PlannedEvent,
    event: Event,
    evidence_rows: list[Evidence],
    created: bool,
    summary: ImportSummary,
) -> bool:
    counts = summary.figures
    stored = [] if created else list(event.figures.all())
    wanted = [
        {
            "kind": figure.kind,
            "low": figure.low,
            "high": figure.high,
            "qualifier": figure.qualifier,
            "attributed_to": figure.attributed_to,
            "evidence": evidence_rows[figure.evidence - 1] if figure.evidence else None,
        }
        for figure in planned.spec.figures
    ]
    rows, leftovers = _match(stored, wanted, _same_figure)
    changed = False
    for index, values in enumerate(wanted):
        if rows[index] is not None:
            counts.unchanged += 1
            continue
        row = leftovers.pop(0) if leftovers else Figure(event=event)
        is_new = row.pk is None
        _assign(row, values)
        _save(row, planned.spec.figures[index].origin)
        changed = True
        if is_new:
            counts.created += 1
        else:
            counts.updated += 1
    for row in leftovers:
        row.delete()
        counts.deleted += 1
        changed = True
    return changed


def _same_figure(row: Figure, values: dict[str, Any]) -> bool:
    evidence = values["evidence"]
    return (
        row.kind == values["kind"]
        and row.low == values["low"]
        and row.high == values["high"]
        and row.qualifier == values["qualifier"]
        and row.attributed_to == values["attributed_to"]
        and row.evidence_id == (evidence.pk if evidence else None)
    )


def _match(stored: list, wanted: list[dict], same) -> tuple[list, list]:
    """Pair each wanted row with an identical stored one; return (pairs, stored leftovers).

    Leftovers are reused, in order, for the wanted rows that found no twin, so that a
    corrected quote keeps its id instead of being deleted and created again.
    """
    available = list(stored)
    rows: list = []
    for values in wanted:
        twin = next((row for row in available if same(row, values)), None)
        if twin is not None:
            available.remove(twin)
        rows.append(twin)
    return rows, available
