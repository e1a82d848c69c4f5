"""The shared shape of the dataset import commands (import_acled, import_ucdp)."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from timeline.datasets.base import DatasetImportError, ImportResult
from timeline.importing.progress import ProgressBar
from timeline.management.exclusive_import import (
    DEFAULT_WAIT_SECONDS,
    ImportBusy,
    exclusive_import,
)


class DatasetImportCommand(BaseCommand):
    """Arguments in, the dataset's import service, a one-line summary out."""

    dataset = ""  # "ACLED", "UCDP GED": names the rows in the summary
    deaths_noun = "fatalities"
    importer: Callable[..., ImportResult]

    def add_arguments(self, parser):
        parser.add_argument("path", help=f"{self.dataset} export, CSV or gzipped CSV")
        parser.add_argument(
            "--skip-bad",
            action="store_true",
            help="import the good rows and list the bad lines instead of aborting",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="for a first load or a maintenance window: an import of 50,000 rows or more "
            "drops the foreign keys and secondary indexes of the tables it writes and builds "
            "them again at its end (faster); pages reading those tables wait until it ends",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=DEFAULT_WAIT_SECONDS,
            metavar="SECONDS",
            help="how long to wait for another import to finish (default %(default)g)",
        )

    def handle(self, *args, path, skip_bad, wait, bulk, **options):
        label = self.dataset.split()[0]
        bar = ProgressBar(self.stderr._out, label=label) if self.stderr.isatty() else None
        try:
            # One import at a time. The import ANALYZEs the tables itself after a large
            # write (timeline.table_statistics), so the lock need not.
            with exclusive_import(wait=wait, on_wait=self.say_waiting, analyze=False):
                result = self.importer(path=path, skip_bad=skip_bad, progress=bar, bulk=bulk)
        except DatasetImportError as error:
            raise CommandError(str(error)) from error
        except ImportBusy as busy:
            raise CommandError(str(busy)) from busy
        finally:
            if bar:
                bar.finish()
        for problem in result.skipped:
            self.stderr.write(f"{path}: skipped {problem}")
        skipped = f"; skipped {len(result.skipped):,} bad lines" if result.skipped else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.rows:,} {self.dataset} rows: {result.created:,} created, "
                f"{result.updated:,} updated, {result.unchanged:,} unchanged; "
                f"{result.deaths:,} {self.deaths_noun}{skipped}."
            )
        )

    def say_waiting(self) -> None:
        self.stderr.write("Another import is running; waiting for it to finish…")
