"""Merging: one identity per actor, place and outlet.

When two rows turn out to be the same actor ("Hamas" and ACLED's "Hamas Movement"), the
same place or the same outlet, the loser is merged into the winner: everything that
pointed at it moves, its name becomes an alias, and (actors and places) its slug becomes
a permanent redirect, so links and permalinks made before the merge keep working.

Each merge is one transaction: it happens whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from timeline import search_documents
from timeline.corroboration import recount_outlets
from timeline.models import (
    Actor,
    ActorRedirect,
    Article,
    Event,
    EventActor,
    Evidence,
    Location,
    LocationRedirect,
    Outlet,
    split_aliases,
)


class MergeError(ValueError):
    """A merge that cannot be done (nothing was written)."""


@dataclass
class MergeResult:
    """What a merge did (or, for a dry run, would do)."""

    kind: str
    into: str
    merged: list[str] = field(default_factory=list)
    # Actors: event links moved to the winner; links that said exactly what one of the
    # winner's already said are folded into it.
    links_moved: int = 0
    links_folded: int = 0
    # Places: events moved and child places re-parented. Outlets: articles moved.
    events_moved: int = 0
    children_moved: int = 0
    articles_moved: int = 0
    redirects: int = 0
    aliases_added: int = 0
    dry_run: bool = False

    def one_line(self) -> str:
        """'Merged actor hamas-movement into hamas: 766 event links moved, …'."""
        if not self.merged:
            return f"Nothing to merge into {self.kind} {self.into}."
        noun = self.kind if len(self.merged) == 1 else f"{self.kind}s"
        parts = [
            f"{count} {singular if count == 1 else plural}"
            for count, singular, plural in (
                (self.links_moved, "event link moved", "event links moved"),
                (self.links_folded, "duplicate link folded", "duplicate links folded"),
                (self.events_moved, "event moved", "events moved"),
                (self.children_moved, "place re-parented", "places re-parented"),
                (self.articles_moved, "article moved", "articles moved"),
                (self.redirects, "redirect", "redirects"),
                (self.aliases_added, "alias added", "aliases added"),
            )
            if count
        ]
        verb = "Dry run, nothing written: would merge" if self.dry_run else "Merged"
        details = f": {', '.join(parts)}" if parts else ""
        return f"{verb} {noun} {', '.join(self.merged)} into {self.into}{details}."


def merged_aliases(winner_name: str, current: str, losers: Sequence[tuple[str, str]]) -> str:
    """The winner's aliases plus each loser's name and aliases, once each, one per line.

    `losers` are (name, aliases) pairs. The winner's own name is never its alias.
    """
    aliases = split_aliases(current)
    seen = {winner_name.strip().casefold(), *(alias.casefold() for alias in aliases)}
    for name, loser_aliases in losers:
        for alias in [name.strip(), *split_aliases(loser_aliases)]:
            if alias and alias.casefold() not in seen:
                seen.add(alias.casefold())
                aliases.append(alias)
    return "\n".join(aliases)


def _check_sources(kind: str, sources: Sequence, into) -> list:
    sources = list(dict.fromkeys(sources))
    if not sources:
        raise MergeError(f"no {kind} to merge into {into.slug}")
    if any(source.pk == into.pk for source in sources):
        raise MergeError(f"cannot merge {kind} {into.slug} into itself")
    return sources


def _save_checked(instance) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        raise MergeError(f"{instance._meta.verbose_name} {instance}: {error}") from None
    instance.save()


def _redirect(model, *, old_slug: str, target_field: str, target) -> None:
    """A permanent redirect from old_slug, replacing one that pointed elsewhere."""
    redirect = model.objects.filter(old_slug=old_slug).first() or model(old_slug=old_slug)
    setattr(redirect, target_field, target)
    _save_checked(redirect)


def _batches(ids: list[int], size: int = 5000):
    """Keeps `pk IN (...)` under SQLite's bound-parameter limit."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- actors ---------------------------------------------------------------------------


def merge_actors(*, sources: Sequence[Actor], into: Actor, dry_run: bool = False) -> MergeResult:
    """Merge each actor in `sources` into `into`, then delete it.

    Every EventActor link moves to `into`, keeping its role and side; a link that named
    the loser keeps that name as its `source_name` (what the source called the actor), so
    exports still give it back. A link that would then duplicate one `into` already has
    on the same event (same role, side and name) is folded into it: it said nothing the
    other does not. The loser's name and aliases become aliases of `into`; its slug, and
    every old slug that redirected to it, redirect to `into`. Kind, country, ACLED type
    and description are kept where `into` has none. All or nothing.
    """
    result = MergeResult(kind="actor", into=into.slug, dry_run=dry_run)
    with transaction.atomic():
        sources = _check_sources("actor", sources, into)
        into = Actor.objects.select_for_update().get(pk=into.pk)
        for source in sources:
            _merge_one_actor(Actor.objects.get(pk=source.pk), into, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _merge_one_actor(source: Actor, into: Actor, result: MergeResult) -> None:
    links = list(
        EventActor.objects.filter(actor=source).only("event", "role", "side", "source_name")
    )
    taken = set(
        EventActor.objects.filter(
            actor=into, event__in=EventActor.objects.filter(actor=source).values("event")
        ).values_list("event", "role", "side", "source_name")
    )
    # Links that named the loser only by pointing at it, and links that give a name.
    unnamed, named, folded = [], [], []
    for link in links:
        key = (link.event_id, link.role, link.side, link.source_name or source.name)
        if key in taken:
            folded.append(link.pk)
            continue
        taken.add(key)
        (named if link.source_name else unnamed).append(link.pk)
    for batch in _batches(folded):
        EventActor.objects.filter(pk__in=batch).delete()
    for batch in _batches(unnamed):
        EventActor.objects.filter(pk__in=batch).update(actor=into, source_name=source.name)
    for batch in _batches(named):
        EventActor.objects.filter(pk__in=batch).update(actor=into)
    result.links_moved += len(unnamed) + len(named)
    result.links_folded += len(folded)

    before = len(into.alias_list)
    into.aliases = merged_aliases(into.name, into.aliases, [(source.name, source.aliases)])
    result.aliases_added += len(into.alias_list) - before
    if into.kind == Actor.Kind.OTHER and source.kind != Actor.Kind.OTHER:
        into.kind = source.kind
    for name in ("country", "acled_type", "description"):
        if not getattr(into, name) and getattr(source, name):
            setattr(into, name, getattr(source, name))
    _save_checked(into)

    result.redirects += ActorRedirect.objects.filter(actor=source).update(actor=into) + 1
    old_slug = source.slug
    result.merged.append(old_slug)
    source.delete()
    _redirect(ActorRedirect, old_slug=old_slug, target_field="actor", target=into)


# --- places ---------------------------------------------------------------------------


def merge_locations(
    *, sources: Sequence[Location], into: Location, dry_run: bool = False
) -> MergeResult:
    """Merge each place in `sources` into `into`, then delete it.

    Its events move to `into`; the places inside it move under `into`, their tree paths
    (and their own children's) rewritten. `into` keeps its coordinates, or takes the
    loser's when it has none. When `into` lies inside the loser, it first takes the
    loser's place in the tree. The loser's name and aliases become aliases of `into`; its
    slug, and every old slug that redirected to it, redirect to `into`. All or nothing.
    """
    result = MergeResult(kind="location", into=into.slug, dry_run=dry_run)
    with transaction.atomic():
        sources = _check_sources("location", sources, into)
        for source in sources:
            into = Location.objects.get(pk=into.pk)
            _merge_one_location(Location.objects.get(pk=source.pk), into, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _merge_one_location(source: Location, into: Location, result: MergeResult) -> None:
    if into.tree_path.startswith(source.tree_path):
        # `into` is inside the loser: lift it to the loser's parent first, so that
        # re-parenting the loser's children under it cannot make a cycle.
        into.parent_id = source.parent_id
        into.save()  # Location.save rewrites the paths of the places inside it
        into = Location.objects.get(pk=into.pk)
        source = Location.objects.get(pk=source.pk)

    result.events_moved += Event.objects.filter(location=source).update(location=into)

    if into.latitude is None and source.latitude is not None:
        into.latitude, into.longitude = source.latitude, source.longitude
    if into.geo_precision is None and source.geo_precision is not None:
        into.geo_precision = source.geo_precision
    before = len(into.alias_list)
    into.aliases = merged_aliases(into.name, into.aliases, [(source.name, source.aliases)])
    result.aliases_added += len(into.alias_list) - before
    _save_checked(into)

    old_path = source.tree_path
    inside = list(Location.objects.filter(tree_path__startswith=old_path).exclude(pk=source.pk))
    for place in inside:
        if place.parent_id == source.pk:
            place.parent_id = into.pk
            result.children_moved += 1
        place.tree_path = into.tree_path + place.tree_path[len(old_path) :]
    Location.objects.bulk_update(inside, ["parent", "tree_path"], batch_size=1000)

    result.redirects += LocationRedirect.objects.filter(location=source).update(location=into) + 1
    old_slug = source.slug
    result.merged.append(old_slug)
    source.delete()
    _redirect(LocationRedirect, old_slug=old_slug, target_field="location", target=into)


# --- outlets --------------------------------------------------------------------------


def merge_outlets(*, sources: Sequence[Outlet], into: Outlet, dry_run: bool = False) -> MergeResult:
    """Merge each outlet in `sources` into `into`, then delete it.

    Every article citing the loser cites `into` instead; the loser's name, slug and
    aliases become aliases of `into`, so the outlet filter still finds it by them.
    """
    result = MergeResult(kind="outlet", into=into.slug, dry_run=dry_run)
    with transaction.atomic():
        sources = _check_sources("outlet", sources, into)
        into = Outlet.objects.get(pk=into.pk)
        Through = Article.outlets.through
        touched: set[int] = set()
        for source in Outlet.objects.filter(pk__in=[source.pk for source in sources]):
            citing = set(Through.objects.filter(outlet=source).values_list("article", flat=True))
            touched |= citing
            already = set(
                Through.objects.filter(outlet=into, article__in=citing).values_list(
                    "article", flat=True
                )
            )
            Through.objects.bulk_create(
                [Through(article_id=pk, outlet=into) for pk in citing - already]
            )
            result.articles_moved += len(citing)
            before = len(into.alias_list)
            aliases = source.aliases
            if source.slug != slugify(source.name):
                aliases += "\n" + source.slug
            into.aliases = merged_aliases(into.name, into.aliases, [(source.name, aliases)])
            result.aliases_added += len(into.alias_list) - before
            result.merged.append(source.slug)
            source.delete()
        _save_checked(into)
        # An article citing two of the merged outlets now cites one: its events' outlet
        # counts (corroboration) may drop. Bulk writes send no signals, so count here.
        events = Evidence.objects.filter(article_id__in=touched).values_list("event_id", flat=True)
        recount_outlets(events)
        # Their search documents keep the ids of the outlets they cite.
        search_documents.mark_stale(Event.objects.filter(pk__in=events))
        if dry_run:
            transaction.set_rollback(True)
    return result
