"""The reference gazetteer shipped with the code (reference_gazetteer.yaml).

Countries and capitals, states' governments, armies and leaders' offices, UN bodies and
agencies, and the major armed groups of the conflicts in the development set: names a
user of a fresh install would expect the extractor to know before adding any of their own.
"""

from functools import cache
from pathlib import Path

import yaml

from timeline.extraction.gazetteer import GazetteerEntry

REFERENCE = Path(__file__).with_name("reference_gazetteer.yaml")


@cache
def reference_entries() -> tuple[GazetteerEntry, ...]:
    """One entry per reference actor and location: its name, then its aliases."""
    from django.utils.text import slugify  # pure function; no settings needed

    document = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    entries = []
    for kind, key in (("actor", "actors"), ("location", "locations")):
        for item in document[key]:
            names = tuple(dict.fromkeys([item["name"], *item.get("aliases", [])]))
            entries.append(GazetteerEntry(kind, slugify(item["name"]), names))
    return tuple(entries)
