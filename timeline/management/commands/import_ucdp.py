"""python manage.py import_ucdp PATH [--skip-bad]: load a UCDP GED CSV as events."""

from timeline.datasets.ucdp import import_ucdp
from timeline.management.dataset_import import DatasetImportCommand


class Command(DatasetImportCommand):
    help = (
        "Import a UCDP GED CSV (.csv or .csv.gz): one published event per GED id, "
        "its source headline as the evidence, the whole row kept. Atomic and idempotent; "
        "changed rows are updated in place."
    )
    dataset = "UCDP GED"
    deaths_noun = "deaths (best estimates)"
    importer = staticmethod(import_ucdp)
