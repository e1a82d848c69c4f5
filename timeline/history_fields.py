"""What every historical row records beyond the library's own columns, and how it is filled.

django-simple-history writes one historical row per save of an event, its evidence, its
figures and its actor links. An editor's action (publish, merge, an edit) saves several
rows; `editorial_change` stamps them all with one batch, the editor and the reason, so
the event page can show the action as one readable entry. Kept apart from history.py,
which reads the rows, because models.py imports this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models, transaction
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

REASON_MAX_LENGTH = 100  # simple-history's history_change_reason column


class ChangeBatch(models.Model):
    """Added to every historical model: the editorial action a row belongs to."""

    change_batch = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        abstract = True


@dataclass
class EditorialChange:
    user: object | None
    reason: str = ""
    batch: str = field(default_factory=lambda: uuid.uuid4().hex)


_current: ContextVar[EditorialChange | None] = ContextVar("editorial_change", default=None)


@contextmanager
def editorial_change(*, user, reason: str = "") -> Iterator[EditorialChange]:
    """Run the body in one transaction, recording every history row it writes as one change
    by `user` for `reason`. The yielded object's reason may be set later (the admin learns
    it from the form after the change view has started)."""
    change = EditorialChange(user=user if getattr(user, "pk", None) else None, reason=reason)
    token = _current.set(change)
    try:
        with transaction.atomic():
            yield change
    finally:
        _current.reset(token)


def current_change() -> EditorialChange | None:
    return _current.get()


@receiver(pre_create_historical_record)
def stamp_history_row(sender, history_instance, **kwargs) -> None:
    change = _current.get()
    if change is None:
        return
    history_instance.change_batch = change.batch
    if change.user is not None:
        history_instance.history_user = change.user
    if change.reason:
        history_instance.history_change_reason = change.reason[:REASON_MAX_LENGTH]
