"""Outlets as rows: find an Outlet by what a source or an analyst calls it, or make one.

An article keeps its outlet as the source names it (`Article.outlet`, free text); the
Outlet rows it cites (`Article.outlets`) are what the outlet filter and facet count.
Names are matched case-insensitively against an outlet's name, aliases and slug.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils.text import slugify

from timeline.models import Article, Evidence, Outlet, split_aliases


def _keys(text: str) -> tuple[str, str]:
    return text.strip().casefold(), slugify(text)


@dataclass(frozen=True)
class OutletMatch:
    outlet: Outlet | None
    # Close matches among the outlets articles cite, when nothing matched.
    suggestions: tuple[str, ...] = ()


class OutletIndex:
    """Every outlet, by slug, name and alias, loaded in one query."""

    def __init__(self, outlets: Iterable[Outlet]) -> None:
        self.outlets = list(outlets)
        self._exact: dict[str, Outlet] = {}
        self._slugged: dict[str, Outlet] = {}
        # Slug first, then name, then alias: an earlier tier wins a clash.
        for tier in ("slug", "name", "aliases"):
            for outlet in self.outlets:
                self._register(outlet, tier)

    def _register(self, outlet: Outlet, tier: str) -> None:
        names = split_aliases(outlet.aliases) if tier == "aliases" else [getattr(outlet, tier)]
        for name in names:
            exact, slugged = _keys(name)
            self._exact.setdefault(exact, outlet)
            if slugged:
                self._slugged.setdefault(slugged, outlet)

    def add(self, outlet: Outlet) -> None:
        self.outlets.append(outlet)
        for tier in ("slug", "name", "aliases"):
            self._register(outlet, tier)

    @classmethod
    def cited(cls) -> OutletIndex:
        """The outlets at least one article cites (what the filter can find)."""
        citing = Article.outlets.through.objects.filter(outlet=OuterRef("pk"))
        return cls(Outlet.objects.filter(Exists(citing)).only("slug", "name", "aliases"))

    @classmethod
    def all(cls) -> OutletIndex:
        return cls(Outlet.objects.all())

    def find(self, text: str) -> Outlet | None:
        exact, slugged = _keys(text)
        if not exact:
            return None
        return self._exact.get(exact) or (self._slugged.get(slugged) if slugged else None)

    def match(self, text: str) -> OutletMatch:
        """The outlet `text` names, or up to five close matches by name or alias."""
        found = self.find(text)
        if found is not None:
            return OutletMatch(found)
        wanted = text.strip().casefold()
        names: dict[str, str] = {}
        for outlet in self.outlets:
            for name in [outlet.name, *split_aliases(outlet.aliases)]:
                names.setdefault(name.casefold(), outlet.name)
        close = [name for name in names if wanted and wanted in name]
        close += difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)
        suggestions = tuple(dict.fromkeys(names[name] for name in close))[:5]
        return OutletMatch(None, suggestions)


def outlet_for(name: str, *, index: OutletIndex) -> tuple[Outlet, bool]:
    """The Outlet `name` refers to, created (and added to `index`) when there is none.

    Returns (outlet, created).
    """
    found = index.find(name)
    if found is not None:
        return found, False
    base = slugify(name)[:190] or "outlet"
    taken = set(Outlet.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    outlet = Outlet(slug=slug, name=name.strip()[:300])
    outlet.full_clean()
    outlet.save()
    index.add(outlet)
    return outlet, True


def link_article_outlets(
    *, articles: Iterable[Article], replace: bool = False, index: OutletIndex | None = None
) -> int:
    """Give each article the Outlet its `outlet` text names; return how many were created.

    An article that already cites outlets is left alone unless `replace` (its outlet text
    changed); one with no outlet text cites none.
    """
    index = index or OutletIndex.all()
    created = 0
    for article in articles:
        current = list(article.outlets.all())
        if current and not replace:
            continue
        name = article.outlet.strip()
        if not name:
            if current:
                article.outlets.clear()
            continue
        outlet, new = outlet_for(name, index=index)
        created += new
        if [o.pk for o in current] != [outlet.pk]:
            article.outlets.set([outlet])
    return created


def is_dataset_article(article: Article) -> bool:
    """Whether the article holds a dataset row's notes (ACLED, UCDP).

    Its outlet text is the row's whole source list; the dataset importer splits it into
    outlets, so it must not become one Outlet named after the list.
    """
    return (
        article.dataset_records.exists()
        or Evidence.objects.filter(article=article).exclude(event__external_id="").exists()
    )
