"""Every option of a facet, with its count over the current filter: the "all N …" lists
and the filter form's type-ahead (actors, places, outlets).

`/facets/<name>/?<filter>` is a page of its own without JavaScript (a search box and the
whole list); for htmx it answers with the list alone, narrowed by `find` or by the
type-ahead's `find_<name>`. Each option is a link to the timeline with that value added
to the filter (actors add up; a place or an outlet replaces the one chosen).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from timeline.views import HtmxHttpRequest, canonical_query, filtered_events, is_fragment_request

FACETS = {
    "actor": ("actor", "actors"),
    "location": ("place", "places"),
    "outlet": ("outlet", "outlets"),
}
# Parameters of this page that are not the filter.
OWN_PARAMETERS = ("find", "find_actor", "find_location", "find_outlet", "cursor", "pages")


def filter_query(request: HttpRequest) -> QueryDict:
    query = request.GET.copy()
    for name in OWN_PARAMETERS:
        query.pop(name, None)
    return query


def option_url(query: QueryDict, name: str, value: str) -> str:
    """The timeline with `value` added to the filter (or, for a place or outlet, set)."""
    narrowed = query.copy()
    if name == "actor":
        if value not in narrowed.getlist("actor"):
            narrowed.appendlist("actor", value)
    else:
        narrowed[name] = value
    encoded = canonical_query(narrowed)
    return reverse("timeline:timeline") + (f"?{encoded}" if encoded else "")


@require_safe
def facet_list(request: HtmxHttpRequest, name: str) -> HttpResponse:
    if name not in FACETS:
        raise Http404("No such facet.")
    event_filter = filtered_events(request)
    find = (request.GET.get("find") or request.GET.get(f"find_{name}") or "").strip()[:100]
    errors = event_filter.error_messages
    options = [] if errors else event_filter.facet_options(name, find)
    query = filter_query(request)
    for option in options:
        option["url"] = option_url(query, name, option["value"])
    singular, plural = FACETS[name]
    encoded = canonical_query(query)
    context = {
        "name": name,
        "singular": singular,
        "plural": plural,
        "find": find,
        "options": options,
        "errors": errors,
        "hidden": [(key, value) for key, values in query.lists() for value in values if value],
        "timeline_url": reverse("timeline:timeline") + (f"?{encoded}" if encoded else ""),
        "chips": event_filter.active_filters(),
        # Inside the timeline's form, an option swaps the timeline in place.
        "in_timeline": bool(request.htmx)
        and (request.htmx.current_url_abs_path or "").split("?")[0] == reverse("timeline:timeline"),
    }
    template = "timeline/facet_list.html"
    if is_fragment_request(request):
        template += "#options"
    response = render(request, template, context, status=400 if errors else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response
