"""Who said what, in words: figures by basis, an event's sides, a dataset's own record.

A claim is a number a named source stated ("more than 30 killed — claimed by hospital
officials in Gaza, via the BBC"). A coding is a dataset's own count ("ACLED coded at least
1 fatality, from: Ma'an News Agency; …"): the outlets it read are named as what ACLED read,
never as the claimant of the number. Everything here works on prefetched objects and runs
no query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from timeline.datasets.acled import ACLED_COLUMNS
from timeline.datasets.ucdp import UCDP_COLUMNS
from timeline.models import DatasetRecord, Event, EventActor, Figure

# The column a dataset lists its outlets in, and how it separates them.
SOURCE_COLUMNS = {
    DatasetRecord.Dataset.ACLED: "source",
    DatasetRecord.Dataset.UCDP: "source_office",
}
# Each dataset's columns in its own order, for showing a record as the dataset has it.
DATASET_COLUMNS = {
    DatasetRecord.Dataset.ACLED: ACLED_COLUMNS,
    DatasetRecord.Dataset.UCDP: UCDP_COLUMNS,
}
# How a dataset's own coding is named in a sentence ("UCDP coded …", not "UCDP GED coded …").
CODER_NAMES = {DatasetRecord.Dataset.ACLED: "ACLED", DatasetRecord.Dataset.UCDP: "UCDP"}
# A coded figure's kind as a noun: ACLED codes fatalities, UCDP deaths.
KILLED_NOUNS = {"ACLED": ("fatality", "fatalities"), "UCDP": ("death", "deaths")}


@dataclass
class FigureWords:
    """A figure as a sentence: `lead` is the number (shown strong), `rest` who stands behind it."""

    figure: Figure
    lead: str
    rest: str

    @property
    def basis(self) -> str:
        return self.figure.basis

    def __str__(self) -> str:
        return f"{self.lead}{self.rest}"


def split_sources(text: str) -> list[str]:
    """A dataset's source list ("A; B;C") as outlet names, in its order, without repeats."""
    names = []
    for part in (text or "").split(";"):
        name = part.strip()
        if name and name not in names:
            names.append(name)
    return names


def record_outlets(record: DatasetRecord | None) -> list[str]:
    """The outlets a dataset row cites, as the dataset spells them."""
    if record is None:
        return []
    column = SOURCE_COLUMNS.get(record.dataset)
    return split_sources(str(record.row.get(column, ""))) if column else []


def coded_noun(coder: str, figure: Figure, number: int) -> str:
    if figure.kind == Figure.Kind.KILLED:
        singular, plural = KILLED_NOUNS.get(coder, ("death", "deaths"))
        return singular if number == 1 else plural
    return figure.get_kind_display()


def describe_figure(
    figure: Figure, *, outlets: list[str] | None = None, via: str = ""
) -> FigureWords:
    """One figure in words by its basis.

    `outlets`: what a coding dataset read (the record's source list); `via`: the outlet of
    the article a claim was reported in.
    """
    if figure.basis == Figure.Basis.CODING:
        coder = figure.attributed_to or "A dataset"
        if figure.best is not None:
            number = figure.best
            lead = f"{coder} coded {number:,} {coded_noun(coder, figure, number)}"
            bounds = [f"low {figure.low:,}"]
            if figure.high is not None:
                bounds.append(f"high {figure.high:,}")
            rest = f" (best estimate; {', '.join(bounds)})"
        else:
            number = figure.high if figure.qualifier == Figure.Qualifier.UP_TO else figure.low
            lead = f"{coder} coded {figure.amount} {coded_noun(coder, figure, number or 0)}"
            rest = ""
        if outlets:
            rest += ", from: " + "; ".join(outlets)
        return FigureWords(figure=figure, lead=lead, rest=rest)
    lead = figure.display
    if not figure.attributed_to:
        return FigureWords(figure=figure, lead=lead, rest=" — not attributed to a source")
    rest = f" — claimed by {figure.attributed_to}"
    if via and via.lower() not in figure.attributed_to.lower():
        rest += f", via {via}"
    return FigureWords(figure=figure, lead=lead, rest=rest)


def event_figures(event: Event, *, outlets: list[str] | None = None) -> list[FigureWords]:
    """Every figure of an event in words (uses the prefetched figures and evidence).

    A coding names `outlets`, what the dataset read (its record's source list); a claim
    the outlet of the article its evidence quotes.
    """
    evidence = {item.pk: item for item in event.evidence.all()}
    words = []
    for figure in event.figures.all():
        if figure.basis == Figure.Basis.CODING:
            words.append(describe_figure(figure, outlets=outlets))
        else:
            quoted = evidence.get(figure.evidence_id)
            via = quoted.article.outlet if quoted is not None else ""
            words.append(describe_figure(figure, via=via))
    return words


def card_figures(event: Event) -> list[FigureWords]:
    """An event card's figures in words (the event comes from EventQuerySet.for_cards)."""
    return event_figures(event, outlets=split_sources(getattr(event, "coded_from", "") or ""))


def dataset_record_of(event: Event) -> DatasetRecord | None:
    """The event's dataset record, or None (no query when it was select_related)."""
    try:
        return event.dataset_record
    except DatasetRecord.DoesNotExist:
        return None


@dataclass
class Side:
    """One side of an event as a dataset codes it: primary actors first, then associated."""

    code: str
    label: str
    primary: list[EventActor] = field(default_factory=list)
    associated: list[EventActor] = field(default_factory=list)

    @property
    def actors(self) -> list[EventActor]:
        return self.primary + self.associated


def event_sides(event: Event) -> tuple[list[Side], list[EventActor]]:
    """(sides, others): the actors on side A and side B, and those with no side."""
    sides = {
        EventActor.Side.A: Side(code="a", label="Side A"),
        EventActor.Side.B: Side(code="b", label="Side B"),
    }
    others = []
    for link in sorted(event.event_actors.all(), key=lambda link: (link.associated, link.pk)):
        side = sides.get(link.side)
        if side is None:
            others.append(link)
        elif link.associated:
            side.associated.append(link)
        else:
            side.primary.append(link)
    return [side for side in sides.values() if side.actors], others


def record_columns(record: DatasetRecord) -> list[tuple[str, str]]:
    """The record's columns in the dataset's own order, then any others it had.

    PostgreSQL's jsonb does not keep key order, so the order comes from the dataset.
    """
    order = dataset_columns(record.dataset)
    row = record.row or {}
    known = [name for name in order if name in row]
    extra = sorted(name for name in row if name not in order)
    return [(name, "" if row[name] is None else str(row[name])) for name in known + extra]


def dataset_columns(dataset: str) -> list[str]:
    return DATASET_COLUMNS.get(dataset, [])


def coder_name(record: DatasetRecord) -> str:
    return CODER_NAMES.get(record.dataset, record.get_dataset_display())
