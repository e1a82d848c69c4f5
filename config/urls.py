from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("review/", include("timeline.review.urls")),
    # Browsers and feed readers ask for /favicon.ico whatever the page links to. The static
    # URL is looked up per request: at import the manifest may not exist yet.
    path("favicon.ico", lambda request: HttpResponsePermanentRedirect(static("favicon.svg"))),
    path("healthz", healthz, name="healthz"),
    path("", include("timeline.urls")),
]
