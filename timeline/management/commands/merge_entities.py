"""manage.py merge_entities {actor,location} SOURCE_SLUG... --into TARGET_SLUG [--dry-run]."""

from django.core.management.base import BaseCommand, CommandError

from timeline.merging import MergeError, merge_actors, merge_locations
from timeline.models import Actor, ActorRedirect, Location, LocationRedirect

KINDS = {
    "actor": (Actor, ActorRedirect, merge_actors),
    "location": (Location, LocationRedirect, merge_locations),
}


class Command(BaseCommand):
    help = (
        "Merge actors or places into one: every link moves to the target, the sources' "
        "names become its aliases and their slugs redirect to it for good. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="what to merge")
        parser.add_argument("sources", nargs="+", metavar="SOURCE_SLUG", help="merged away")
        parser.add_argument("--into", required=True, metavar="TARGET_SLUG", help="kept")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would change, write nothing"
        )

    def handle(self, *args, kind: str, sources: list[str], into: str, dry_run: bool, **options):
        model, redirects, merge = KINDS[kind]
        target = self._find(model, redirects, kind, into)
        found = [self._find(model, redirects, kind, slug, source=True) for slug in sources]
        try:
            result = merge(sources=found, into=target, dry_run=dry_run)
        except MergeError as error:
            raise CommandError(f"{error}. Nothing was merged.") from error
        self.stdout.write(self.style.SUCCESS(result.one_line()))

    @staticmethod
    def _find(model, redirects, kind: str, slug: str, *, source: bool = False):
        found = model.objects.filter(slug=slug).first()
        if found is not None:
            return found
        moved = redirects.objects.filter(old_slug=slug).first()
        if moved is not None:
            now = getattr(moved, kind).slug
            if source:
                raise CommandError(f"{kind} {slug!r} was already merged into {now!r}.")
            return getattr(moved, kind)
        raise CommandError(f"no {kind} has the slug {slug!r}. Nothing was merged.")
