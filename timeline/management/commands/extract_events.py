"""python manage.py extract_events FILE... --published YYYY-MM-DD [--json]: proposals, printed."""

import json as json_module
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from timeline.extraction.article_header import RawArticleError, parse_raw_article
from timeline.extraction.propose import Proposal, propose_events
from timeline.gazetteer_data import build_gazetteer


def proposal_as_json(proposal: Proposal) -> dict:
    """The stable JSON shape of one proposal (checked from outside the project)."""
    return {
        "type": proposal.event_type,
        "date_start": proposal.date_start.isoformat(),
        "date_end": proposal.date_end.isoformat() if proposal.date_end else None,
        "precision": proposal.date_precision,
        "place": proposal.location_slug,
        "actors": [{"actor": slug, "role": role} for slug, role in proposal.actors],
        "new_actors": list(proposal.new_actors),
        "figures": [
            {
                "kind": f.kind,
                "low": f.low,
                "high": f.high,
                "qualifier": f.qualifier,
                "attributed_to": f.attributed_to,
            }
            for f in proposal.figures
        ],
        "evidence": [
            {"start": e.start, "end": e.end, "quote": e.quote, "attributed_to": e.attributed_to}
            for e in proposal.evidence
        ],
        "confidence": proposal.confidence,
    }


class Command(BaseCommand):
    help = (
        "Propose events from raw text files and print them; writes nothing. A file in the "
        "seed's raw shape ('date YYYY-MM-DD Place, Month D …') gives its own date and "
        "dateline; otherwise --published is the article's date."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--published", metavar="YYYY-MM-DD", help="the articles' date")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, files: list[str], published: str | None, json: bool, **options):
        day = None
        if published:
            try:
                day = date.fromisoformat(published)
            except ValueError as error:
                raise CommandError(f"--published {published!r}: not a YYYY-MM-DD date.") from error
        gazetteer = build_gazetteer()
        results = []
        for name in files:
            path = Path(name)
            try:
                raw = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"{path}: cannot read: {error}") from error
            text, when, dateline = raw, day, None
            try:
                article = parse_raw_article(raw)
                text, when, dateline = article.body, article.published, article.dateline
            except RawArticleError:
                pass
            if when is None:
                raise CommandError(f"{path}: give --published YYYY-MM-DD (no date line).")
            proposals = propose_events(text, published=when, gazetteer=gazetteer, dateline=dateline)
            results.append((path, when, proposals))
        if json:
            self._print_json(results)
        else:
            for path, when, proposals in results:
                self.stdout.write(f"{path} ({when}): {len(proposals)} proposals")
                for p in proposals:
                    span = f"{p.date_start}" + (f"–{p.date_end}" if p.date_end else "")
                    self.stdout.write(f"  {p.event_type:<18} {span:<23} {p.title}")

    def _print_json(self, results) -> None:
        document = {
            "files": [
                {
                    "file": str(path),
                    "published": when.isoformat(),
                    "proposals": [proposal_as_json(p) for p in proposals],
                }
                for path, when, proposals in results
            ]
        }
        self.stdout.write(json_module.dumps(document, ensure_ascii=False, indent=2))
