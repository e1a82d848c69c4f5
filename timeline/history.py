"""The history of an event in words: who changed what, when and why.

Reads the rows django-simple-history keeps for the event, its evidence, figures and actor
links (four queries however long the history) and turns each editorial change into one
entry of readable lines: "Killed: more than 30 → at least 38, per Gaza health ministry".
Rows written by one action share a batch (history_fields.editorial_change); rows written
outside one (the extractor, a plain save) are grouped when the same hand wrote them
within a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.text import Truncator

from timeline.date_display import describe_span
from timeline.models import Event, EventActor, Evidence, Figure

UNBATCHED_GAP = timedelta(seconds=5)
QUOTE_CHARS = 90


@dataclass
class Entry:
    """One change: what happened (a headline and lines), by whom, when and why."""

    when: datetime
    who: str
    headline: str = "Edited"
    lines: list[str] = field(default_factory=list)
    reason: str = ""
    # The event's version after this change, when the change touched the event itself:
    # staff may revert to it.
    version_id: int | None = None

    @property
    def when_iso(self) -> str:
        """For <time datetime>: whole seconds, UTC (HTML allows at most milliseconds)."""
        return self.when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def editor_label(user) -> str:
    """How the public history names who made a change (HISTORY_SHOW_EDITOR_NAMES)."""
    if user is None:
        return "automatically"
    if getattr(settings, "HISTORY_SHOW_EDITOR_NAMES", False):
        return f"by {user.get_full_name() or user.get_username()}"
    return "by an editor"


def history_rows(event: Event) -> dict[str, list]:
    """The history rows of an event and what hangs off it, oldest first."""
    order = ("history_date", "history_id")
    return {
        "event": list(
            Event.history.filter(Q(id=event.pk) | Q(merged_into_id=event.pk))
            .select_related("history_user", "type", "sub_type", "location", "merged_into")
            .order_by(*order)
        ),
        "figure": list(
            Figure.history.filter(event_id=event.pk).select_related("history_user").order_by(*order)
        ),
        "evidence": list(
            Evidence.history.filter(event_id=event.pk)
            .select_related("history_user", "article")
            .defer("article__text")
            .order_by(*order)
        ),
        "actor": list(
            EventActor.history.filter(event_id=event.pk)
            .select_related("history_user", "actor")
            .order_by(*order)
        ),
    }


def event_history(event: Event) -> list[Entry]:
    """The event's changes as entries, newest first."""
    rows = history_rows(event)
    tagged = [(row.history_date, kind, row) for kind, items in rows.items() for row in items]
    tagged.sort(key=lambda item: (item[0], item[2].history_id))
    previous: dict[tuple[str, int], object] = {}
    groups: list[list[tuple[str, object, object]]] = []
    keys: list[tuple] = []
    for when, kind, row in tagged:
        before = previous.get((kind, row.id))
        previous[(kind, row.id)] = row
        key = ("batch", row.change_batch) if row.change_batch else ("user", row.history_user_id)
        if (
            groups
            and keys[-1] == key
            and (row.change_batch or when - groups[-1][-1][1].history_date <= UNBATCHED_GAP)
        ):
            groups[-1].append((kind, row, before))
        else:
            groups.append([(kind, row, before)])
            keys.append(key)
    entries = [_entry(event, group) for group in groups]
    return [entry for entry in reversed(entries) if entry.lines or entry.headline != "Edited"]


def _entry(event: Event, group: list[tuple[str, object, object]]) -> Entry:
    first = group[0][1]
    entry = Entry(
        when=max(row.history_date for _, row, _ in group),
        who=editor_label(first.history_user),
        reason=next(
            (row.history_change_reason for _, row, _ in group if row.history_change_reason), ""
        )
        or "",
    )
    for kind, row, before in group:
        if kind == "event" and row.id != event.pk:
            if row.merged_into_id == event.pk and (
                before is None or before.merged_into_id != event.pk
            ):
                entry.headline = "Merged a duplicate into this event"
                entry.lines.insert(0, f"Merged in: “{row.title}” ({_dates(row)})")
            continue
        describe = {
            "event": _event_lines,
            "figure": _figure_lines,
            "evidence": _evidence_lines,
            "actor": _actor_lines,
        }[kind]
        headline, lines = describe(row, before)
        if kind == "event":
            entry.version_id = row.history_id
        if headline and entry.headline == "Edited":
            entry.headline = headline
        entry.lines.extend(lines)
    return entry


def _dates(row) -> str:
    return describe_span(row.date_start, row.date_end, row.date_precision)


EVENT_FIELDS = [
    ("Title", lambda r: r.title),
    ("Type", lambda r: r.type.name if r.type_id else "—"),
    ("Sub-type", lambda r: r.sub_type.name if r.sub_type_id else "—"),
    ("When", _dates),
    ("Where", lambda r: r.location.name if r.location_id else "—"),
    ("First reported", lambda r: f"{r.reported_on:%-d %b %Y}" if r.reported_on else "—"),
]
STATUS_HEADLINES = {
    "published": "Published",
    "rejected": "Rejected",
    "proposed": "Sent back for review",
}


def _event_lines(row, before) -> tuple[str, list[str]]:
    if before is None:
        created = "Proposed" if row.status == "proposed" else f"Created as {row.status}"
        return created, [f"{label}: {value(row)}" for label, value in EVENT_FIELDS[:1]]
    headline = ""
    lines = []
    if row.merged_into_id and row.merged_into_id != before.merged_into_id:
        headline = "Merged into another event"
        lines.append(f"Merged into: “{row.merged_into.title}”")
    elif row.status != before.status:
        headline = STATUS_HEADLINES.get(row.status, "Status changed")
    for label, value in EVENT_FIELDS:
        old, new = value(before), value(row)
        if old != new:
            lines.append(f"{label}: {old} → {new}")
    for name, label in (("summary", "Summary"), ("notes", "Editor's notes")):
        if getattr(row, name) != getattr(before, name):
            lines.append(f"{label} changed")
    return headline, lines


def _figure_text(row) -> str:
    figure = row.instance
    claimant = f", per {row.attributed_to}" if row.attributed_to else ""
    return f"{figure.amount}{claimant}"


def _figure_lines(row, before) -> tuple[str, list[str]]:
    kind = row.get_kind_display().capitalize()
    if row.history_type == "-":
        return "", [f"{kind}: {_figure_text(row)} removed"]
    if before is None or before.history_type == "-":
        return "", [f"{kind}: {_figure_text(row)} added"]
    old, new = _figure_text(before), _figure_text(row)
    if before.event_id != row.event_id:
        return "", [f"{kind}: {new} moved here"]
    if old == new and before.kind == row.kind:
        return "", []
    old_kind = before.get_kind_display().capitalize()
    if old_kind != kind:
        return "", [f"{old_kind}: {old} → {kind}: {new}"]
    return "", [f"{kind}: {before.instance.amount} → {new}"]


def _evidence_text(row) -> str:
    quote = Truncator(row.quote).chars(QUOTE_CHARS)
    article = row.article
    source = ", ".join(part for part in (article.outlet, f"{article.published:%-d %b %Y}") if part)
    return f"“{quote}” ({source})"


def _evidence_lines(row, before) -> tuple[str, list[str]]:
    if row.history_type == "-":
        return "", [f"Source removed: {_evidence_text(row)}"]
    if before is None or before.history_type == "-" or before.event_id != row.event_id:
        return "", [f"Source added: {_evidence_text(row)}"]
    if (before.quote, before.attributed_to) != (row.quote, row.attributed_to):
        return "", [f"Source changed: {_evidence_text(row)}"]
    return "", []


def _actor_text(row) -> str:
    return f"{row.actor.name} ({row.get_role_display().lower()})"


def _actor_lines(row, before) -> tuple[str, list[str]]:
    if row.history_type == "-":
        return "", [f"Actor removed: {_actor_text(row)}"]
    if before is None or before.history_type == "-" or before.event_id != row.event_id:
        return "", [f"Actor added: {_actor_text(row)}"]
    if _actor_text(before) != _actor_text(row):
        return "", [f"Actor: {_actor_text(before)} → {_actor_text(row)}"]
    return "", []
