from django.urls import path

from timeline import export_views, facet_views, map_views, views

app_name = "timeline"

urlpatterns = [
    path("", views.timeline, name="timeline"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("articles/<slug:slug>/", views.article_reader, name="article"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor"),
    path("locations/<slug:slug>/", views.location_detail, name="location"),
    path("facets/<slug:name>/", facet_views.facet_list, name="facet"),
    path("types.css", views.type_styles, name="type-styles"),
    path("map/", map_views.map_page, name="map"),
    path("map/data.json", map_views.map_data, name="map-data"),
    path("map/place.json", map_views.place_events, name="map-place-events"),
    path("events.json", export_views.events_json, name="events-json"),
    path("events.csv", export_views.events_csv, name="events-csv"),
    path("events.geojson", export_views.events_geojson, name="events-geojson"),
    path("events.timelinejs.json", export_views.events_timelinejs, name="events-timelinejs"),
    path("chart.csv", export_views.chart_csv, name="chart-csv"),
    path("events.acled.csv", export_views.events_acled, name="events-acled"),
    path("events.ucdp.csv", export_views.events_ucdp, name="events-ucdp"),
]
