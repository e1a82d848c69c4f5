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
    query.pop("pages", None)
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
    query.pop("pages", None)
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


@register.filter
def number(value) -> str:
    """One number format everywhere: 5,352 (a blank for no value)."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def figure_range(bounds) -> str:
    """(low, high) figure bounds as a number: "12", "12–30", "≥ 1" (open-ended), "" (none)."""
    low, high = bounds
    if low is None:
        return ""
    if high is None:
        return f"≥ {low:,}"
    if high == low:
        return f"{low:,}"
    return f"{low:,}–{high:,}"


@register.simple_tag(takes_context=True)
def sort_link(context, key: str) -> dict:
    """A table column's sort link: descending first, then ascending; its aria-sort state."""
    current = context.get("sort", "-date")
    descending = f"-{key}"
    if current == descending:
        target, state = key, "descending"
    elif current == key:
        target, state = descending, "ascending"
    else:
        target, state = descending, "none"
    query: QueryDict = context["request"].GET.copy()
    for name in ("cursor", "pages"):
        query.pop(name, None)
    query["sort"] = target
    if target == "-date":
        del query["sort"]
    encoded = query.urlencode()
    return {"url": f"?{encoded}" if encoded else "?", "state": state}


@register.simple_tag
def figures_in_words(event) -> list:
    """An event card's figures as claims and codings in words (see timeline/provenance.py)."""
    return provenance.card_figures(event)
