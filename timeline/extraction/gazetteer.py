"""Find known actors and locations in text by their names and aliases."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

EntityKind = Literal["actor", "location"]

# A name that is both an actor and a place ("Israel", "Qatar") is read as the place after
# a locative preposition ("talks in Qatar") and as the actor otherwise ("Qatar said").
_LOCATIVE = re.compile(
    r"\b(?:in|at|to|into|from|near|across|inside|outside|throughout|toward|towards|"
    r"within|around|over|of)\s+(?:the\s+)?$"
)


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    """One actor or location: its slug and every name it goes by (name first)."""

    kind: EntityKind
    slug: str
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A gazetteer name found in text: ``text`` equals the source's ``[start:end]``.

    A possessive ending ("Hamas's") is left outside the span so the quote is the name.
    """

    start: int
    end: int
    text: str
    kind: EntityKind
    slug: str


class Gazetteer:
    """Names and aliases of actors and locations, compiled into one regular expression."""

    def __init__(self, entries: Iterable[GazetteerEntry]) -> None:
        self.entries: tuple[GazetteerEntry, ...] = tuple(entries)
        self._by_name: dict[str, dict[EntityKind, str]] = {}
        for entry in self.entries:
            for name in entry.names:
                for variant in {name, name.upper()}:
                    self._by_name.setdefault(variant, {}).setdefault(entry.kind, entry.slug)
        # Longest names first so that the alternation prefers "Israeli Prime Minister"
        # over "Israeli"; the scan is leftmost, so mentions never overlap.
        names = sorted(self._by_name, key=len, reverse=True)
        alternation = "|".join(re.escape(name) for name in names) or r"(?!x)x"
        self._pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")

    def find(self, text: str) -> list[EntityMention]:
        """Return non-overlapping mentions of known names, longest match first.

        Matching is case-sensitive (an all-capitals variant of each name also matches) and
        respects word boundaries, so "US" does not match inside "USA" or "use", and a
        possessive ("Netanyahu's", "Hamas'") still matches the name.
        """
        mentions = []
        for match in self._pattern.finditer(text):
            kinds = self._by_name[match.group(0)]
            if len(kinds) == 1:
                kind = next(iter(kinds))
            else:
                before = text[max(0, match.start() - 30) : match.start()]
                kind = "location" if _LOCATIVE.search(before) else "actor"
            mentions.append(
                EntityMention(match.start(), match.end(), match.group(0), kind, kinds[kind])
            )
        return mentions

    def slug_for(self, name: str, kind: EntityKind) -> str | None:
        """Return the slug of the entry of ``kind`` that ``name`` names, if any."""
        return self._by_name.get(name.strip(), {}).get(kind)
