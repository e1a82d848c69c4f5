from django import template
from django.http import QueryDict

from timeline import provenance
from timeline.date_display import describe_span

register = template.Library()


@register.filter
def event_dates(event) -> str:
    """An event's dates at its precision ("March 2025", "about 2 Mar – 19 May 2025")."""
    return describe_span(event.date_start, event.date_end, event.date_precision)


@register.simple_tag(takes_context=True)
def query_without(context, name: str, value: str = "", **changes) -> str:
    """The current query string less one parameter value (for removable filter chips)."""
    query: QueryDict = context["request"].GET.copy()
    query.pop("cursor", None)
    if value:
        kept = [v for v in query.getlist(name) if v != value]
        query.setlist(name, kept)
    else:
        query.pop(name, None)
    for key, new in changes.items():
        query[key] = new
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with parameters replaced (sort, cursor, date range)."""
    query: QueryDict = context["request"].GET.copy()
    query.pop("cursor", None)
    for key, new in changes.items():
        if new in (None, ""):
            query.pop(key, None)
        else:
            query[key] = new
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def repeat(text: str, times: int) -> str:
    """Indentation for nested options ("– " once per level)."""
    return text * max(0, int(times or 0))


@register.simple_tag
def figures_in_words(event) -> list:
    """An event card's figures as claims and codings in words (see timeline/provenance.py)."""
    return provenance.card_figures(event)
