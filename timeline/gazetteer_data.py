"""The extractor's gazetteer, read from the Actor and Location rows editors maintain.

Built fresh for each run, so an alias an editor adds in the admin is used next time.
"""

from __future__ import annotations

from timeline.extraction.gazetteer import Gazetteer, GazetteerEntry
from timeline.extraction.reference import reference_entries
from timeline.models import Actor, Location, split_aliases


def gazetteer_entries() -> list[GazetteerEntry]:
    """One entry per Actor and Location: its name, then its aliases (one per line)."""
    entries = []
    for kind, model in (("actor", Actor), ("location", Location)):
        for slug, name, aliases in model.objects.order_by("slug").values_list(
            "slug", "name", "aliases"
        ):
            names = [name.strip(), *split_aliases(aliases)]
            names = [n for n in dict.fromkeys(names) if n]
            if names:
                entries.append(GazetteerEntry(kind, slug, tuple(names)))
    return entries


def build_gazetteer() -> Gazetteer:
    """A Gazetteer of every Actor and Location in the database, names and aliases, then
    the shipped reference list (timeline/extraction/reference_gazetteer.yaml); a name in
    both keeps the database's entry."""
    return Gazetteer([*gazetteer_entries(), *reference_entries()])
