"""Read replicas: public reads go to a replica, everything else to the primary.

settings.REPLICA_DATABASES names the replica aliases (from DATABASE_REPLICA_URLS). A
request reads from a replica only when all of these hold:
- it is a GET or HEAD (the middleware decides before the view runs);
- its path is not the admin's or the review desk's (PRIMARY_PATH_PREFIXES: editors act
  on what they read, so they read what was just written);
- the same browser has not written anything in the last REPLICA_PIN_SECONDS (a
  cookie set on the response of any request that wrote pins it to the primary, so an
  editor who saves and reloads sees the save, whatever the replication lag);
- the read is not inside a transaction on the primary.
All the reads of one request go to the same replica (picked at random per request).
Everything outside a request (commands, imports, the shell) uses the primary. Writes
always go to the primary, and any write during a request pins the browser.
"""

from __future__ import annotations

import random
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

PIN_COOKIE = "primary_until"
_reads_may_use_replica: ContextVar[bool] = ContextVar("reads_may_use_replica", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)
# The one replica a request reads from: its pages (and the data version the response
# cache keys them on, timeline/response_cache.py) then come from one state of the data,
# however far apart the replicas' lags are.
_request_replica: ContextVar[str | None] = ContextVar("request_replica", default=None)


def replicas() -> list[str]:
    if not getattr(settings, "READ_REPLICAS_ENABLED", False):
        return []
    return list(getattr(settings, "REPLICA_DATABASES", []))


class PrimaryReplicaRouter:
    """Sends reads to a replica when the current request allows it; writes to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        choices = replicas()
        if not choices or not _reads_may_use_replica.get():
            return "default"
        if connections["default"].in_atomic_block:
            return "default"  # a transaction reads its own writes
        chosen = _request_replica.get()
        return chosen if chosen in choices else random.choice(choices)

    def db_for_write(self, model, **hints) -> str:
        _wrote.set(True)
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == "default"


def request_may_read_from_replica(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(tuple(settings.PRIMARY_PATH_PREFIXES)):
        return False
    try:
        pinned_until = float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        pinned_until = 0.0
    return pinned_until <= time.time()


class PrimaryPinningMiddleware:
    """Decides per request whether reads may use a replica; pins a browser that wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replicas():
            return self.get_response(request)
        allowed = _reads_may_use_replica.set(request_may_read_from_replica(request))
        wrote = _wrote.set(False)
        replica = _request_replica.set(random.choice(replicas()))
        try:
            response = self.get_response(request)
            if _wrote.get():
                seconds = settings.REPLICA_PIN_SECONDS
                response.set_cookie(
                    PIN_COOKIE,
                    f"{time.time() + seconds:.3f}",
                    max_age=max(1, int(seconds) + 1),
                    httponly=True,
                    samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )
            return response
        finally:
            _reads_may_use_replica.reset(allowed)
            _wrote.reset(wrote)
            _request_replica.reset(replica)
