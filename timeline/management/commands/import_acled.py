"""python manage.py import_acled PATH [--skip-bad]: load an ACLED CSV export as events."""

from timeline.datasets.acled import import_acled
from timeline.management.dataset_import import DatasetImportCommand


class Command(DatasetImportCommand):
    help = (
        "Import an ACLED CSV export (.csv or .csv.gz): one published event per event_id_cnty, "
        "its notes as the evidence, the whole row kept. Atomic and idempotent; rows whose "
        "timestamp changed are updated."
    )
    dataset = "ACLED"
    importer = staticmethod(import_acled)
