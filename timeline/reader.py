"""The article reader: article text split into paragraphs, with evidence spans marked.

The article text is hostile input: it is escaped here, and the only HTML we add are our
own <mark> elements. Overlapping spans are nested-safe: a span that starts inside an
earlier one is cut at the boundary so marks never interleave.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass
class Piece:
    text: str
    # The Evidence rows covering this piece, each drawn as a (nested) <mark>.
    evidence: list = field(default_factory=list)
    # Evidence whose span starts in this piece: their mark carries id="ev-<id>".
    anchor_ids: set = field(default_factory=set)
    # Evidence whose span ends with this piece: a link back to the event follows.
    ending: list = field(default_factory=list)


@dataclass
class Paragraph:
    pieces: list[Piece]


def marked_paragraphs(text: str, evidence: list) -> list[Paragraph]:
    """Paragraphs of `text` as pieces, each piece covered by zero or more evidence spans."""
    spans = [e for e in evidence if e.start is not None and e.end is not None]
    bounds = {0, len(text)}
    for e in spans:
        bounds.update((max(0, e.start), min(len(text), e.end)))
    for match in PARAGRAPH_BREAK.finditer(text):
        bounds.update((match.start(), match.end()))
    cuts = sorted(bounds)
    breaks = [(m.start(), m.end()) for m in PARAGRAPH_BREAK.finditer(text)]
    anchored: set[int] = set()
    paragraphs: list[Paragraph] = [Paragraph(pieces=[])]
    for left, right in pairwise(cuts):
        if any(b_start <= left and right <= b_end for b_start, b_end in breaks):
            if paragraphs[-1].pieces:
                paragraphs.append(Paragraph(pieces=[]))
            continue
        covering = [e for e in spans if e.start <= left and right <= e.end]
        starting = {e.pk for e in covering if e.pk not in anchored}
        anchored |= starting
        ending = [e for e in covering if e.end == right]
        paragraphs[-1].pieces.append(
            Piece(text=text[left:right], evidence=covering, anchor_ids=starting, ending=ending)
        )
    return [p for p in paragraphs if p.pieces]
