"""python manage.py propose_events [SLUG ... | --all]: propose events from stored articles."""

from django.core.management.base import BaseCommand, CommandError

from timeline.models import Article
from timeline.proposing import ProposingError, propose_for_articles


class Command(BaseCommand):
    help = (
        "Run the extractor over articles and write what it finds as proposed events (with "
        "evidence at exact offsets) for editors to review. Evidence of events already "
        "stored is attached to them; re-running on an article writes nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="article slug")
        parser.add_argument(
            "--all", action="store_true", help="every news article (never a dataset's notes)"
        )

    def handle(self, *args, slugs: list[str], all: bool, **options):
        if all and slugs:
            raise CommandError("Give article slugs or --all, not both.")
        if all:
            articles = Article.objects.news().order_by("published", "slug")
        elif slugs:
            found = set(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            unknown = [slug for slug in dict.fromkeys(slugs) if slug not in found]
            if unknown:
                names = ", ".join(repr(slug) for slug in unknown)
                raise CommandError(f"No article with slug {names}. Nothing was proposed.")
            articles = Article.objects.news().filter(slug__in=slugs).order_by("published", "slug")
        else:
            raise CommandError("Give one or more article slugs, or --all.")
        try:
            summary = propose_for_articles(articles=articles.iterator(chunk_size=200))
        except ProposingError as error:
            raise CommandError(f"{error}\nNothing was proposed.") from error
        self.stdout.write(self.style.SUCCESS(summary.one_line()))
