"""The facet summary kept on write (timeline.facet_summary): PostgreSQL only; SQLite counts
the exact way."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from timeline.facet_summary import create_sql

    for statement in create_sql():
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from timeline.facet_summary import drop_sql

    for statement in drop_sql():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("timeline", "0010_merge_20261201_1522")]

    operations = [migrations.RunPython(create, drop)]
