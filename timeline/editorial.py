"""The editors' writes: publish, reject, send back for review, edit, merge, revert.

Each runs in one transaction inside `editorial_change`, so the history rows it writes
carry the editor and the reason as one change. The desk's views and the commands call
these; permissions are the caller's to check (timeline/roles.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from timeline.corroboration import recount_outlets
from timeline.history_fields import REASON_MAX_LENGTH, editorial_change
from timeline.models import Event, EventActor, Evidence, Figure

MERGE_CHAIN_LIMIT = 20


class EditorialError(ValueError):
    """An action that cannot be done as asked; the message is for the editor."""


def clean_reason(reason: str | None, *, action: str) -> str:
    """A required short reason, stripped; raises EditorialError when missing or long."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise EditorialError(f"Give a short reason to {action}.")
    if len(reason) > REASON_MAX_LENGTH:
        raise EditorialError(f"Keep the reason under {REASON_MAX_LENGTH} characters.")
    return reason


def set_status(*, events: Iterable[Event], status: str, user, reason: str) -> int:
    """Move events to `status` (published, rejected or proposed); return how many moved.

    Publishing and rejecting need a reason; sending back for review does not.
    """
    verbs = {
        Event.Status.PUBLISHED: "publish",
        Event.Status.REJECTED: "reject",
        Event.Status.PROPOSED: "send back for review",
    }
    if status != Event.Status.PROPOSED:
        reason = clean_reason(reason, action=verbs[status])
    moved = 0
    with editorial_change(user=user, reason=reason):
        ids = [event.pk for event in events]
        for event in Event.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            if event.status == status:
                continue
            if event.merged_into_id is not None:
                raise EditorialError(f"“{event.title}” was merged into another event.")
            event.status = status
            event.reviewed_at = None if status == Event.Status.PROPOSED else timezone.now()
            event.save()
            moved += 1
    return moved


def save_edit(*, event: Event, user, reason: str = "") -> Event:
    """Save an edited event (already validated by its form); a published one needs a reason.

    Status, merge and bookkeeping are taken from the database, not from `event`: an edit
    never publishes, unpublishes or un-merges (those are actions of their own).
    """
    kept = ["status", "merged_into_id", "reviewed_at", "outlet_count"]
    with editorial_change(user=user) as change:
        stored = Event.objects.select_for_update().filter(pk=event.pk).values(*kept).first()
        if stored is not None:
            for name, value in stored.items():
                setattr(event, name, value)
        if event.status == Event.Status.PUBLISHED:
            reason = clean_reason(reason, action="change a published event")
        change.reason = " ".join((reason or "").split())
        event.full_clean()
        event.save()
    return event


@dataclass(frozen=True)
class MergeResult:
    into: Event
    evidence_moved: int
    figures_moved: int
    actors_moved: int


def final_target(event: Event) -> Event:
    """The event a chain of merges ends at (the event itself when it was not merged)."""
    seen = {event.pk}
    while event.merged_into_id is not None:
        event = Event.objects.get(pk=event.merged_into_id)
        if event.pk in seen or len(seen) > MERGE_CHAIN_LIMIT:
            break
        seen.add(event.pk)
    return event


def merge(*, event: Event, into: Event, user, reason: str) -> MergeResult:
    """Merge a duplicate into another event: its evidence, figures and actors move over
    (what `into` already holds stays once), and it is kept, rejected, pointing at `into`
    (so its URL redirects). Atomic; recorded in history on both events."""
    reason = clean_reason(reason, action="merge")
    into = final_target(into)
    if event.pk == into.pk:
        raise EditorialError("An event cannot be merged into itself.")
    if event.merged_into_id is not None:
        raise EditorialError(f"“{event.title}” was already merged into another event.")
    if into.status == Event.Status.REJECTED:
        raise EditorialError(f"“{into.title}” is rejected; merge into a live event.")
    evidence_moved = figures_moved = actors_moved = 0
    with editorial_change(user=user, reason=reason):
        locked = {
            e.pk: e for e in Event.objects.select_for_update().filter(pk__in=[event.pk, into.pk])
        }
        event, into = locked[event.pk], locked[into.pk]
        held = {(e.article_id, e.start, e.end): e for e in into.evidence.all()}
        same_as: dict[int, Evidence] = {}
        for item in event.evidence.all():
            key = (item.article_id, item.start, item.end)
            if key in held:
                same_as[item.pk] = held[key]
                continue
            item.event = into
            item.save()
            evidence_moved += 1
        figures_held = {_figure_key(f) for f in into.figures.all()}
        for figure in event.figures.all():
            if figure.evidence_id in same_as:
                figure.evidence = same_as[figure.evidence_id]
            if _figure_key(figure) in figures_held:
                continue
            figure.event = into
            figure.save()
            figures_moved += 1
        links_held = {_link_key(link) for link in into.event_actors.all()}
        for link in event.event_actors.all():
            if _link_key(link) in links_held:
                continue
            link.event = into
            link.save()
            actors_moved += 1
        reported = [d for d in (into.reported_on, event.reported_on) if d is not None]
        into.reported_on = min(reported) if reported else None
        into.save()
        event.status = Event.Status.REJECTED
        event.merged_into = into
        event.reviewed_at = timezone.now()
        event.save()
        recount_outlets([event.pk, into.pk])
    return MergeResult(into, evidence_moved, figures_moved, actors_moved)


def _figure_key(figure: Figure) -> tuple:
    return (
        figure.kind,
        figure.basis,
        figure.low,
        figure.best,
        figure.high,
        figure.qualifier,
        figure.attributed_to,
        figure.evidence_id,
    )


def _link_key(link: EventActor) -> tuple:
    return (link.actor_id, link.role, link.side, link.source_name)


# Fields a revert restores: what an editor writes, not status (publish/reject say that),
# nor bookkeeping.
REVERTED_FIELDS = [
    "type_id",
    "sub_type_id",
    "title",
    "summary",
    "date_start",
    "date_end",
    "date_precision",
    "reported_on",
    "location_id",
    "notes",
]


def revert(*, event: Event, history_id: int, user, reason: str) -> Event:
    """Put an event's fields, figures and actor links back as they were at a version.

    Evidence is not reverted: quotes only ever point into articles, and removing one is a
    change of its own. Recorded as a new change (history is never rewritten).
    """
    reason = clean_reason(reason, action="revert")
    version = event.history.filter(history_id=history_id).first()
    if version is None:
        raise EditorialError("There is no such version of this event.")
    moment = version.history_date
    if version.change_batch:
        # The version includes the whole change it was part of (inlines save after it).
        for model in (Figure, EventActor):
            last = (
                model.history.filter(event_id=event.pk, change_batch=version.change_batch)
                .order_by("-history_date")
                .values_list("history_date", flat=True)
                .first()
            )
            moment = max(moment, last or moment)
    with editorial_change(user=user, reason=reason):
        event = Event.objects.select_for_update().get(pk=event.pk)
        for name in REVERTED_FIELDS:
            setattr(event, name, getattr(version, name))
        event.full_clean()
        event.save()
        _restore_rows(Figure, event, moment)
        _restore_rows(EventActor, event, moment)
    return event


def _restore_rows(model, event: Event, moment) -> None:
    """Make the event's rows of `model` what they were at `moment`."""
    then = {row.pk: row for row in model.history.as_of(moment).filter(event_id=event.pk)}
    now = {row.pk: row for row in model.objects.filter(event=event)}
    for pk, row in now.items():
        if pk not in then:
            row.delete()
    for pk, row in then.items():
        if pk in now and _same_fields(now[pk], row):
            continue
        evidence_id = getattr(row, "evidence_id", None)
        if evidence_id and not Evidence.objects.filter(pk=evidence_id, event=event).exists():
            row.evidence_id = None
        row.event_id = event.pk
        try:
            row.full_clean(validate_constraints=False)
        except ValidationError as error:
            raise EditorialError(f"That version cannot be restored: {error}") from error
        row.save()


def _same_fields(current, past) -> bool:
    names = [f.attname for f in current._meta.concrete_fields]
    return all(getattr(current, n) == getattr(past, n) for n in names)
