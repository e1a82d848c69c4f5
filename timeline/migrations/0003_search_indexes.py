"""GIN indexes for text search on PostgreSQL (other databases: nothing to do).

Each index is on the exact expression timeline.search.search_vector() builds for the
table's searched fields, so the planner can use it: to_tsvector('simple', the fields with
the characters of PLAIN_WORD_SEPARATORS turned into spaces, joined by spaces). The
expressions are written out here rather than imported so that this migration keeps
meaning what it meant when it was written; test_search checks that the queries still use
these indexes.

The indexes are not in the models' Meta (they exist on PostgreSQL only), so they are
created with the schema editor and are not part of the migration state.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import F, TextField, Value
from django.db.models.functions import Replace

INDEXES = {
    "event": ("event_search_gin", ("title", "summary")),
    "evidence": ("evidence_search_gin", ("quote",)),
    "actor": ("actor_search_gin", ("name", "aliases")),
    "location": ("location_search_gin", ("name", "aliases")),
}


PLAIN_WORD_SEPARATORS = "-<&/.:@"


def plain_words(field):
    expression = F(field)
    for character in PLAIN_WORD_SEPARATORS:
        expression = Replace(expression, Value(character), Value(" "), output_field=TextField())
    return expression


def gin_index(name, fields):
    vector = SearchVector(*(plain_words(field) for field in fields), config="simple")
    return GinIndex(vector, name=name)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, (name, fields) in INDEXES.items():
        schema_editor.add_index(apps.get_model("timeline", model_name), gin_index(name, fields))


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, (name, fields) in INDEXES.items():
        schema_editor.remove_index(apps.get_model("timeline", model_name), gin_index(name, fields))


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0002_seed_event_types"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
