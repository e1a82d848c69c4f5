"""python manage.py import_fixtures PATH... [--dry-run] [--propose]: articles and curated events."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timeline.importing.fixture_format import FixtureError
from timeline.importing.fixtures import import_fixture_paths
from timeline.management.exclusive_import import (
    DEFAULT_WAIT_SECONDS,
    ImportBusy,
    exclusive_import,
)


class Command(BaseCommand):
    help = (
        "Import fixture files or folders (JSON, YAML, raw .txt articles, .jsonl articles): "
        "gazetteer "
        "entries, articles and curated events with their evidence. All or nothing, and "
        "idempotent: records are matched by slug and only changed ones are written."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="+", type=Path, metavar="PATH", help="fixture file or folder"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check everything and report what would change, then write nothing",
        )
        parser.add_argument(
            "--propose",
            action="store_true",
            help="propose events (status proposed) from the raw articles imported",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=DEFAULT_WAIT_SECONDS,
            metavar="SECONDS",
            help="how long to wait for another import to finish (default %(default)g)",
        )

    def handle(
        self, *args, paths: list[Path], dry_run: bool, propose: bool, wait: float, **options
    ):
        try:
            with exclusive_import(wait=wait, on_wait=self.say_waiting, analyze=not dry_run):
                summary = import_fixture_paths(paths=paths, dry_run=dry_run, propose=propose)
        except FixtureError as error:
            raise CommandError(f"{error}\nNothing was imported.") from error
        except ImportBusy as busy:
            raise CommandError(str(busy)) from busy
        line = summary.one_line()
        if summary.proposals is not None:
            line += " " + summary.proposals.one_line()
        self.stdout.write(self.style.SUCCESS(line))

    def say_waiting(self) -> None:
        self.stderr.write("Another import is running; waiting for it to finish…")
