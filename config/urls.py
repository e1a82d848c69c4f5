from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("review/", include("timeline.review.urls")),
    path("", include("timeline.urls")),
]
