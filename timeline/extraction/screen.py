"""A learned screen over the rules' proposals: keep those likely to be coded events.

The rules propose candidates; a small logistic regression scores each one from general
features of the proposal and its sentence (type, what anchors it — place, parties,
figures, its own date —, tense and modality, speech and quotation, where in the article
it sits, how long ago it is dated) and the proposals under the threshold are dropped.
Its weights (``screen_weights.json``) are written by ``devset/train_screen.py`` from the
development set's ``rules`` half only, with the threshold chosen by leave-one-article-out
cross-validation there; nothing is learned from the held-back half.

No feature names an article, an outlet or a place: each says what kind of proposal it is.
"""

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("screen_weights.json")

_TALKS = frozenset({"negotiation", "diplomatic-meeting"})
_VIOLENT = frozenset({"military-strike", "armed-clash"})
_MODAL = re.compile(
    r"\b(?:will|would|could|may|might|should|shall|must|expects?|expected|plans?|planned|"
    r"intends?|hopes?|likely|possible|possibly|if|unless|ready to|prepared to|going to)\b",
    re.IGNORECASE,
)
_SPEECH = re.compile(
    r"\b(?:said|says|told|added|stated|according to|claimed|claims|announced|reported|"
    r"warned|insisted|noted|stressed|accused)\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[\"“”]")
_PERFECT = re.compile(r"\b(?:has|have|had)\s+(?:\w+ly\s+)?(?:been\s+)?\w+ed\b", re.IGNORECASE)

FEATURES: tuple[str, ...] = (
    "bias",
    "type:statement",
    "type:violent",
    "type:casualty",
    "type:talks",
    "merged",  # told in more than one sentence
    "place",  # a gazetteer place
    "place-hint",  # an unknown capitalised place after "in", "near" …
    "parties",
    "figures",
    "own-date",
    "undated",
    "day-precise",
    "span",  # dated over more than a day
    "refers-back",
    "new-speaker",
    "attributed",
    "modal",
    "speech",
    "quoted",
    "perfect",
    "lead",  # in the first fifth of the article
    "late",  # in the last third
    "long-sentence",
    "crowded",  # three or more proposals from the same sentence
    "days-before",  # log(1 + days between the event's last day and publication)
)


def features(proposal, text: str, published: date, per_sentence: Counter) -> list[float]:
    """The feature vector of one proposal (order of ``FEATURES``)."""
    first = proposal.evidence[0]
    sentence = text[first.start : first.end]
    kind = proposal.event_type
    position = first.start / max(1, len(text))
    days = max(0, (published - proposal.date_last).days)
    return [
        1.0,
        float(kind == "statement"),
        float(kind in _VIOLENT),
        float(kind == "casualty-report"),
        float(kind in _TALKS),
        float(len(proposal.evidence) > 1),
        float(bool(proposal.location_slug)),
        float(bool(proposal.place_hint) and not proposal.location_slug),
        float(bool(proposal.actors)),
        float(bool(proposal.figures)),
        float(proposal.own_date),
        float(proposal.undated),
        float(proposal.date_precision == "day"),
        float(proposal.date_end is not None and proposal.date_end != proposal.date_start),
        float(proposal.refers_back),
        float(bool(proposal.new_actors)),
        float(bool(first.attributed_to)),
        float(bool(_MODAL.search(sentence))),
        float(bool(_SPEECH.search(sentence))),
        float(bool(_QUOTE.search(sentence))),
        float(bool(_PERFECT.search(sentence))),
        float(position < 0.2),
        float(position > 2 / 3),
        float(len(sentence.split()) > 40),
        float(per_sentence[first.start] >= 3),
        math.log1p(days),
    ]


def feature_rows(proposals: Sequence, text: str, published: date) -> list[list[float]]:
    """Feature vectors of proposals made from one text."""
    per_sentence = Counter(p.evidence[0].start for p in proposals)
    return [features(p, text, published, per_sentence) for p in proposals]


def score(weights: Sequence[float], row: Sequence[float]) -> float:
    """The modelled probability that a proposal is a coded event."""
    z = sum(w * x for w, x in zip(weights, row, strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@cache
def load_weights(path: Path = WEIGHTS) -> tuple[tuple[float, ...], float] | None:
    """The committed weights and threshold, or None when none are committed."""
    if not path.exists():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    if tuple(document["features"]) != FEATURES:
        raise ValueError(f"{path}: features differ from the code's; run devset/train_screen.py")
    return tuple(document["weights"]), float(document["threshold"])


def screen(proposals: list, text: str, published: date, path: Path = WEIGHTS) -> list:
    """The proposals whose score reaches the committed threshold (all of them when no
    weights are committed or the threshold is 0, as cross-validation chose in Dec 2026)."""
    model = load_weights(path)
    if model is None or not proposals or model[1] <= 0:
        return proposals
    weights, threshold = model
    rows = feature_rows(proposals, text, published)
    return [p for p, row in zip(proposals, rows, strict=True) if score(weights, row) >= threshold]
