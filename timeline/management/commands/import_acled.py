"""python manage.py import_acled PATH [--skip-bad]: load an ACLED CSV export as events."""

from django.core.management.base import BaseCommand, CommandError

from timeline.importing.acled import DatasetImportError, import_acled
from timeline.importing.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Import an ACLED CSV export (.csv or .csv.gz): one published event per event_id_cnty, "
        "its notes as the evidence. Atomic and idempotent; rows whose timestamp changed are "
        "updated."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="ACLED export, CSV or gzipped CSV")
        parser.add_argument(
            "--skip-bad",
            action="store_true",
            help="import the good rows and list the bad lines instead of aborting",
        )

    def handle(self, *args, path, skip_bad, **options):
        bar = ProgressBar(self.stderr._out, label="ACLED") if self.stderr.isatty() else None
        try:
            result = import_acled(path=path, skip_bad=skip_bad, progress=bar)
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
                f"Imported {result.rows:,} ACLED rows: {result.created:,} created, "
                f"{result.updated:,} updated, {result.unchanged:,} unchanged; "
                f"{result.deaths:,} fatalities{skipped}."
            )
        )
