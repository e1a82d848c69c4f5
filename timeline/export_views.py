"""Exports of the current filter, streamed: JSON, CSV, GeoJSON, TimelineJS JSON, ACLED and
UCDP GED CSV.

Each takes the timeline's own filter parameters through the one EventFilter
(views.filtered_events). A bad value is a 400 with the filter's messages (JSON for the
JSON formats, plain text for CSV), never a 500; the writers live in timeline/exports.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain, islice

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from timeline import exports
from timeline.datasets import acled, ucdp
from timeline.datasets.base import DatasetFormat
from timeline.filters import EventFilter
from timeline.templatetags.chart_tags import chart_of
from timeline.views import filtered_events

JSON = "application/json"
GEOJSON = "application/geo+json"
CSV = "text/csv; charset=utf-8"


def filter_errors(event_filter: EventFilter, *, as_json: bool) -> HttpResponse | None:
    """A 400 naming every bad parameter, or None when the filter is valid."""
    messages = event_filter.error_messages
    if not messages:
        return None
    if as_json:
        errors = {
            field: [str(message) for message in field_errors]
            for field, field_errors in event_filter.form.errors.items()
        }
        return JsonResponse({"error": " ".join(messages), "errors": errors}, status=400)
    return HttpResponse(
        "Bad filter: " + "\n".join(messages) + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def streamed(
    pieces: Iterator[str], content_type: str, *, filename: str | None = None
) -> StreamingHttpResponse:
    """The pieces as a streamed response, marked at the end if cut short.

    The first two pieces (the JSON's count or the CSV's header, then the first chunk of
    events) are read here, in the view: a filter too broad for the database fails there,
    before anything is sent, as an ordinary 503 from the query deadline rather than a
    200 with a broken body.
    """
    head = list(islice(pieces, 2))
    body = exports.marked_if_cut_short(
        chain(head, pieces), as_csv=content_type.startswith("text/csv")
    )
    response = StreamingHttpResponse(
        (piece.encode("utf-8") for piece in body), content_type=content_type
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _export(
    request: HttpRequest,
    write: Callable[..., Iterator[str]],
    content_type: str,
    *,
    as_json: bool,
    filename: str | None = None,
    with_links: bool = True,
) -> HttpResponse:
    event_filter = filtered_events(request)
    if (bad := filter_errors(event_filter, as_json=as_json)) is not None:
        return bad
    options = {"newest_first": event_filter.newest_first, "chunk_size": exports.CHUNK_SIZE}
    if with_links:
        options["links"] = exports.Links.for_request(request)
    return streamed(write(event_filter.qs, **options), content_type, filename=filename)


def _today() -> str:
    return timezone.localdate().isoformat()


@require_safe
def events_json(request: HttpRequest) -> HttpResponse:
    return _export(request, exports.write_json, JSON, as_json=True)


@require_safe
def events_csv(request: HttpRequest) -> HttpResponse:
    return _export(
        request, exports.write_csv, CSV, as_json=False, filename=f"events-{_today()}.csv"
    )


@require_safe
def events_geojson(request: HttpRequest) -> HttpResponse:
    return _export(request, exports.write_geojson, GEOJSON, as_json=True)


@require_safe
def events_timelinejs(request: HttpRequest) -> HttpResponse:
    return _export(request, exports.write_timelinejs, JSON, as_json=True)


def _dataset_export(request: HttpRequest, fmt: DatasetFormat) -> HttpResponse:
    """The filter's events as the dataset's own CSV; ?date_format=iso (default) or the
    dataset's key for its own date form (for an imported row: the cell exactly as read)."""
    date_format = request.GET.get("date_format", "") or "iso"
    if date_format not in fmt.date_formats:
        choices = " or ".join(fmt.date_formats)
        return HttpResponse(
            f"Bad date_format {date_format!r}: use {choices}.\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    event_filter = filtered_events(request)
    if (bad := filter_errors(event_filter, as_json=False)) is not None:
        return bad
    pieces = exports.write_dataset(
        fmt,
        event_filter.qs,
        date_format=date_format,
        newest_first=event_filter.newest_first,
        chunk_size=exports.CHUNK_SIZE,
    )
    return streamed(pieces, CSV, filename=f"events-{fmt.key}-{_today()}.csv")


@require_safe
def events_acled(request: HttpRequest) -> HttpResponse:
    return _dataset_export(request, acled.FORMAT)


@require_safe
def events_ucdp(request: HttpRequest) -> HttpResponse:
    return _dataset_export(request, ucdp.FORMAT)


@require_safe
def chart_csv(request: HttpRequest) -> HttpResponse:
    """The comparison chart's data: one row per bucket and value, as the chart draws it."""
    event_filter = filtered_events(request)
    if (bad := filter_errors(event_filter, as_json=False)) is not None:
        return bad
    chart = chart_of(event_filter, None)
    response = HttpResponse(
        "".join(exports.write_chart_csv(chart)),
        content_type=CSV,
    )
    response["Content-Disposition"] = f'attachment; filename="chart-{_today()}.csv"'
    return response
