"""Whole public GET responses, cached per (data version, request); an edit shows at once.

A public page or htmx fragment is a function of the data, the address (path and full query
string) and the few request headers it varies on. The data version's token (count_cache:
a database trigger draws a new one in the same transaction as any write to a table the
pages read) names the data, so a response stored under the token it was rendered at is
never served after a write: the next request reads a new token and misses. A hit costs
one query (the token) and a cache lookup: no view, no template.

Only requests that cannot see anything personal are served from or stored in the cache:
- GET, on a path outside the admin, the review desk and /healthz;
- no session cookie (so the user is anonymous and has no session messages), no messages
  cookie, and no cookie pinning the browser to the primary (config/replicas.py: it just
  wrote, and must read its own write there, not a page cached from before);
- and the response is stored only when it is a 200, not streamed, sets no cookie, did not
  use the CSRF token, queued no message, is not marked private or no-store, and varies on
  no request header outside VARY_HEADERS (which the key holds).

The CSP nonce stays unique per response: the body and the headers are stored cut at the
nonce they were rendered with, and each hit joins them with a fresh one, so the script
tags and the Content-Security-Policy header agree, and no two responses share a nonce.

The key also holds the code's version (the templates', the app's and the static
manifest's files, by name, size and modification time, read once per process), so a
file cache kept across a deploy (make serve's CACHE_DIR) serves no page of the old code.

RESPONSE_CACHE_SECONDS (settings; 0 turns the cache off) bounds how long an entry lives.
The cache is Django's default cache (settings.CACHES).
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import router
from django.http import HttpResponse
from django.utils import timezone
from django.utils.csp import generate_nonce

from config.replicas import PIN_COOKIE
from timeline.count_cache import current_token

# The request headers a cached response may vary on; they are all part of the key.
VARY_HEADERS = (
    "HX-Request",
    "HX-Target",
    "HX-Trigger",
    "HX-Trigger-Name",
    "HX-Boosted",
    "HX-History-Restore-Request",
)
# Paths never cached: editors' pages and the health check (it must reach the database).
EXCLUDED_PREFIXES = ("/admin/", "/review/", "/healthz", "/static/")
# Response headers not stored: set again per response by the middleware outside this one.
UNSTORED_HEADERS = {"set-cookie", "date"}
KEY_PREFIX = "response"
_COMMA = re.compile(r"\s*,\s*")


def cache_seconds() -> int:
    return int(getattr(settings, "RESPONSE_CACHE_SECONDS", 0))


def may_use_cache(request) -> bool:
    if request.method != "GET" or cache_seconds() <= 0:
        return False
    if request.path.startswith(EXCLUDED_PREFIXES + tuple(settings.PRIMARY_PATH_PREFIXES)):
        return False
    cookies = request.COOKIES
    return not (
        settings.SESSION_COOKIE_NAME in cookies
        or "messages" in cookies  # django.contrib.messages' CookieStorage
        or PIN_COOKIE in cookies
    )


@functools.cache
def code_version() -> str:
    """A digest of the files a page is made from: templates, the app's code, the static
    manifest (its hashed file names are in the pages)."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    files = [
        *sorted((root / "templates").rglob("*.html")),
        *sorted((root / "timeline").rglob("*.py")),
        *sorted((root / "timeline").rglob("*.html")),
        Path(settings.STATIC_ROOT) / "staticfiles.json",
    ]
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def request_key(request, token: str) -> str:
    described = repr(
        (
            code_version(),
            # A new day is a new key: chart.csv names its file by the date, and what a
            # page calls "today" must not outlive the day.
            timezone.localdate().isoformat(),
            request.scheme,
            request.get_host(),
            request.path,
            request.META.get("QUERY_STRING", ""),
            [request.headers.get(name, "") for name in VARY_HEADERS],
        )
    ).encode()
    return f"{KEY_PREFIX}:{token}:{hashlib.sha256(described).hexdigest()}"


def storable(request, response) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    messages = getattr(request, "_messages", None)
    if messages is not None and (messages._queued_messages or messages.added_new):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if "private" in cache_control or "no-store" in cache_control:
        return False
    allowed = {name.lower() for name in VARY_HEADERS}
    # A page that looked at the session (none: the request had no session cookie) varies
    # on Cookie; the only cookies such a request may carry change nothing on the page.
    allowed.add("cookie")
    varies = {name.strip().lower() for name in _COMMA.split(response.get("Vary", ""))}
    return varies - {""} <= allowed


def _nonce_of(request) -> str | None:
    nonce = getattr(request, "_csp_nonce", None)
    return str(nonce) if nonce else None  # a LazyNonce is false until it is used


def stored(request, response) -> dict:
    """The response cut at its nonce (if one was used), ready to be joined with a new one."""
    nonce = _nonce_of(request)
    body = response.content

    def cut_text(value: str) -> list[str]:
        return value.split(nonce) if nonce else [value]

    return {
        "status": response.status_code,
        "body": body.split(nonce.encode()) if nonce else [body],
        "headers": [
            (name, cut_text(value))
            for name, value in response.items()
            if name.lower() not in UNSTORED_HEADERS
        ],
    }


def rebuilt(entry: dict) -> HttpResponse:
    nonce = generate_nonce()
    response = HttpResponse(nonce.encode().join(entry["body"]), status=entry["status"])
    for name, parts in entry["headers"]:
        response[name] = nonce.join(parts)
    if "Content-Length" in response:
        response["Content-Length"] = str(len(response.content))
    response["X-Response-Cache"] = "hit"
    return response


class ResponseCacheMiddleware:
    """Serves and stores whole public responses; sits outside the session, auth, CSRF,
    messages and CSP middleware (so a hit skips them and the view) and inside the
    replica routing (so the token is read from the database the page would be read from).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not may_use_cache(request):
            return self.get_response(request)
        try:
            from timeline.models import Event

            token = current_token(using=router.db_for_read(Event))
            key = request_key(request, token) if token else None
        except Exception:  # a bad Host, a missing version row: the ordinary path decides
            key = None
        if key is None:
            return self.get_response(request)
        entry = cache.get(key)
        if entry is not None:
            return rebuilt(entry)
        response = self.get_response(request)
        if storable(request, response):
            cache.set(key, stored(request, response), cache_seconds())
            response["X-Response-Cache"] = "miss"
        return response
