"""python manage.py find_duplicates [--min SCORE] [--merge-above SCORE]: likely duplicates."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from timeline.duplicates import likely_pairs, merge_likely_pairs


def score_argument(value: str) -> float:
    try:
        score = float(value)
    except ValueError:
        raise CommandError(f"“{value}” is not a score; give a number from 0 to 1.") from None
    if not 0 <= score <= 1:
        raise CommandError(f"A score is from 0 to 1, not {value}.")
    return score


class Command(BaseCommand):
    help = (
        "List likely duplicate pairs among stored events, scored as in the review queue "
        "(timeline/duplicates.py). With --merge-above, merge every pair scoring above it: "
        "the proposal (or the newer event) into the published (or older) one, all in one "
        "transaction, each merge recorded in the events' history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--min", default="0.5", help="list pairs scoring at least this")
        parser.add_argument("--merge-above", default=None, help="merge pairs scoring above this")
        parser.add_argument("--limit", type=int, default=50, help="pairs to list (0: all)")
        parser.add_argument("--user", default="", help="the editor to record as merging")

    def handle(self, *args, **options):
        minimum = score_argument(options["min"])
        above = options["merge_above"]
        above = score_argument(above) if above is not None else None
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user “{options['user']}”.")
        pairs = likely_pairs(minimum=min(minimum, above) if above is not None else minimum)
        shown = pairs if options["limit"] == 0 else pairs[: options["limit"]]
        for pair in shown:
            self.stdout.write(
                f"{pair.match.score:.2f}  {pair.keep.slug}  ←  {pair.duplicate.slug}"
                f"  ({'; '.join(pair.match.reasons)})"
            )
        listed = sum(1 for pair in pairs if pair.match.score >= minimum)
        summary = f"{listed} likely duplicate pair(s) scoring at least {minimum:.2f}."
        if len(shown) < len(pairs):
            summary += f" Listed the first {len(shown)}."
        if above is not None:
            result = merge_likely_pairs(pairs=pairs, above=above, user=user)
            summary += f" Merged {result.merged} scoring above {above:.2f}"
            summary += f" ({result.skipped} skipped: already merged)." if result.skipped else "."
        self.stdout.write(self.style.SUCCESS(summary))
