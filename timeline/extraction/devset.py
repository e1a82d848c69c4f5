"""The development set: real conflict articles coded by hand, read as an answer key.

``devset/coding.yaml`` holds each article's source, sha256, publication date, dateline,
half (``rules``: the rules were written looking at it; ``held-back``: scored only) and its
coded events (docs/coding-guide.md). The texts live outside the repository, in a cache
folder that ``devset/rebuild.py`` fills; an article whose text is absent or does not
match its sha256 is left out and named in ``missing``.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from timeline.extraction.evaluation import KeyEvent, Report, evaluate
from timeline.extraction.gazetteer import Gazetteer
from timeline.extraction.propose import propose_events

CODING = Path(__file__).resolve().parents[2] / "devset" / "coding.yaml"
HALVES = ("rules", "held-back")


@dataclass(frozen=True, slots=True)
class DevArticle:
    """One coded article with its text."""

    slug: str
    half: str
    published: date
    dateline: str | None
    text: str
    key: tuple[KeyEvent, ...]


@dataclass
class DevSet:
    """The articles whose texts were found, and the slugs of those that were not."""

    articles: list[DevArticle] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def half(self, name: str) -> list[DevArticle]:
        """The articles of one half (``rules`` or ``held-back``)."""
        return [a for a in self.articles if a.half == name]


def load_devset(cache: Path, coding: Path = CODING) -> DevSet:
    """Read the coding and each article's text from ``cache`` (``<slug>.txt``)."""
    document = yaml.safe_load(coding.read_text(encoding="utf-8"))
    devset = DevSet()
    for article in document["articles"]:
        path = cache / f"{article['slug']}.txt"
        text = path.read_text(encoding="utf-8") if path.exists() else None
        if text is None or hashlib.sha256(text.encode()).hexdigest() != article["sha256"]:
            devset.missing.append(article["slug"])
            continue
        devset.articles.append(
            DevArticle(
                slug=article["slug"],
                half=article["half"],
                published=_date(article["published"]),
                dateline=article.get("dateline") or None,
                text=text,
                key=tuple(_key_event(event, text) for event in article["events"]),
            )
        )
    return devset


def _key_event(event: dict, text: str) -> KeyEvent:
    when = event["date"]
    if isinstance(when, dict):
        start, end = _date(when["start"]), _date(when["end"])
    else:
        start, end = _date(when), None
    spans = []
    for evidence in event["evidence"]:
        begin, finish = evidence["start"], evidence["end"]
        if text[begin:finish] != evidence["quote"]:
            raise ValueError(
                f"{event['slug']}: evidence offsets do not quote {evidence['quote']!r}"
            )
        spans.append((begin, finish))
    return KeyEvent(
        event_type=event["type"],
        date_start=start,
        date_end=end if end != start else None,
        evidence_spans=tuple(spans),
        figures=tuple((f["kind"], f["low"]) for f in event.get("figures", ())),
    )


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def score_half(articles: list[DevArticle], gazetteer: Gazetteer) -> Report:
    """Propose events for each article (in memory) and score them against its coding."""

    proposals = {
        a.slug: propose_events(
            a.text, published=a.published, gazetteer=gazetteer, dateline=a.dateline
        )
        for a in articles
    }
    return evaluate(
        proposals,
        {a.slug: list(a.key) for a in articles},
        texts_by_doc={a.slug: a.text for a in articles},
    )
