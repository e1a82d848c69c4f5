"""python manage.py evaluate_extraction [--fixtures | --acled [PATH]]: measure the extractor."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timeline.datasets.base import DatasetImportError
from timeline.measuring import (
    default_acled_path,
    evaluate_acled,
    evaluate_curated,
    evaluate_devset,
)


class Command(BaseCommand):
    help = (
        "Measure the extractor; writes nothing. Default (--fixtures): propose events for "
        "every article with curated, published evidence and print precision, recall and F1 "
        "per type and overall, with figure and date accuracy; then the same for each half "
        "of the development set (texts from --devset-cache). --acled [PATH]: read an "
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
        parser.add_argument(
            "--devset-cache",
            type=Path,
            default=Path(os.environ.get("DEVSET_CACHE", "/work/devset-cache")),
            metavar="DIR",
            help="where devset/rebuild.py wrote the development set's texts",
        )
        parser.add_argument(
            "--details", action="store_true", help="list unmatched proposals and events"
        )

    def handle(self, *args, fixtures: bool, acled: str | None, limit: int | None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number of rows.")
        if acled is not None:
            self.acled(Path(acled) if acled else default_acled_path(), limit)
        else:
            self.curated()
            self.devset(options["devset_cache"], options["details"])

    def devset(self, cache: Path, details: bool) -> None:
        """Score each half of the development set with the database's gazetteer."""
        result = evaluate_devset(cache=cache)
        if result.missing:
            self.stdout.write(
                f"development set: {len(result.missing)} texts missing from {cache} "
                "(python devset/rebuild.py rebuilds them)"
            )
        for half, report in result.reports.items():
            overall = report.overall
            if details:
                self.stdout.write(report.format())
            self.stdout.write(
                self.style.SUCCESS(
                    f"development set, {half} half: {result.articles[half]} articles, "
                    f"{overall.true_positives + overall.false_negatives} coded events, "
                    f"{overall.true_positives + overall.false_positives} proposals: "
                    f"precision {overall.precision:.2f}, recall {overall.recall:.2f}, "
                    f"F1 {overall.f1:.2f}, exact date {_share(report.date_accuracy)}, "
                    f"figures {_share(report.figure_accuracy)}."
                )
            )

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
        score = agreement.as_score
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {agreement.rows} rows: date agreement "
                f"{agreement.date_agreement:.2f}, type agreement {agreement.type_agreement:.2f}, "
                f"fatality agreement {agreement.fatality_agreement:.2f}; as an answer key: "
                f"precision {score.precision:.2f}, recall {score.recall:.2f}, F1 {score.f1:.2f}."
            )
        )


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"
