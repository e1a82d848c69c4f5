"""python manage.py import_fixtures PATH... [--dry-run] [--propose]: articles and curated events."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timeline.importing.fixture_format import FixtureError
from timeline.importing.fixtures import import_fixture_paths


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

    def handle(self, *args, paths: list[Path], dry_run: bool, propose: bool, **options):
        try:
            summary = import_fixture_paths(paths=paths, dry_run=dry_run, propose=propose)
        except FixtureError as error:
            raise CommandError(f"{error}\nNothing was imported.") from error
        line = summary.one_line()
        if summary.proposals is not None:
            line += " " + summary.proposals.one_line()
        self.stdout.write(self.style.SUCCESS(line))
