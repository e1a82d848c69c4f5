"""Give every article that is not a dataset row the Outlet its outlet text names.

One Outlet per distinct outlet text (matched case-insensitively, by name or slug, against
outlets that already exist); the article then cites it. Articles quoted by dataset events
(ACLED, UCDP: an event with an external id) are left to the dataset importers, which
split their source lists into one outlet each.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef
from django.utils.text import slugify


def backfill_outlets(apps, schema_editor):
    Article = apps.get_model("timeline", "Article")
    Evidence = apps.get_model("timeline", "Evidence")
    Outlet = apps.get_model("timeline", "Outlet")
    Through = Article.outlets.through

    by_key = {}
    for outlet in Outlet.objects.all():
        by_key.setdefault(outlet.slug, outlet)
        by_key.setdefault(outlet.name.strip().casefold(), outlet)
    dataset_quoted = Evidence.objects.filter(article=OuterRef("pk")).exclude(event__external_id="")
    already = Through.objects.filter(article=OuterRef("pk"))
    articles = (
        Article.objects.exclude(outlet="")
        .exclude(Exists(dataset_quoted))
        .exclude(Exists(already))
        .values_list("pk", "outlet")
    )
    links = []
    for pk, text in articles.iterator():
        name = text.strip()
        if not name:
            continue
        outlet = by_key.get(name.casefold()) or by_key.get(slugify(name))
        if outlet is None:
            base = slugify(name)[:190] or "outlet"
            slug, counter = base, 2
            while slug in by_key or Outlet.objects.filter(slug=slug).exists():
                slug = f"{base}-{counter}"
                counter += 1
            outlet = Outlet.objects.create(slug=slug, name=name[:300])
            by_key[slug] = outlet
            by_key[name.casefold()] = outlet
        links.append(Through(article_id=pk, outlet_id=outlet.pk))
    Through.objects.bulk_create(links, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("timeline", "0005_seed_taxonomy")]

    operations = [migrations.RunPython(backfill_outlets, migrations.RunPython.noop)]
