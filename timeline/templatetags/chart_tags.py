"""The events chart as a template tag: the timeline's results partial draws it from its filter."""

from django import template

from timeline.chart import EventsChart, events_chart

register = template.Library()


@register.simple_tag(takes_context=True)
def chart_for(context, event_filter) -> EventsChart | None:
    """The chart of everything `event_filter` matches (not just the page shown), or None."""
    if not event_filter.is_bound or not event_filter.form.is_valid():
        return None
    data = event_filter.form.cleaned_data

    def chart() -> EventsChart | None:
        return events_chart(
            events=event_filter.qs,
            query=context["request"].GET,
            date_from=data.get("from"),
            date_to=data.get("to"),
        )

    # The timeline's view keeps the request's counts cache on the filter (count_cache).
    counts = getattr(event_filter, "count_cache", None)
    return counts.get("chart", chart) if counts else chart()
