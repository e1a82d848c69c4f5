"""Exports of the current filter (being written)."""

from django.http import HttpResponse


def _todo(request):
    return HttpResponse(status=501)


events_csv = events_json = events_geojson = events_timelinejs = events_acled = _todo
