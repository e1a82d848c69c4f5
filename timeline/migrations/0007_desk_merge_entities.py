"""Join the desk's history migration with the entities' outlet backfill, then count every
event's outlets again: the backfill linked articles to Outlet rows with bulk writes,
which send no signals, and corroboration counts Outlet rows where an article has them."""

from importlib import import_module

from django.db import migrations

count_outlets_of_stored_events = import_module(
    "timeline.migrations.0006_desk_history"
).count_outlets_of_stored_events


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0006_desk_history"),
        ("timeline", "0006_entities_outlet_rows"),
    ]

    operations = [
        migrations.RunPython(count_outlets_of_stored_events, migrations.RunPython.noop),
    ]
