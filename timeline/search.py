"""Text search over events: titles, summaries, actor and location names, evidence quotes.

Every term must match somewhere (AND of terms, each an OR over the fields), so
"hospital Gaza" finds the event whose quote says "Hospital officials in Gaza".
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from timeline.models import EventActor, Evidence

TERM = re.compile(r"\w[\w'’-]*", re.UNICODE)


def terms(text: str) -> list[str]:
    return TERM.findall(text)[:12]


def _term_matches(term: str) -> Q:
    return (
        Q(title__icontains=term)
        | Q(summary__icontains=term)
        | Q(location__name__icontains=term)
        | Q(location__aliases__icontains=term)
        | Q(type__name__icontains=term)
        | Q(pk__in=EventActor.objects.filter(actor__name__icontains=term).values("event"))
        | Q(pk__in=EventActor.objects.filter(actor__aliases__icontains=term).values("event"))
        | Q(pk__in=Evidence.objects.filter(quote__icontains=term).values("event"))
    )


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """Events matching every term of `text` in any searchable field."""
    words = terms(text)
    if not words:
        return queryset
    condition = Q()
    for word in words:
        condition &= _term_matches(word)
    return queryset.filter(condition)
