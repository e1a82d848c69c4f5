"""Seed the ten event types (DESIGN.md); later edits happen in the admin."""

from django.db import migrations


def seed_event_types(apps, schema_editor):
    from timeline.event_types import EVENT_TYPES

    EventType = apps.get_model("timeline", "EventType")
    for order, row in enumerate(EVENT_TYPES):
        slug, name, colour, symbol, acled_type, acled_sub, plover, description = row
        EventType.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "colour": colour,
                "symbol": symbol,
                "acled_event_type": acled_type,
                "acled_sub_event_type": acled_sub,
                "plover_category": plover,
                "description": description,
                "order": order,
            },
        )


def remove_event_types(apps, schema_editor):
    from timeline.event_types import EVENT_TYPES

    EventType = apps.get_model("timeline", "EventType")
    EventType.objects.filter(slug__in=[row[0] for row in EVENT_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("timeline", "0001_initial")]

    operations = [migrations.RunPython(seed_event_types, remove_event_types)]
