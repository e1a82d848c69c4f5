"""python manage.py evaluate_extraction [--fixtures | --acled [PATH]]: measure the extractor."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timeline.datasets.base import DatasetImportError
from timeline.proposing import default_acled_path, evaluate_acled, evaluate_curated


class Command(BaseCommand):
    help = (
        "Measure the extractor; writes nothing. Default (--fixtures): propose events for "
        "every article with curated, published evidence and print precision, recall and F1 "
        "per type and overall, with figure and date accuracy. --acled [PATH]: read an "
        "ACLED CSV (.csv or .csv.gz) and print how often proposals from each row's notes "
        "agree with ACLED's date, type and fatalities."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--fixtures",
            action="store_true",
            help="score against the curated published events in the database (the default)",
        )
        mode.add_argument(
            "--acled",
            nargs="?",
            const="",
            type=str,
            metavar="PATH",
            help=f"an ACLED-format CSV (default: {default_acled_path()})",
        )
        parser.add_argument(
            "--limit", type=int, metavar="N", help="with --acled: read only the first N rows"
        )

    def handle(self, *args, fixtures: bool, acled: str | None, limit: int | None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number of rows.")
        if acled is not None:
            self.acled(Path(acled) if acled else default_acled_path(), limit)
        else:
            self.curated()

    def curated(self) -> None:
        result = evaluate_curated()
        if not result.articles:
            raise CommandError(
                "No article has evidence of a curated published event; import fixtures first "
                "(python manage.py import_fixtures fixtures/)."
            )
        self.stdout.write(result.report.format())
        overall = result.report.overall
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.articles} article{'s' if result.articles != 1 else ''}, "
                f"{result.key_events} curated events, {result.proposals} proposals: "
                f"precision {overall.precision:.2f}, recall {overall.recall:.2f}, "
                f"F1 {overall.f1:.2f}."
            )
        )

    def acled(self, path: Path, limit: int | None) -> None:
        if not path.exists():
            raise CommandError(f"{path}: no such file.")
        try:
            agreement = evaluate_acled(path=path, limit=limit)
        except DatasetImportError as error:
            raise CommandError(str(error)) from error
        if not agreement.rows:
            raise CommandError(f"{path}: no readable ACLED rows.")
        self.stdout.write(agreement.format())
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {agreement.rows} rows: date agreement "
                f"{agreement.date_agreement:.2f}, type agreement {agreement.type_agreement:.2f}, "
                f"fatality agreement {agreement.fatality_agreement:.2f}."
            )
        )
