"""The map: the timeline's filter on a Leaflet map, clustered by the database.

`/map/` renders the page (with a plain list of places that works without JavaScript or
tiles); `/map/data.json` answers the map's requests for one view (bbox and zoom) with
GeoJSON: the events themselves when few are in view, else grid cells counted in SQL
(GROUP BY floor(lat / cell), floor(lon / cell)), so a million events cost one query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Floor
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from timeline import paging
from timeline.date_display import describe_span
from timeline.models import EventType, Figure, Location
from timeline.views import filtered_events, query_without_cursor

# At most this many events in view are sent one by one; more are sent as grid cells.
EVENT_LIMIT = 300
# Grid cells per 256-pixel tile: 4 gives cells of about 64 pixels at any zoom.
CELLS_PER_TILE = 4
MAX_ZOOM = 19
# Cells whose means lie closer than this fraction of a cell are drawn as one marker.
MERGE_DISTANCE = 0.75
# The no-JavaScript list of places under the map stops after this many rows.
PLACE_LIMIT = 100
# The events at one place are listed this many at a time in its popup.
PLACE_PAGE = 20
# The symbol sizes the legend explains (killed, lowest reported); map.js scales the same way.
SIZE_KEY = (0, 10, 100)

MAPPED = Q(location__latitude__isnull=False, location__longitude__isnull=False)


class BadMapRequest(ValueError):
    """A bbox or zoom the map cannot use; the message says what to send instead."""


@dataclass(frozen=True)
class View:
    west: float
    south: float
    east: float
    north: float
    zoom: int

    @property
    def cell_degrees(self) -> float:
        """The grid cell size in degrees for this zoom (a tile spans 360 / 2**zoom)."""
        return 360 / (2**self.zoom) / CELLS_PER_TILE

    def contains(self) -> Q:
        """Events whose place lies in the box (which may cross the antimeridian)."""
        latitude = Q(location__latitude__gte=self.south, location__latitude__lte=self.north)
        if self.west <= self.east:
            longitude = Q(location__longitude__gte=self.west, location__longitude__lte=self.east)
        else:
            longitude = Q(location__longitude__gte=self.west) | Q(
                location__longitude__lte=self.east
            )
        return MAPPED & latitude & longitude


def parse_view(query: QueryDict) -> View:
    """bbox=west,south,east,north (degrees) and zoom=0..19; the whole world by default."""
    raw_bbox = query.get("bbox", "-180,-90,180,90")
    parts = raw_bbox.split(",")
    if len(parts) != 4:
        raise BadMapRequest(
            f"bbox must be four numbers west,south,east,north; got “{raw_bbox[:100]}”."
        )
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise BadMapRequest(
            f"bbox must be four numbers west,south,east,north; got “{raw_bbox[:100]}”."
        ) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise BadMapRequest("bbox values must be finite numbers.")
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise BadMapRequest("bbox longitudes (west, east) must be between -180 and 180.")
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise BadMapRequest("bbox latitudes (south, north) must be between -90 and 90.")
    if south > north:
        raise BadMapRequest("bbox south must not be above north.")
    raw_zoom = query.get("zoom", "2")
    try:
        zoom = int(raw_zoom)
    except ValueError:
        raise BadMapRequest(f"zoom must be a whole number; got “{raw_zoom[:20]}”.") from None
    if not 0 <= zoom <= MAX_ZOOM:
        raise BadMapRequest(f"zoom must be between 0 and {MAX_ZOOM}; got {zoom}.")
    return View(west=west, south=south, east=east, north=north, zoom=zoom)


def timeline_url(query: QueryDict, **changes: str) -> str:
    """The timeline with this filter, some parameters replaced (no map-only parameters)."""
    kept = query.copy()
    for name in ("cursor", "bbox", "zoom"):
        kept.pop(name, None)
    for name, value in changes.items():
        kept[name] = value
    encoded = kept.urlencode()
    return reverse("timeline:timeline") + (f"?{encoded}" if encoded else "")


def lowest_killed() -> Subquery:
    """The lowest low bound of an event's killed figures (the chart's rule), or null."""
    return Subquery(
        Figure.objects.filter(event=OuterRef("pk"), kind=Figure.Kind.KILLED)
        .order_by()
        .values("event")
        .annotate(lowest=Min("low"))
        .values("lowest")
    )


def event_feature_properties(event) -> dict:
    return {
        "kind": "event",
        "slug": event.slug,
        "title": event.title,
        "date": describe_span(event.date_start, event.date_end, event.date_precision),
        "type": event.type.slug,
        "type_name": event.type.name,
        "symbol": event.type.symbol,
        "place": event.location.name,
        "killed": event.killed,
        "url": event.get_absolute_url(),
    }


def event_features(events: QuerySet) -> list[dict]:
    """One GeoJSON point per event, with what its popup shows and its killed figure."""
    rows = (
        events.select_related("type", "location")
        .annotate(killed=lowest_killed())
        .order_by("-date_start", "-id")
    )
    return [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [event.location.longitude, event.location.latitude],
            },
            "properties": event_feature_properties(event),
        }
        for event in rows
    ]


def cluster_features(events: QuerySet, view: View, query: QueryDict) -> list[dict]:
    """Grid cells of the view with their event counts and mean positions, counted in SQL."""
    cell = view.cell_degrees
    rows = (
        events.order_by()
        .annotate(
            row=Floor(F("location__latitude") / cell),
            column=Floor(F("location__longitude") / cell),
        )
        .values("row", "column")
        .annotate(
            n=Count("id"),
            latitude=Avg("location__latitude"),
            longitude=Avg("location__longitude"),
            places=Count("location", distinct=True),
            place_slug=Min("location__slug"),
            place_name=Min("location__name"),
        )
    )
    cells = [
        {
            "count": row["n"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "bounds": [
                row["column"] * cell,
                row["row"] * cell,
                (row["column"] + 1) * cell,
                (row["row"] + 1) * cell,
            ],
            "places": row["places"],
            "place_slug": row["place_slug"],
            "place_name": row["place_name"],
        }
        for row in rows
    ]
    features = []
    for group in merge_close_cells(cells, distance=cell * MERGE_DISTANCE):
        properties = {
            "kind": "cluster",
            "count": group["count"],
            "bounds": group["bounds"],
            "places": group["places"],
        }
        if group["places"] == 1:
            properties["place"] = group["place_name"]
            properties["list_url"] = timeline_url(query, location=group["place_slug"])
            properties["events_url"] = place_events_url(query, group["place_slug"])
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(group["longitude"], 6), round(group["latitude"], 6)],
                },
                "properties": properties,
            }
        )
    return features


def merge_close_cells(cells: list[dict], *, distance: float) -> list[dict]:
    """Merge cells whose mean positions would draw overlapping markers (busiest first).

    Neighbouring grid cells can have their means side by side across the shared edge.
    There are at most a few hundred cells in a view, so this is cheap; counts are summed
    (a place lies in one cell only, so place counts add up too).
    """
    kept: list[dict] = []
    for cell in sorted(cells, key=lambda c: -c["count"]):
        for group in kept:
            if (
                abs(group["latitude"] - cell["latitude"]) < distance
                and abs(group["longitude"] - cell["longitude"]) < distance
            ):
                total = group["count"] + cell["count"]
                for axis in ("latitude", "longitude"):
                    group[axis] = (
                        group[axis] * group["count"] + cell[axis] * cell["count"]
                    ) / total
                group["count"] = total
                group["places"] += cell["places"]
                group["bounds"] = [
                    min(group["bounds"][0], cell["bounds"][0]),
                    min(group["bounds"][1], cell["bounds"][1]),
                    max(group["bounds"][2], cell["bounds"][2]),
                    max(group["bounds"][3], cell["bounds"][3]),
                ]
                break
        else:
            kept.append(dict(cell))
    return kept


def place_events_url(query: QueryDict, slug: str) -> str:
    kept = query.copy()
    for name in ("cursor", "bbox", "zoom", "pages"):
        kept.pop(name, None)
    kept["place"] = slug
    return reverse("timeline:map-place-events") + f"?{kept.urlencode()}"


@require_safe
def place_events(request: HttpRequest) -> HttpResponse:
    """The filtered events at one place, PLACE_PAGE at a time (newest first), for a popup:
    a cluster of hundreds of events at one point is listed page by page."""
    event_filter = filtered_events(request)
    if event_filter.error_messages:
        return bad_request(event_filter.error_messages)
    place = Location.objects.filter(slug=request.GET.get("place", "")).first()
    if place is None:
        return bad_request(["place must be the slug of a place."])
    order = paging.NEWEST_FIRST
    cursor = None
    if request.GET.get("cursor"):
        cursor = order.parse_cursor(request.GET["cursor"])
        if cursor is None:
            return bad_request(["cursor is not a valid page link."])
    at_place = event_filter.qs.filter(location=place)
    page = paging.page_after(order.apply(at_place), cursor, PLACE_PAGE, order=order)
    events = list(page.items.select_related("type", "location").annotate(killed=lowest_killed()))
    next_cursor = page.next_cursor(events)
    next_url = ""
    if next_cursor:
        query = request.GET.copy()
        query["cursor"] = next_cursor
        next_url = f"{request.path}?{query.urlencode()}"
    return JsonResponse(
        {
            "place": place.name,
            "count": at_place.count(),
            "events": [event_feature_properties(event) for event in events],
            "next": next_url,
            "list_url": timeline_url(request.GET, location=place.slug),
        }
    )


# The map opens on the busiest places holding this share of the mapped events, so that
# one far-off event does not zoom the map out to the whole world.
FIT_SHARE = 0.95


def fitted_bounds(places: list[dict], mapped: int) -> str:
    """west,south,east,north around the busiest places that hold FIT_SHARE of the events
    (the places come busiest first), or "" when the listed places hold fewer."""
    held = 0
    west = south = math.inf
    east = north = -math.inf
    for place in places:
        held += place["count"]
        west, east = min(west, place["longitude"]), max(east, place["longitude"])
        south, north = min(south, place["latitude"]), max(north, place["latitude"])
        if held >= FIT_SHARE * mapped:
            return ",".join(str(value) for value in (west, south, east, north))
    return ""


def map_legend(events: QuerySet) -> list[dict]:
    """The event types on the map, with how many mapped events each has."""
    counts = dict(events.filter(MAPPED).order_by().values_list("type").annotate(n=Count("id")))
    return [
        {"type": t, "count": counts[t.pk]} for t in EventType.objects.filter(pk__in=counts.keys())
    ]


def bad_request(messages: list[str]) -> JsonResponse:
    return JsonResponse({"errors": messages}, status=400)


@require_safe
def map_data(request: HttpRequest) -> HttpResponse:
    """GeoJSON for one map view: events when few are in it, else SQL-counted grid cells."""
    event_filter = filtered_events(request)
    if event_filter.error_messages:
        return bad_request(event_filter.error_messages)
    try:
        view = parse_view(request.GET)
    except BadMapRequest as error:
        return bad_request([str(error)])
    in_view = event_filter.qs.filter(view.contains())
    count = in_view.count()
    if count <= EVENT_LIMIT:
        mode, features = "events", event_features(in_view)
    else:
        mode, features = "clusters", cluster_features(in_view, view, request.GET)
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "mode": mode,
            "count": count,
            "zoom": view.zoom,
            "bbox": [view.west, view.south, view.east, view.north],
            "features": features,
        }
    )


def places_with_counts(events: QuerySet, query: QueryDict) -> list[dict]:
    """The mapped places of the filtered events, busiest first, for the list under the map."""
    rows = (
        events.filter(MAPPED)
        .order_by()
        .values("location__slug", "location__name", "location__latitude", "location__longitude")
        .annotate(n=Count("id"))
        .order_by("-n", "location__name")[:PLACE_LIMIT]
    )
    return [
        {
            "slug": row["location__slug"],
            "name": row["location__name"],
            "latitude": row["location__latitude"],
            "longitude": row["location__longitude"],
            "count": row["n"],
            "url": reverse("timeline:location", args=[row["location__slug"]]),
            "list_url": timeline_url(query, location=row["location__slug"]),
        }
        for row in rows
    ]


@require_safe
def map_page(request: HttpRequest) -> HttpResponse:
    event_filter = filtered_events(request)
    errors = event_filter.error_messages
    summary = {"total": 0, "mapped": 0}
    places: list[dict] = []
    legend: list[dict] = []
    bounds = ""
    if not errors:
        summary = event_filter.qs.order_by().aggregate(
            total=Count("id"),
            mapped=Count("id", filter=MAPPED),
            south=Min("location__latitude", filter=MAPPED),
            north=Max("location__latitude", filter=MAPPED),
            west=Min("location__longitude", filter=MAPPED),
            east=Max("location__longitude", filter=MAPPED),
        )
        if summary["mapped"]:
            bounds = ",".join(str(summary[side]) for side in ("west", "south", "east", "north"))
            places = places_with_counts(event_filter.qs, request.GET)
            legend = map_legend(event_filter.qs)
            bounds = fitted_bounds(places, summary["mapped"]) or bounds
    query = query_without_cursor(request)
    response = render(
        request,
        "timeline/map.html",
        {
            "filter": event_filter,
            "errors": errors,
            "chips": event_filter.active_filters(),
            "query": query,
            "total": summary["total"],
            "mapped": summary["mapped"],
            "unmapped": summary["total"] - summary["mapped"],
            "places": places,
            "more_places": summary["mapped"] and len(places) == PLACE_LIMIT,
            "bounds": bounds,
            "data_url": reverse("timeline:map-data") + (f"?{query}" if query else ""),
            "list_url": timeline_url(request.GET),
            "legend": legend,
            "size_key": SIZE_KEY,
            "basemap_url": static("geo/countries-110m.geojson"),
            "date_from": request.GET.get("from", ""),
            "date_to": request.GET.get("to", ""),
            "window_hidden": [
                (key, value)
                for key, values in request.GET.lists()
                if key not in ("from", "to", "cursor", "pages", "bbox", "zoom")
                for value in values
                if value
            ],
            "tile_url": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        },
        status=400 if errors else 200,
    )
    return response
