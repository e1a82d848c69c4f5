"""The actor and outlet ids of each event on its search document (PostgreSQL only), so
that a search's actor and outlet facets are counted from the matching documents in one
pass (timeline.search_documents, timeline.filters._shared_counts). SQLite keeps its
documents in FTS5 and counts those facets the exact way, as before."""

from django.db import migrations


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from timeline.search_documents import facet_ids_sql

    schema_editor.execute(
        "ALTER TABLE timeline_searchdocument "
        "ADD COLUMN IF NOT EXISTS actor_ids bigint[], ADD COLUMN IF NOT EXISTS outlet_ids bigint[]"
    )
    # Every document there is gets its ids now (one statement, set-based).
    columns, joins = facet_ids_sql("TRUE")
    schema_editor.execute(
        f"""
        UPDATE timeline_searchdocument d
        SET actor_ids = f.actor_ids, outlet_ids = f.outlet_ids
        FROM (SELECT e.id, {columns} FROM timeline_event e {joins}) AS f
        WHERE f.id = d.event_id
        """
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE timeline_searchdocument "
        "DROP COLUMN IF EXISTS actor_ids, DROP COLUMN IF EXISTS outlet_ids"
    )


class Migration(migrations.Migration):
    dependencies = [("timeline", "0011_facet_summary")]

    operations = [migrations.RunPython(add, drop)]
