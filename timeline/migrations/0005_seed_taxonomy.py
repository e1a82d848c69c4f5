"""Seed the sixteen top-level types and their sub-types (timeline/event_types.py).

Types that already exist keep their editors' changes to colour and wording; only missing
rows are created. Later edits happen in the admin.
"""

from django.db import migrations


def seed_taxonomy(apps, schema_editor):
    from timeline.event_types import EVENT_TYPES, SUB_TYPES

    EventType = apps.get_model("timeline", "EventType")
    EventSubType = apps.get_model("timeline", "EventSubType")
    for order, row in enumerate(EVENT_TYPES):
        slug, name, colour, symbol, acled_type, acled_sub, plover, description = row
        EventType.objects.get_or_create(
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
    # The ACLED catch-all types of the first release now have a home of their own.
    EventType.objects.filter(slug="military-strike").update(
        description="Air, drone, missile, artillery strikes and other remote explosive attacks."
    )
    types = {t.slug: t for t in EventType.objects.all()}
    for order, (type_slug, slug, name, acled_sub, ucdp, description) in enumerate(SUB_TYPES):
        EventSubType.objects.get_or_create(
            slug=slug,
            defaults={
                "type": types[type_slug],
                "name": name,
                "acled_sub_event_type": acled_sub,
                "ucdp_type_of_violence": ucdp,
                "description": description,
                "order": order,
            },
        )


def remove_sub_types(apps, schema_editor):
    from timeline.event_types import SUB_TYPES

    apps.get_model("timeline", "EventSubType").objects.filter(
        slug__in=[row[1] for row in SUB_TYPES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("timeline", "0004_faithful_data")]

    operations = [migrations.RunPython(seed_taxonomy, remove_sub_types)]
