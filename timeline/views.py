"""Pages: the timeline (and its htmx partials), an event, the article reader, entities.

A view parses the request, calls a queryset or a service, renders.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.middleware import HtmxDetails

from timeline import paging, provenance, search
from timeline.chart import events_chart
from timeline.colours import for_dark_background, readable_ink
from timeline.filters import EventFilter
from timeline.models import (
    HEX_COLOUR,
    Actor,
    ActorRedirect,
    Article,
    Event,
    EventActor,
    EventType,
    Location,
    LocationRedirect,
)
from timeline.reader import marked_paragraphs


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


PAGE_SIZE = 50
HEX = HEX_COLOUR.regex


def is_fragment_request(request: HtmxHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def filtered_events(request: HttpRequest) -> EventFilter:
    """The EventFilter for this request over what this user may see."""
    return EventFilter(
        request.GET, queryset=Event.objects.visible_to(request.user), user=request.user
    )


def canonical_query(query: QueryDict) -> str:
    """The query string without empty parameters (and the default order)."""
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        values = [value for value in values if value]
        if key == "sort" and values == ["date"]:
            continue
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def query_without_cursor(request: HttpRequest) -> str:
    """The filter as a query string, for permalinks and export links."""
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


def timeline_context(request: HtmxHttpRequest, event_filter: EventFilter) -> dict:
    """Everything the timeline page and its partials show for one filter."""
    errors = list(event_filter.error_messages)
    cursor = None
    if not errors and request.GET.get("cursor"):
        cursor = paging.parse_cursor(request.GET["cursor"])
        if cursor is None:
            errors.append("Page: that page link is not valid; start again from the first page.")
    events, next_cursor, total = [], None, 0
    if not errors:
        newest_first = event_filter.newest_first
        ordered = event_filter.qs.in_timeline_order(newest_first=newest_first)
        page = paging.page_after(ordered, cursor, PAGE_SIZE, newest_first=newest_first)
        events = list(page.items.for_cards()) if page.items is not None else []
        next_cursor = page.next_cursor(events)
        q = event_filter.form.cleaned_data.get("q")
        if q:
            search.annotate_snippets(events, q)
        total = event_filter.qs.count()
    return {
        "filter": event_filter,
        "errors": errors,
        "events": events,
        "total": total,
        "next_cursor": next_cursor,
        "is_continuation": cursor is not None,
        "facets": event_filter.facets(),
        "chips": event_filter.active_filters(),
        "newest_first": event_filter.newest_first,
        "query": query_without_cursor(request),
    }


@require_safe
def timeline(request: HtmxHttpRequest) -> HttpResponse:
    if not request.htmx and any(not value for value in request.GET.values()):
        # The form submitted without JavaScript sends every field, empty or not; a
        # permalink should name only the filters in use.
        return redirect(f"{request.path}?{canonical_query(request.GET)}".rstrip("?"))
    event_filter = filtered_events(request)
    context = timeline_context(request, event_filter)
    template = "timeline/timeline.html"
    if is_fragment_request(request):
        # "Load more" appends the next page; any other change swaps results and facets.
        template += "#page" if context["is_continuation"] else "#update"
    response = render(request, template, context, status=400 if context["errors"] else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_safe
def event_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    events = Event.objects.visible_to(request.user).for_timeline()
    event = get_object_or_404(events.select_related("sub_type", "dataset_record"), slug=slug)
    record = provenance.dataset_record_of(event)
    sides, others = provenance.event_sides(event)
    return render(
        request,
        "timeline/event_detail.html",
        {
            "event": event,
            "record": record,
            "coder": provenance.coder_name(record) if record else "",
            "record_columns": provenance.record_columns(record) if record else [],
            "figures": provenance.event_figures(event, outlets=provenance.record_outlets(record)),
            "sides": sides,
            "other_actors": others,
        },
    )


@require_safe
def article_reader(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    evidence = list(
        article.evidence.filter(event__in=Event.objects.visible_to(request.user))
        .select_related("event", "event__type")
        .order_by("start", "id")
    )
    return render(
        request,
        "timeline/article_reader.html",
        {
            "article": article,
            "paragraphs": marked_paragraphs(article.text, evidence),
            "evidence": evidence,
        },
    )


def moved_permanently(request: HttpRequest, redirects, slug: str, target: str) -> HttpResponse:
    """A 301 to where a merged actor's or place's old slug now lives, or a 404."""
    moved = redirects.filter(old_slug=slug).select_related(target).first()
    if moved is None:
        raise Http404(f"No {target} is called {slug!r}.")
    url = getattr(moved, target).get_absolute_url()
    if request.GET:
        # request.GET holds only the parameters the pages know (query_parameters.py).
        url += "?" + request.GET.urlencode()
    return HttpResponsePermanentRedirect(url)


@require_safe
def actor_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    actor = Actor.objects.filter(slug=slug).first()
    if actor is None:
        return moved_permanently(request, ActorRedirect.objects, slug, "actor")
    events = Event.objects.visible_to(request.user).filter(
        pk__in=EventActor.objects.filter(actor=actor).values("event")
    )
    return render(
        request,
        "timeline/entity.html",
        entity_context(events, entity=actor, kind="actor", parameter="actor"),
    )


@require_safe
def location_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    location = Location.objects.select_related("parent").filter(slug=slug).first()
    if location is None:
        return moved_permanently(request, LocationRedirect.objects, slug, "location")
    events = Event.objects.visible_to(request.user).within(location)
    context = entity_context(events, entity=location, kind="location", parameter="location")
    context["children"] = list(location.children.order_by("name")[:50])
    return render(request, "timeline/entity.html", context)


def entity_context(events, *, entity, kind: str, parameter: str) -> dict:
    """An actor's or a place's page: who or what it is, a mini-chart, its latest events."""
    query = QueryDict(mutable=True)
    query[parameter] = entity.slug
    return {
        "entity": entity,
        "kind": kind,
        "aliases": entity.alias_list,
        "event_count": events.count(),
        "recent": list(events.in_timeline_order(newest_first=True).for_cards()[:10]),
        "timeline_query": query.urlencode(),
        # Its bars open the main timeline, filtered on this entity and the bar's dates.
        "chart": events_chart(events=events, query=query, link_base=reverse("timeline:timeline")),
    }


@require_safe
def type_styles(request: HttpRequest) -> HttpResponse:
    """Event-type colours as CSS classes: inline styles are barred by our CSP.

    Dark colours (casualty reports are black) are lightened on the dark theme so that
    their borders and swatches still stand out.
    """
    types = [t for t in EventType.objects.all() if HEX.match(t.colour)]
    rules = [
        f".type-{t.slug}{{--type-colour:{t.colour};--type-ink:{readable_ink(t.colour)}}}"
        for t in types
    ]
    dark = [
        f".type-{t.slug}{{--type-colour:{lighter};--type-ink:{readable_ink(lighter)}}}"
        for t in types
        if (lighter := for_dark_background(t.colour)) != t.colour.lower()
    ]
    css = "\n".join(rules) + "\n"
    if dark:
        css += "@media (prefers-color-scheme: dark) {\n" + "\n".join(dark) + "\n}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
