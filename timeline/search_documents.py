"""One stored, indexed search document per event, kept in step with every write.

An event's document holds its title, summary, type and sub-type names, its place's name
and aliases, its actors' names and aliases, and every evidence quote: what `q` searches
(timeline.search). Searching one indexed document per event costs what the search
returns; matching each table's own index and joining the answers did not (issue 12).

Where it lives:
- PostgreSQL: `SearchDocument.vector`, a tsvector ('simple' configuration) with a GIN
  index (migration 0006_scale_search_documents).
- SQLite: the FTS5 table `timeline_search_fts` (rowid = event id), whose text is the
  document's words, lower-cased, one space apart (`search_words`, a Python function
  registered on every SQLite connection), so that FTS5 and the query parser agree on
  what a word is.

The fields are separated by FIELD_BREAK, so a phrase never runs from one field into the
next ("Qatar" ending a title and "Israel" opening a quote are not the phrase "Qatar
Israel"): on PostgreSQL the break word is deleted from the vector, leaving a gap in the
positions; on SQLite it becomes the token "_", which no query can contain.

Beside the vector, on PostgreSQL each document keeps the ids of its event's actors and of
the outlets its evidence cites (`actor_ids`, `outlet_ids`, bigint[]; migration 0012, not
model fields): a search's actor and outlet facets count them from the matching documents
in one pass (timeline.filters._shared_counts) instead of joining every matching event's
actor links and evidence again. They are rebuilt with the document, and also when an
article's outlets change (the m2m signal, an outlet merge), which no other rebuild sees.

Keeping it current:
- Signals rebuild the documents an ordinary save touches: an event, its evidence, its
  actor links, and an actor, place, type or sub-type whose searched names changed.
- `deferred()` collects those rebuilds and runs them once, set-based, at the end of a
  block: the fixture import, the proposer and the dataset imports write inside one.
- Writers that bypass signals (bulk_create, QuerySet.update) call `rebuild(event_ids)`,
  which rebuilds any set of events in two statements whatever its size.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from timeline.table_statistics import analyze_tables

FIELD_BREAK = "fieldbreakqzx"
FTS_TABLE = "timeline_search_fts"
# Characters PostgreSQL's parser would keep inside one token ("3.5", "bbc.co.uk", "a/b",
# "x@y.z", "delegation-level") or skip with what follows ("<tags>"); as spaces they read
# as plain words, the way the query parser and the SQLite documents read them.
PLAIN_WORD_SEPARATORS = "-<&/.:@"
WORD = re.compile(r"[^\W_]+")
# Above this many events a rebuild also refreshes the planner's statistics (PostgreSQL).
ANALYZE_AFTER = 5_000
PENDING_LIST_AFTER = 500


def search_words(document: str | None) -> str:
    """The document's words, lower-cased, one space apart; field breaks become "_"."""
    words = WORD.findall((document or "").lower())
    return " ".join("_" if word == FIELD_BREAK else word for word in words)


def facet_ids_sql(where: str) -> tuple[str, str]:
    """(columns, joins): the actor and outlet ids a PostgreSQL document keeps beside its
    vector (see the module docstring), for the events (alias e) that `where` selects; its
    parameters are needed once for each of the two joins, which come before the WHERE.

    Grouped once over the selected events, not a subquery per event: correlated, the
    outlets' join was planned as a hash of every article-outlet link per event on tables
    without statistics (an import's own transaction), quadratic in the import's size.
    """
    columns = "COALESCE(ai.ids, '{}') AS actor_ids, COALESCE(oi.ids, '{}') AS outlet_ids"
    joins = f"""
        LEFT JOIN (
            SELECT ea.event_id, array_agg(DISTINCT ea.actor_id ORDER BY ea.actor_id) AS ids
            FROM timeline_eventactor ea JOIN timeline_event e ON e.id = ea.event_id
            WHERE {where} GROUP BY ea.event_id
        ) ai ON ai.event_id = e.id
        LEFT JOIN (
            SELECT ev.event_id, array_agg(DISTINCT ao.outlet_id ORDER BY ao.outlet_id) AS ids
            FROM timeline_evidence ev JOIN timeline_event e ON e.id = ev.event_id
            JOIN timeline_article_outlets ao ON ao.article_id = ev.article_id
            WHERE {where} GROUP BY ev.event_id
        ) oi ON oi.event_id = e.id
    """
    return columns, joins


def _document_sql(vendor: str, where: str, *, facet_ids: bool = True) -> str:
    """SELECT (event id, document text[, actor ids, outlet ids on PostgreSQL]) for the
    events `where` selects."""
    aggregate = "string_agg" if vendor == "postgresql" else "group_concat"
    ids = joins = ""
    if vendor == "postgresql" and facet_ids:
        ids, joins = facet_ids_sql(where)
        ids = ", " + ids
    newline = "chr(10)" if vendor == "postgresql" else "char(10)"
    gap = f"' {FIELD_BREAK} '"

    def aliases(column: str) -> str:
        return f"REPLACE(COALESCE({column}, ''), {newline}, {gap})"

    return f"""
        SELECT e.id AS id,
            COALESCE(e.title, '') || {gap} || COALESCE(e.summary, '')
            || {gap} || COALESCE(t.name, '') || {gap} || COALESCE(st.name, '')
            || {gap} || COALESCE(l.name, '') || {gap} || {aliases("l.aliases")}
            || {gap} || COALESCE((
                SELECT {aggregate}(a.name || {gap} || {aliases("a.aliases")}, {gap})
                FROM timeline_eventactor ea JOIN timeline_actor a ON a.id = ea.actor_id
                WHERE ea.event_id = e.id), '')
            || {gap} || COALESCE((
                SELECT {aggregate}(ev.quote, {gap})
                FROM timeline_evidence ev WHERE ev.event_id = e.id), '') AS document
            {ids}
        FROM timeline_event e
        JOIN timeline_eventtype t ON t.id = e.type_id
        LEFT JOIN timeline_eventsubtype st ON st.id = e.sub_type_id
        LEFT JOIN timeline_location l ON l.id = e.location_id
        {joins}
        WHERE {where}
    """


def _selection(events: Iterable[int] | QuerySet | None, vendor: str) -> tuple[str, str, list]:
    """(WHERE on e.id, WHERE on the document's key, params) selecting `events`."""
    if events is None:
        return "TRUE", "TRUE", []
    if isinstance(events, QuerySet):
        sql, params = events.values("pk").query.sql_with_params()
        return f"e.id IN ({sql})", f"IN ({sql})", list(params)
    ids = sorted({int(pk) for pk in events})
    if vendor == "postgresql":
        return "e.id = ANY(%s)", "= ANY(%s)", [ids]
    return (
        "e.id IN (SELECT value FROM json_each(%s))",
        "IN (SELECT value FROM json_each(%s))",
        [json.dumps(ids)],
    )


def rebuild(
    event_ids: Iterable[int] | QuerySet | None = None,
    *,
    using: str = "default",
    tidy: bool = True,
    facet_ids: bool = True,
) -> None:
    """Rebuild the search documents of these events (all of them with None), set-based.

    `event_ids` is ids or a queryset of events (used as a subquery, never loaded). Ids of
    events that no longer exist lose their document. Two statements whatever the number
    of events; the dataset importers call this for each chunk they write, with tidy=False,
    and tidy() once at the end (their import ANALYZEs every table afterwards).
    facet_ids=False leaves out the actor and outlet ids (for migration 0006, which runs
    before 0012 adds their columns and fills them).
    """
    connection = connections[using]
    vendor = connection.vendor
    if isinstance(event_ids, QuerySet):
        event_ids = event_ids.using(using)
    elif event_ids is not None:
        event_ids = list(event_ids)
        if not event_ids:
            return
    on_event, on_key, params = _selection(event_ids, vendor)
    documents = _document_sql(vendor, on_event, facet_ids=facet_ids)
    columns = ", actor_ids, outlet_ids" if facet_ids else ""
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(
                f"DELETE FROM timeline_searchdocument WHERE event_id {on_key}"
                if event_ids is not None
                else "DELETE FROM timeline_searchdocument",
                params,
            )
            cursor.execute(
                f"""
                INSERT INTO timeline_searchdocument (event_id, vector{columns})
                SELECT id, ts_delete(
                    to_tsvector('simple', translate(document, %s, %s)), %s){columns}
                FROM ({documents}) AS d
                """,
                [
                    PLAIN_WORD_SEPARATORS,
                    " " * len(PLAIN_WORD_SEPARATORS),
                    FIELD_BREAK,
                    # The facet ids' two joins select the same events (facet_ids_sql).
                    *(params * 3 if facet_ids else params),
                ],
            )
            if tidy and (event_ids is None or cursor.rowcount > PENDING_LIST_AFTER):
                _clean_pending_list(cursor)
            if tidy and (event_ids is None or cursor.rowcount > ANALYZE_AFTER):
                analyze_tables(["timeline_searchdocument"], using=using)
            return
        register_sqlite_functions(connection)
        cursor.execute(
            f"DELETE FROM {FTS_TABLE} WHERE rowid {on_key}"
            if event_ids is not None
            else f"DELETE FROM {FTS_TABLE}",
            params,
        )
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, document) "
            f"SELECT id, search_words(document) FROM ({documents}) AS d",
            params,
        )


def _clean_pending_list(cursor) -> None:
    # New entries wait in the GIN index's pending list, which every search reads whole
    # (and the planner prices as such) until it is merged.
    cursor.execute("SELECT gin_clean_pending_list('searchdocument_vector_gin')")


def defer_index_merges(*, using: str = "default") -> None:
    """For the rest of the transaction, let new entries wait in the GIN index's pending
    list (PostgreSQL) until tidy() merges them all at once, sorted, rather than merging
    every 4 MB of them as they come (gin_pending_list_limit)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL gin_pending_list_limit = '1GB'")


def tidy(*, using: str = "default") -> None:
    """After rebuilds with tidy=False: merge the GIN index's pending list (PostgreSQL)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            _clean_pending_list(cursor)


def register_sqlite_functions(connection, **kwargs) -> None:
    """search_words() on a SQLite connection (connection_created calls this for each)."""
    if connection.vendor != "sqlite":
        return
    connection.ensure_connection()
    connection.connection.create_function("search_words", 1, search_words, deterministic=True)


# -- keeping documents in step with writes ----------------------------------------------
_pending = threading.local()


@contextmanager
def deferred() -> Iterator[None]:
    """Collect the rebuilds that saves inside the block ask for; run them once at the end.

    Use it inside the writer's transaction, so documents commit (or roll back) with the
    rows they describe. Nested blocks join the outermost one. On an exception, or in a
    transaction marked for rollback (a dry run), nothing is rebuilt.
    """
    if getattr(_pending, "ids", None) is not None:
        yield
        return
    _pending.ids = {}
    try:
        yield
        collected = _pending.ids
    finally:
        _pending.ids = None
    for using, ids in collected.items():
        # A dry run has marked its transaction for rollback: nothing to describe.
        if not connections[using].needs_rollback:
            rebuild(ids, using=using)


def mark_stale(event_ids: Iterable[int] | QuerySet, *, using: str = "default") -> None:
    """These events' documents are out of date: rebuild now, or at the end of deferred()."""
    pending = getattr(_pending, "ids", None)
    if pending is None:
        rebuild(event_ids, using=using)
        return
    if isinstance(event_ids, QuerySet):
        event_ids = event_ids.using(using).values_list("pk", flat=True)
    pending.setdefault(using, set()).update(pk for pk in event_ids if pk is not None)


def _event_saved(sender, instance, raw, using, **kwargs) -> None:
    if not raw:
        mark_stale([instance.pk], using=using)


def _event_deleted(sender, instance, using, **kwargs) -> None:
    # The rebuild finds the event gone and drops its document. (No CASCADE: deleting the
    # event's evidence first asks for a rebuild that would write the document back.)
    mark_stale([instance.pk], using=using)


def _remember_event(sender, instance, raw, using, update_fields, **kwargs) -> None:
    """Before an evidence or actor link is saved: the event it belonged to, if it moves."""
    instance._search_previous_event = None
    if instance.pk is not None and not raw:
        instance._search_previous_event = (
            sender.objects.using(using)
            .filter(pk=instance.pk)
            .values_list("event_id", flat=True)
            .first()
        )


def _part_changed(sender, instance, using, raw=False, **kwargs) -> None:
    if raw:
        return
    stale = {instance.event_id, getattr(instance, "_search_previous_event", None)}
    mark_stale([pk for pk in stale if pk is not None], using=using)


def _actors_changed(sender, instance, action, reverse, pk_set, using, **kwargs) -> None:
    """event.actors.add()/remove()/clear() and actor.events.add()… bypass EventActor saves."""
    from timeline.models import Event, EventActor

    if action not in {"post_add", "post_remove", "pre_clear", "post_clear"}:
        return
    if not reverse:
        if action != "pre_clear":
            mark_stale([instance.pk], using=using)
    elif action == "pre_clear":
        mark_stale(
            Event.objects.filter(
                pk__in=EventActor.objects.filter(actor=instance).values("event_id")
            ),
            using=using,
        )
    elif pk_set:
        mark_stale(pk_set, using=using)


def _searched_fields(sender) -> tuple[str, ...]:
    from timeline.models import Actor, EventSubType, EventType, Location

    return {
        Actor: ("name", "aliases"),
        Location: ("name", "aliases"),
        EventType: ("name",),
        EventSubType: ("name",),
    }[sender]


def _compare_names(sender, instance, raw, using, update_fields, **kwargs) -> None:
    """Before a named entity is saved: will the words its events are searched by change?"""
    instance._search_words_changed = False
    fields = _searched_fields(sender)
    if raw or instance.pk is None:
        return  # a new entity has no events yet
    if update_fields is not None and not set(fields) & set(update_fields):
        return
    stored = sender.objects.using(using).filter(pk=instance.pk).values_list(*fields).first()
    current = tuple(getattr(instance, name) for name in fields)
    instance._search_words_changed = stored is not None and tuple(stored) != current


def _names_saved(sender, instance, using, raw, **kwargs) -> None:
    from timeline.models import Actor, Event, EventActor, EventSubType, EventType, Location

    if raw or not getattr(instance, "_search_words_changed", False):
        return
    events = {
        Actor: lambda: Event.objects.filter(
            pk__in=EventActor.objects.filter(actor=instance).values("event_id")
        ),
        Location: lambda: Event.objects.filter(location=instance),
        EventType: lambda: Event.objects.filter(type=instance),
        EventSubType: lambda: Event.objects.filter(sub_type=instance),
    }[sender]()
    mark_stale(events, using=using)


def connect_signals() -> None:
    """Called once from TimelineConfig.ready()."""
    from django.db.backends.signals import connection_created

    from timeline.models import (
        Actor,
        Event,
        EventActor,
        EventSubType,
        EventType,
        Evidence,
        Location,
    )

    connection_created.connect(_connection_created, dispatch_uid="search_words")
    post_save.connect(_event_saved, sender=Event, dispatch_uid="search_event_saved")
    post_delete.connect(_event_deleted, sender=Event, dispatch_uid="search_event_deleted")
    for part in (Evidence, EventActor):
        uid = f"search_{part.__name__}"
        pre_save.connect(_remember_event, sender=part, dispatch_uid=f"{uid}_pre")
        post_save.connect(_part_changed, sender=part, dispatch_uid=f"{uid}_saved")
        post_delete.connect(_part_changed, sender=part, dispatch_uid=f"{uid}_deleted")
    m2m_changed.connect(_actors_changed, sender=Event.actors.through, dispatch_uid="search_m2m")
    for named in (Actor, Location, EventType, EventSubType):
        uid = f"search_{named.__name__}"
        pre_save.connect(_compare_names, sender=named, dispatch_uid=f"{uid}_pre")
        post_save.connect(_names_saved, sender=named, dispatch_uid=f"{uid}_saved")


def _connection_created(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("search_words", 1, search_words, deterministic=True)
