from django.urls import path

from timeline import views

app_name = "timeline"

urlpatterns = [
    path("", views.timeline, name="timeline"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("articles/<slug:slug>/", views.article_reader, name="article"),
    path("actors/<slug:slug>/", views.actor_detail, name="actor"),
    path("locations/<slug:slug>/", views.location_detail, name="location"),
    path("events.json", views.events_json, name="events-json"),
]
