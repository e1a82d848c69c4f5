"""Pages: the timeline (and its htmx partials), an event, the article reader, entities.

A view parses the request, calls a queryset or a service, renders.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe
from django_htmx.middleware import HtmxDetails

from timeline import count_cache, paging, provenance, search
from timeline.chart import events_chart
from timeline.colours import for_dark_background, readable_ink
from timeline.corroboration import sources_for, unlinked_figures
from timeline.editorial import final_target
from timeline.filters import DEFAULT_SORT, EventFilter
from timeline.history import event_history
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
from timeline.related import related_events
from timeline.roles import can_edit


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


PAGE_SIZE = 50
HEX = HEX_COLOUR.regex


def is_fragment_request(request: HtmxHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def filtered_events(request: HttpRequest) -> EventFilter:
    """The EventFilter for this request over what this user may see."""
    return EventFilter(
        request.GET,
        queryset=Event.objects.visible_to(request.user),
        user=request.user,
        summary=True,
    )


# The list orders the `sort` parameter names; killed and outlets sort on annotations.
ORDERS = {
    "-date": paging.NEWEST_FIRST,
    "date": paging.OLDEST_FIRST,
    "-killed": paging.Order("killed_order", descending=True, numeric=True),
    "killed": paging.Order("killed_order", descending=False, numeric=True),
    "-outlets": paging.Order("outlet_count", descending=True, numeric=True),
    "outlets": paging.Order("outlet_count", descending=False, numeric=True),
}
# Parameters a permalink leaves out when they have these (default) values.
DEFAULTS = {"sort": DEFAULT_SORT, "view": "list", "pages": "1"}


def canonical_query(query: QueryDict) -> str:
    """The query string without empty parameters (and the defaults: with a search, the
    default order is relevance)."""
    searching = any(value.strip() for value in query.getlist("q"))
    defaults = {**DEFAULTS, "sort": "relevance" if searching else DEFAULT_SORT}
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        values = [value for value in values if value]
        if key in defaults and values == [defaults[key]]:
            continue
        if key.startswith("find_"):  # the facets' type-ahead boxes, not a filter
            continue
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def query_without_cursor(request: HttpRequest) -> str:
    """The filter as a query string, for permalinks and export links."""
    query = request.GET.copy()
    query.pop("cursor", None)
    query.pop("pages", None)
    return query.urlencode()


def mark_headings(events: list[Event], previous: tuple | None) -> None:
    """Set month_heading and day_heading on each event where a new month or day starts.

    `previous` is (date_start, date_end, date_precision) of the event shown just before
    the first one (the last of the page before), so an appended page never repeats the
    heading the page above it ends with.
    """
    for event in events:
        key = (event.date_start, event.date_end, event.date_precision)
        event.month_heading = previous is None or (previous[0].year, previous[0].month) != (
            event.date_start.year,
            event.date_start.month,
        )
        event.day_heading = event.date_precision != "month" and (
            previous is None or previous != key
        )
        previous = key


def previous_event_key(pk: int) -> tuple | None:
    return (
        Event.objects.filter(pk=pk).values_list("date_start", "date_end", "date_precision").first()
    )


def more_links(event_filter: EventFilter, pages: int, next_cursor: str | None) -> dict:
    """The "Load more" link: the permalink with one more page, and the htmx request
    that fetches only that page (after the cursor) and pushes the permalink."""
    if next_cursor is None:
        return {}
    query = QueryDict(mutable=True)
    for key, values in event_filter.data.lists():
        if key not in ("cursor", "pages"):
            query.setlist(key, [value for value in values if value])
    query["pages"] = str(pages + 1)
    permalink = f"?{canonical_query(query)}"
    query["cursor"] = next_cursor
    fetch = f"?{canonical_query(query)}"
    del query["pages"]
    return {
        "more_permalink": permalink,
        "more_fetch": fetch,
        "more_anchor": f"page-{pages + 1}",
        # The table pages by cursor alone: each page of rows is its own permalink.
        "next_rows": f"?{canonical_query(query)}",
    }


def matched_total(event_filter: EventFilter, q: str | None) -> int:
    """How many events the filter matches; with a search, exact up to search.RANK_LIMIT
    and RANK_LIMIT + 1 for more (search.count_up_to)."""
    known = event_filter.matched_total()
    if q:
        if known is not None:
            return min(known, search.RANK_LIMIT + 1)
        return search.count_up_to(event_filter.qs)
    return known if known is not None else event_filter.count()


def timeline_context(request: HtmxHttpRequest, event_filter: EventFilter) -> dict:
    """Everything the timeline page and its partials show for one filter.

    With a search, the count stops at search.RANK_LIMIT ("more than 10,000") and the
    events come in relevance order unless another order is asked for; past RANK_LIMIT
    matches they come newest first instead (nothing is ranked), and the page says so.
    """
    errors = list(event_filter.error_messages)
    sort = event_filter.sort_order
    table = event_filter.choice("view") == "table"
    pages = event_filter.pages_shown
    q = event_filter.form.cleaned_data.get("q") if not errors else None
    counts = count_cache.for_filter(event_filter, request.GET) if not errors else None
    events, next_cursor, total, ranked = [], None, 0, False
    cursor = offset = None
    # The facets first: on PostgreSQL their one statement also counts the matches, which
    # then need no count of their own.
    facets = counts.get("facets", event_filter.facets) if counts else event_filter.facets()
    if not errors:
        total = counts.get("total", lambda: matched_total(event_filter, q))
        ranked = sort == "relevance" and total <= search.RANK_LIMIT
    # Too many matches to rank: the newest come first (the page says so).
    order = ORDERS.get(sort, paging.NEWEST_FIRST)
    raw_cursor = request.GET.get("cursor") if not errors else None
    if raw_cursor:
        if ranked:
            offset = paging.parse_offset_cursor(raw_cursor, limit=search.RANK_LIMIT)
        else:
            cursor = order.parse_cursor(raw_cursor)
        if cursor is None and offset is None:
            errors.append("Page: that page link is not valid; start again from the first page.")
    continuing = cursor is not None or offset is not None
    # The cards show as many pages as the URL says (so Back and a shared link give the
    # same list); the table and "Load more" show one page after the cursor.
    size = PAGE_SIZE if continuing or table else PAGE_SIZE * pages
    if not errors and ranked:
        start = offset or 0
        ids = search.ranked_ids(event_filter.qs, q, offset=start, limit=size + 1)
        shown = Event.objects.filter(pk__in=ids[:size])
        shown = shown.with_sort_keys().for_table() if table else shown.for_cards()
        by_id = {event.pk: event for event in shown}
        events = [by_id[pk] for pk in ids[:size] if pk in by_id]
        if len(ids) > size:
            next_cursor = paging.make_offset_cursor(start + size)
    elif not errors:
        queryset = event_filter.qs
        if order.numeric:
            queryset = queryset.with_sort_keys()
        page = paging.page_after(order.apply(queryset), cursor, size, order=order)
        # The page's ids are chosen first, in a subquery that orders and limits the
        # matches alone; the cards' joins (the dataset record, the sub-type) are made
        # for those rows only. Joined before the sort and limit, they were made for every
        # match: 0.55 s of a broad search's 12,530 matches at 100,000 events.
        items = Event.objects.filter(pk__in=page.items.values("pk"))
        if table or order.numeric:
            items = items.with_sort_keys()
        items = order.apply(items)
        items = items.for_table() if table else items.for_cards()
        events = list(items)
        next_cursor = page.next_cursor(events)
        if not order.numeric and not table:
            previous = previous_event_key(cursor[1]) if cursor is not None and events else None
            mark_headings(events, previous)
    if q and events and not table:
        search.annotate_snippets(events, q)
    first_page = pages if continuing else 1
    for index, event in enumerate(events):
        event.page_start = first_page + index // PAGE_SIZE if index % PAGE_SIZE == 0 else None
    return {
        "filter": event_filter,
        "errors": errors,
        "events": events,
        "total": total,
        "more_than": f"{search.RANK_LIMIT:,}" if total > search.RANK_LIMIT else None,
        "next_cursor": next_cursor,
        "pages": pages,
        "shown_before": (pages - 1) * PAGE_SIZE if continuing else 0,
        "display_inputs": [
            (name, event_filter.choice(name))
            for name in ("view", "split", "measure", "bucket", "group")
            if event_filter.choice(name) and event_filter.choice(name) != DEFAULTS.get(name)
        ],
        **more_links(event_filter, pages, next_cursor),
        "is_continuation": continuing,
        "by_date": not order.numeric and not ranked,
        "sort": sort,
        "ranked": ranked,
        "view": "table" if table else "list",
        "facets": facets,
        "chips": event_filter.active_filters(),
        "newest_first": event_filter.newest_first,
        "query": query_without_cursor(request),
    }


@require_safe
def timeline(request: HtmxHttpRequest) -> HttpResponse:
    if not request.htmx and any(
        not value or key.startswith("find_") for key, value in request.GET.items()
    ):
        # The form submitted without JavaScript sends every field, empty or not; a
        # permalink should name only the filters in use.
        return redirect(f"{request.path}?{canonical_query(request.GET)}".rstrip("?"))
    event_filter = filtered_events(request)
    context = timeline_context(request, event_filter)
    template = "timeline/timeline.html"
    if is_fragment_request(request):
        if context["is_continuation"] and context["view"] == "list":
            # "Load more" appends the next page of cards.
            template += "#page"
        elif request.htmx.target == "timeline-layout":
            # A removed chip: the form's own fields change too (the text, the order).
            template += "#layout"
        else:
            # Any other change swaps results and facets.
            template += "#update"
    response = render(request, template, context, status=400 if context["errors"] else 200)
    # The fragment depends on what it replaces (a chip swaps the whole layout).
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_safe
def event_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(
        Event.objects.for_timeline().select_related("sub_type", "dataset_record", "merged_into"),
        slug=slug,
    )
    staff = request.user.is_active and request.user.is_staff  # as Event.objects.visible_to
    if not staff and event.status != Event.Status.PUBLISHED:
        # Never hard-deleted: a merged duplicate sends readers on for good, a rejected
        # event says it is gone, and a proposal is not there at all for the public.
        if event.merged_into_id is not None:
            return redirect(final_target(event), permanent=True)
        if event.status == Event.Status.REJECTED:
            return render(request, "timeline/event_gone.html", {"event": event}, status=410)
        raise Http404("No such event.")
    prefetch_related_objects([event], "evidence__article__outlets")
    record = provenance.dataset_record_of(event)
    sides, others = provenance.event_sides(event)
    context = {
        "event": event,
        "record": record,
        "coder": provenance.coder_name(record) if record else "",
        "record_columns": provenance.record_columns(record) if record else [],
        "figures": provenance.event_figures(event, outlets=provenance.record_outlets(record)),
        "sides": sides,
        "other_actors": others,
        "history": event_history(event),
        "sources": sources_for(event),
        "unlinked_figures": unlinked_figures(event),
        "can_edit": can_edit(request.user),
        # Beside the event (templates/timeline/_event_context.html).
        "related": related_events(event, Event.objects.visible_to(request.user)),
        "place_map": place_map(event),
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    return render(request, "timeline/event_detail.html", context)


def place_map(event: Event) -> dict | None:
    """The small map beside an event: its place, and the events there (map.js draws it)."""
    place = event.location
    if place is None or place.latitude is None or place.longitude is None:
        return None
    pad = 0.05
    query = QueryDict(mutable=True)
    query["location"] = place.slug
    return {
        "place": place,
        "bounds": f"{place.longitude - pad},{place.latitude - pad},"
        f"{place.longitude + pad},{place.latitude + pad}",
        "data_url": f"{reverse('timeline:map-data')}?{query.urlencode()}",
        "map_url": f"{reverse('timeline:map')}?{query.urlencode()}",
    }


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
