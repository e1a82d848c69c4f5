"""python manage.py import_ucdp PATH [--skip-bad]: load a UCDP GED CSV as events."""

from django.core.management.base import BaseCommand, CommandError

from timeline.importing.acled import DatasetImportError
from timeline.importing.progress import ProgressBar
from timeline.importing.ucdp import import_ucdp


class Command(BaseCommand):
    help = (
        "Import a UCDP GED CSV (.csv or .csv.gz): one published event per GED id, "
        "its source headline as the evidence. Atomic and idempotent; changed rows are "
        "updated in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="UCDP GED export, CSV or gzipped CSV")
        parser.add_argument(
            "--skip-bad",
            action="store_true",
            help="import the good rows and list the bad lines instead of aborting",
        )

    def handle(self, *args, path, skip_bad, **options):
        bar = ProgressBar(self.stderr._out, label="UCDP") if self.stderr.isatty() else None
        try:
            result = import_ucdp(path=path, skip_bad=skip_bad, progress=bar)
        except DatasetImportError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar:
                bar.finish()
        for problem in result.skipped:
            self.stderr.write(f"{path}: skipped {problem}")
        skipped = f"; skipped {len(result.skipped):,} bad lines" if result.skipped else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows:,} UCDP GED rows: {result.created:,} created, "
                f"{result.updated:,} updated, {result.unchanged:,} unchanged; "
                f"{result.deaths:,} deaths (best estimates){skipped}."
            )
        )
