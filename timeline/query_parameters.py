"""Only the query parameters the public pages know reach them.

Every link a page generates (filter chips, "load more", sort, exports, the chart's bars,
the map's links) is built from the request's own parameters, so an unknown one used to
be copied into each of them: a 3.9 KB request could come back as 1.69 MB. This
middleware drops parameters the timeline's views do not read before any view sees
them. It applies to the ``timeline`` URL names listed in ``FILTERED_VIEWS`` only; the
admin and any other view keep their parameters untouched.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict

# The views whose links are built from the request's parameters.
FILTERED_VIEWS = {
    "timeline",
    "map",
    "map-data",
    "events-json",
    "events-csv",
    "events-geojson",
    "events-timelinejs",
    "events-acled",
    "event",
    "article",
    "actor",
    "location",
}
# Read by the views beside the filter's own fields (timeline.filters.EventFilter): paging,
# the map's view, the dataset exports' date form, and the parameters DESIGN.md reserves
# for the table view and the chart.
PAGE_PARAMETERS = {
    "cursor",
    "bbox",
    "zoom",
    "view",
    "split",
    "measure",
    "bucket",
    "group",
    "sub_type",
    "corroboration",
    "date_format",  # the dataset exports' date form
}


def known_parameters() -> set[str]:
    from timeline.filters import EventFilter

    return set(EventFilter.base_filters) | PAGE_PARAMETERS


def only_known(query: QueryDict) -> QueryDict:
    """`query` without the parameters no view reads (the same object when it has none)."""
    known = known_parameters()
    if all(key in known for key in query):
        return query
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        if key in known:
            kept.setlist(key, values)
    kept._mutable = False
    return kept


class KnownParametersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match and match.namespace == "timeline" and match.url_name in FILTERED_VIEWS:
            request.GET = only_known(request.GET)
        return None
