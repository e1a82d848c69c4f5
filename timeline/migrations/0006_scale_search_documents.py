"""One stored search document per event (timeline.search_documents), filled for every event;
and the data version that database triggers bump on every write (timeline.count_cache).

PostgreSQL: the table's tsvector gets a GIN index, and the four expression indexes of
0003_search_indexes go (search no longer matches each table on its own; they only cost
writes). SQLite: the document lives in an FTS5 table; the model's table stays empty.

The FTS5 tokenizer keeps letters and digits apart from everything else and keeps case
and accents (search_words has lower-cased the text already); "_" is a token character
only so that the field break "_" is a token no query can contain. The prefix indexes make
two- and three-letter prefixes ("ab", "gaz") cheap.
"""

import importlib

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

search_indexes = importlib.import_module("timeline.migrations.0003_search_indexes")

FTS_TABLE = "timeline_search_fts"


def create_search_structures(apps, schema_editor):
    # The documents are built by the code that keeps them current, so that the two
    # cannot disagree about what a document holds.
    from timeline.search_documents import rebuild

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        search_indexes.drop_indexes(apps, schema_editor)
        schema_editor.execute(
            "CREATE INDEX searchdocument_vector_gin ON timeline_searchdocument USING gin (vector)"
        )
    elif connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(document, "
            "tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\", prefix='2 3')"
        )
    else:
        return
    # The facet ids beside the vector come with migration 0012, which fills them.
    rebuild(using=connection.alias, facet_ids=False)


def drop_search_structures(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS searchdocument_vector_gin")
        search_indexes.create_indexes(apps, schema_editor)
    elif connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def create_data_version(apps, schema_editor):
    from timeline.count_cache import create_triggers_sql

    apps.get_model("timeline", "DataVersion").objects.create(id=1, version=0, token="initial")
    for statement in create_triggers_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def drop_data_version_triggers(apps, schema_editor):
    from timeline.count_cache import COUNTED_TABLES

    vendor = schema_editor.connection.vendor
    for table in COUNTED_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
        else:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{operation}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS timeline_bump_data_version()")


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0005_seed_taxonomy"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="timeline.event",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
        ),
        migrations.RunPython(create_search_structures, drop_search_structures, elidable=False),
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("token", models.CharField(default="", max_length=64)),
            ],
        ),
        migrations.RunPython(create_data_version, drop_data_version_triggers, elidable=False),
    ]
