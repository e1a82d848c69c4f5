"""How fast the extractor proposes events: articles per second.

    .venv/bin/python benchmarks/extraction.py [ACLED_PATH] [--repeat N]

Sets Django up on a throwaway SQLite file (the project database is never touched),
migrates it and imports the seed gazetteer (fixtures/gazetteer.yaml). Then prints:
- ACLED notes: propose_events over every row's notes, with the database gazetteer plus
  the row's own place and actor names (as evaluate_extraction --acled does), and again
  with the database gazetteer alone (the extractor without per-row set-up);
- the seed article repeated N times (default 200), in memory;
- propose_for_articles writing the seed's proposals for N/10 stored copies of the seed
  (the first copy creates events, the others attach evidence to them).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ACLED = ROOT.parent / "shared" / "data" / "acled-gaza" / "gaza-2023-10-07_2025-06-06.csv.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("acled", nargs="?", type=Path, default=DEFAULT_ACLED)
    parser.add_argument("--repeat", type=int, default=200, help="seed repetitions")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"  # no query log: measure the work, not DEBUG's bookkeeping
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("import_fixtures", str(ROOT / "fixtures" / "gazetteer.yaml"), verbosity=0)
        if args.acled.exists():
            _acled(args.acled)
        else:
            print(f"ACLED notes: skipped, no file at {args.acled}")
        _seed(args.repeat)
    return 0


def _rate(label: str, count: int, seconds: float, chars: int, proposals: int) -> None:
    print(
        f"{label}: {count} articles in {seconds:.2f} s = {count / seconds:,.0f} articles/s "
        f"({chars / seconds / 1000:,.0f} k characters/s, {proposals} proposals)"
    )


def _acled(path: Path) -> None:
    from timeline.datasets.base import RowProblem
    from timeline.extraction.gazetteer import Gazetteer
    from timeline.extraction.propose import propose_events
    from timeline.gazetteer_data import build_gazetteer
    from timeline.measuring import evaluate_acled, read_acled_rows

    rows = [row for row in read_acled_rows(path) if not isinstance(row, RowProblem)]
    chars = sum(len(row.article_text) for row in rows)
    agreement = evaluate_acled(path=path)  # includes reading the CSV and per-row gazetteers
    _rate(
        "ACLED notes, DB + per-row gazetteer (evaluate_acled, incl. CSV read)",
        agreement.rows,
        agreement.seconds,
        chars,
        agreement.proposals,
    )
    gazetteer: Gazetteer = build_gazetteer()
    started = time.perf_counter()
    proposals = sum(
        len(propose_events(row.article_text, published=row.date_start, gazetteer=gazetteer))
        for row in rows
    )
    _rate(
        "ACLED notes, DB gazetteer only", len(rows), time.perf_counter() - started, chars, proposals
    )


def _seed(repeat: int) -> None:
    from timeline.extraction.article_header import parse_raw_article
    from timeline.extraction.propose import propose_events
    from timeline.gazetteer_data import build_gazetteer
    from timeline.models import Article
    from timeline.proposing import propose_for_articles

    raw = parse_raw_article((ROOT / "fixtures" / "2025-07-07-doha-talks.txt").read_text("utf-8"))
    gazetteer = build_gazetteer()
    started = time.perf_counter()
    cpu_started = time.process_time()
    proposals = sum(
        len(
            propose_events(
                raw.body, published=raw.published, gazetteer=gazetteer, dateline=raw.dateline
            )
        )
        for _ in range(repeat)
    )
    cpu = time.process_time() - cpu_started
    _rate("Seed article repeated, in memory", repeat, time.perf_counter() - started,
          len(raw.body) * repeat, proposals)  # fmt: skip
    # On a shared machine the wall clock counts other people's work; CPU time is per core.
    print(f"  per core (CPU time): {cpu:.2f} s = {repeat / cpu:,.0f} articles/s")

    copies = max(1, repeat // 10)
    articles = []
    for n in range(copies):
        article = Article(
            slug=f"seed-copy-{n}",
            title="Seed copy",
            published=raw.published,
            dateline=raw.dateline,
            # A distinct last character keeps each copy a distinct text (and hash).
            text=raw.body + " " * n,
        )
        article.full_clean()
        article.save()
        articles.append(article)
    started = time.perf_counter()
    summary = propose_for_articles(articles=articles)
    seconds = time.perf_counter() - started
    _rate("Seed copies, propose_for_articles writing to SQLite", copies, seconds,
          len(raw.body) * copies, summary.events_proposed)  # fmt: skip
    print(f"  {summary.one_line()}")


if __name__ == "__main__":
    sys.exit(main())
