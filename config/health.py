"""GET /healthz: is this app server able to serve? For load balancers and uptime checks.

200 with {"status": "ok"} when the primary database answers; 503 with
{"status": "unavailable"} when it does not. Each replica is reported too; a replica
that does not answer makes the status "degraded" but still 200, since the primary can
serve everything.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def database_answers(alias: str) -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any failure to answer is "down", whatever the driver raised
        return False


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    databases = {
        alias: database_answers(alias) for alias in ["default", *settings.REPLICA_DATABASES]
    }
    if not databases["default"]:
        status, code = "unavailable", 503
    elif not all(databases.values()):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    body = {
        "status": status,
        "databases": {alias: "ok" if up else "down" for alias, up in databases.items()},
    }
    return JsonResponse(body, status=code)
