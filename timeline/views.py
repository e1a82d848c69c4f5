from django.http import HttpResponse


def timeline(request):
    return HttpResponse("")


event_detail = article_reader = actor_detail = location_detail = events_json = timeline
