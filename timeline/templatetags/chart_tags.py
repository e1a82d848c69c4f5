"""The events chart as a template tag: the timeline's results partial draws it from its filter."""

from django import template
from django.template.defaultfilters import pluralize
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from timeline.chart import EventsChart, events_chart
from timeline.filters import EventFilter
from timeline.templatetags.timeline_tags import number

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
    summary = event_filter.summary_selection()
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
        summary=summary,
        # Counted with the facets, when their statement did (PostgreSQL).
        counted=event_filter.chart_rows(split) if summary is None else None,
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


# -- the chart's many small parts, written out here ----------------------------------------
# A ten-year chart has hundreds of bar segments and a data table of hundreds of cells; as
# template loops they took longer to render than the rest of the timeline page together.
# These write the same HTML, byte for byte, as the loops they replace did (test_chart).
def _value(value) -> str:
    """A value as {{ value }} writes it (localized, escaped)."""
    return conditional_escape(localize(value))


def _swap(url: str, swap: bool) -> str:
    if not swap:
        return ""
    return (
        f' data-hx-get="{url}" data-hx-target="#timeline-layout" data-hx-swap="outerHTML"'
        ' data-hx-push-url="true"'
    )


@register.simple_tag
def chart_killed_bars(panel) -> str:
    """The killed row's bars of one panel."""
    return mark_safe(
        "".join(
            f'<rect class="chart-killed" x="{_value(bucket.x)}" y="{_value(bucket.killed_y)}"'
            f' width="{_value(bucket.width)}" height="{_value(bucket.killed_height)}"/>'
            for bucket in panel.buckets
            if bucket.killed
        )
    )


@register.simple_tag
def chart_links(panel, chart, swap) -> str:
    """Each bar segment of one panel: a link over it that narrows the filter to it."""
    killed = chart.measure == "killed"
    parts = []
    for bucket in panel.buckets:
        label, x, width = conditional_escape(bucket.label), _value(bucket.x), _value(bucket.width)
        for segment in bucket.segments:
            url = conditional_escape(segment.url)
            noun = "killed" if killed else "event" + pluralize(segment.count)
            series = segment.series
            parts.append(
                f'\n      <a href="{url}" tabindex="-1"{_swap(url, swap)}><title>{label}: '
                f"{conditional_escape(number(segment.count))} {noun}, "
                f"{conditional_escape(series.label)}</title>"
                f'<rect class="chart-bar {conditional_escape(series.css)}" x="{x}"'
                f' y="{_value(segment.y)}" width="{width}" height="{_value(segment.height)}"/></a>'
            )
    return mark_safe("".join(parts))


@register.simple_tag
def chart_rows(chart, swap) -> str:
    """The data table's rows: a bucket, its total, a count per series, killed per source."""
    parts = []
    with_killed = bool(chart.max_killed)
    for row in chart.rows:
        bucket = row["bucket"]
        url = conditional_escape(bucket.url)
        cells = "".join(
            f"<td>{conditional_escape(number(cell.count)) if cell else '0'}</td>"
            for cell in row["cells"]
        )
        killed = ""
        if with_killed:
            killed = "".join(
                f"<td>{conditional_escape(number(n)) if n is not None else '—'}</td>"
                for n in bucket.killed_cells
            )
        parts.append(
            f'\n        <tr>\n          <th scope="row"><a href="{url}"{_swap(url, swap)}>'
            f"{conditional_escape(bucket.label)}</a></th>\n"
            f"          <td>{conditional_escape(number(row['total']))}</td>\n"
            f"          {cells}\n          {killed}\n        </tr>\n        "
        )
    return mark_safe("".join(parts))
