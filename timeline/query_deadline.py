"""Every public query bounded in time: a search too broad for the database is a 503, not
a worker killed by gunicorn's timeout with every other request queued behind it.

``QueryDeadlineMiddleware`` (after the authentication middleware) gives every statement
of a public request at most ``PUBLIC_QUERY_TIMEOUT`` seconds; staff requests (editors,
the admin) and management commands are not limited. A statement cancelled for running
past it becomes a 503 with ``Retry-After`` and "this search is too broad — narrow it":
an HTML page, the results fragment for htmx, JSON or plain text for the exports.

- PostgreSQL: the connection's ``statement_timeout``, set at the start of each request
  (the public limit, or 0 for staff). A session setting rather than ``SET LOCAL`` in a
  per-request transaction, because a streamed export runs its queries after the view has
  returned; each request sets it afresh, so a persistent connection never carries one
  request's limit into the next. It goes straight to the driver, outside Django's query
  log: a setting, not one of the page's queries.
- SQLite has no statement timeout. A progress handler, called every few thousand
  virtual-machine steps, interrupts a statement that has run past its deadline (SQLite
  then raises "interrupted"); an execute wrapper starts the deadline afresh for each
  statement. Rows are fetched under the same deadline as the statement that made them.

A request as a whole is bounded too: once a public request has spent
``PUBLIC_REQUEST_TIMEOUT`` seconds, no further statement of it is started (QueryTimeSpent,
answered like a cancelled one). Its statements are each bounded, but a page runs several
and a streamed export one per chunk; without this, a long export under load ran into
gunicorn's own timeout and its worker was killed. The budget ends with the response
(request_finished, sent once a streamed body is read or dropped).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from django.conf import settings
from django.core.signals import request_finished
from django.db import OperationalError, connection, connections
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

TOO_BROAD = "This search is too broad for the database to answer in time — narrow it."
HINT = (
    "Add a date range, an event type, a place or an actor, or search for fewer, rarer "
    "words; then try again."
)
RETRY_AFTER_SECONDS = 10
# Progress-handler period, in SQLite virtual-machine instructions (about a millisecond).
_SQLITE_STEPS = 10_000


class QueryTimeSpent(OperationalError):
    """The request has spent its time on the database: no further statement is run."""


def is_public(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return not (user is not None and user.is_active and user.is_staff)


def public_timeout(request: HttpRequest) -> float | None:
    """Seconds a statement of this request may run, or None for no limit (staff)."""
    seconds = settings.PUBLIC_QUERY_TIMEOUT
    if not seconds or seconds <= 0:
        return None
    return float(seconds) if is_public(request) else None


def limit_request(seconds: float | None) -> None:
    """Start no statement on this thread's connection after `seconds` from now."""
    install_request_budget(connection)
    connection.public_request_deadline = time.monotonic() + seconds if seconds else None


def limit_statements(seconds: float | None) -> None:
    """Bound every statement on this thread's connection (None: no bound)."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        milliseconds = str(round(seconds * 1000)) if seconds else "0"
        with connection.connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [milliseconds])
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        install_sqlite_deadline(connection)
        connection.public_statement_timeout = seconds


def is_cancelled_query(error: BaseException | None) -> bool:
    """True when `error` (or what it wraps) is a statement cancelled for its time."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "sqlstate", None) == "57014":  # PostgreSQL: query_canceled
            return True
        if type(error).__name__ == "OperationalError" and str(error) == "interrupted":
            return True  # SQLite, interrupted by the progress handler
        if isinstance(error, QueryTimeSpent):
            return True
        error = error.__cause__ or error.__context__
    return False


class QueryDeadlineMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit_statements(public_timeout(request))
        budget = settings.PUBLIC_REQUEST_TIMEOUT
        limit_request(budget if budget and budget > 0 and is_public(request) else None)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_cancelled_query(exception):
            return None
        return too_broad_response(request)


def too_broad_response(request: HttpRequest) -> HttpResponse:
    """503 and Retry-After, shaped for whoever asked: a page, a fragment, an export."""
    path = request.path
    if path.endswith((".json", ".geojson")):
        body = json.dumps({"error": TOO_BROAD, "hint": HINT}, ensure_ascii=False)
        response = HttpResponse(body, status=503, content_type="application/json")
    elif path.endswith(".csv"):
        response = HttpResponse(
            f"{TOO_BROAD}\n{HINT}\n", status=503, content_type="text/plain; charset=utf-8"
        )
    else:
        htmx = getattr(request, "htmx", None)
        fragment = bool(htmx) and not htmx.history_restore_request
        template = "timeline/too_broad.html" + ("#results" if fragment else "")
        html = render_to_string(template, {"message": TOO_BROAD, "hint": HINT}, request=request)
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


# -- SQLite: a deadline per statement ----------------------------------------------------


def _deadline_per_statement(execute, sql, params, many, context):
    db = context["connection"]
    seconds = db.public_statement_timeout
    # Rows are fetched after execute returns: they stay under this deadline until the
    # next statement starts its own.
    db.public_statement_deadline = time.monotonic() + seconds if seconds else None
    return execute(sql, params, many, context)


def install_sqlite_deadline(db) -> None:
    """A progress handler and an execute wrapper on this SQLite connection, once."""
    if _deadline_per_statement in db.execute_wrappers:
        return
    db.public_statement_timeout = None
    db.public_statement_deadline = None

    def past_deadline() -> int:
        deadline = db.public_statement_deadline
        return 1 if deadline is not None and time.monotonic() > deadline else 0

    db.connection.set_progress_handler(past_deadline, _SQLITE_STEPS)
    db.execute_wrappers.append(_deadline_per_statement)


# -- every database: a budget per request -------------------------------------------------


def _within_request_budget(execute, sql, params, many, context):
    deadline = getattr(context["connection"], "public_request_deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTimeSpent("the request has spent its time on the database")
    return execute(sql, params, many, context)


def install_request_budget(db) -> None:
    if _within_request_budget not in db.execute_wrappers:
        db.public_request_deadline = None
        db.execute_wrappers.append(_within_request_budget)


@receiver(request_finished)
def _end_request_budget(sender, **kwargs) -> None:
    for db in connections.all(initialized_only=True):
        db.public_request_deadline = None


@receiver(connection_created)
def _on_connection_created(sender, connection, **kwargs) -> None:
    install_request_budget(connection)
    if connection.vendor == "sqlite":
        # A new connection (CONN_MAX_AGE, a test's) starts with no wrapper of ours.
        if _deadline_per_statement in connection.execute_wrappers:
            connection.execute_wrappers.remove(_deadline_per_statement)
        install_sqlite_deadline(connection)
