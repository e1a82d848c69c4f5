"""The events chart as a template tag: the timeline's results partial draws it from its filter."""

from django import template

from timeline.chart import EventsChart, events_chart
from timeline.filters import EventFilter

register = template.Library()


def chosen_values(event_filter: EventFilter, split: str) -> list:
    """The values of the split that the filter already names: those are compared."""
    data = event_filter.form.cleaned_data
    value = data.get(split)
    if not value:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if hasattr(value, "pk"):
        return [value]
    return list(value)


def chart_of(event_filter: EventFilter, query, *, link_base: str = "") -> EventsChart | None:
    """The chart of everything `event_filter` matches, drawn as its parameters say."""
    if not event_filter.is_bound or not event_filter.form.is_valid():
        return None
    data = event_filter.form.cleaned_data
    split = event_filter.choice("split", "type")
    return events_chart(
        events=event_filter.qs,
        query=query,
        date_from=data.get("from"),
        date_to=data.get("to"),
        link_base=link_base,
        split=split,
        measure=event_filter.choice("measure", "count"),
        bucket=event_filter.choice("bucket"),
        group=event_filter.choice("group"),
        chosen=chosen_values(event_filter, split),
        summary=event_filter.summary_selection(),
    )


@register.simple_tag(takes_context=True)
def chart_for(context, event_filter) -> EventsChart | None:
    """The chart of everything `event_filter` matches (not just the page shown), or None."""

    def chart() -> EventsChart | None:
        return chart_of(event_filter, context["request"].GET)

    # The timeline's view keeps the request's counts cache on the filter (count_cache).
    counts = getattr(event_filter, "count_cache", None)
    return counts.get("chart", chart) if counts else chart()


@register.simple_tag(takes_context=True)
def chart_settings(context, event_filter) -> dict:
    """The chart's own form: its four choices, the rest of the filter as hidden fields, and
    the link to the chart's data as CSV."""
    from django.urls import reverse

    from timeline.filters import BUCKET_CHOICES, GROUP_CHOICES, MEASURE_CHOICES, SPLIT_CHOICES

    query = context["request"].GET
    names = ("split", "measure", "bucket", "group")
    fields = [
        {"name": "split", "label": "Split by", "choices": SPLIT_CHOICES},
        {"name": "measure", "label": "Measure", "choices": MEASURE_CHOICES},
        {"name": "bucket", "label": "Per", "choices": [("", "Automatic"), *BUCKET_CHOICES]},
        {"name": "group", "label": "Layout", "choices": GROUP_CHOICES},
    ]
    defaults = {"split": "type", "measure": "count", "bucket": "", "group": "stacked"}
    for field in fields:
        field["value"] = event_filter.choice(field["name"], defaults[field["name"]])
    hidden = [
        (key, value)
        for key, values in query.lists()
        if key not in (*names, "cursor", "pages")
        for value in values
        if value
    ]
    kept = query.copy()
    for name in ("cursor", "pages", "view"):
        kept.pop(name, None)
    encoded = kept.urlencode()
    return {
        "fields": fields,
        "hidden": hidden,
        "csv_url": reverse("timeline:chart-csv") + (f"?{encoded}" if encoded else ""),
    }
