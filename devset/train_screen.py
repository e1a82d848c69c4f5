"""Train the screen over the rules' proposals (timeline/extraction/screen.py) on the
development set's ``rules`` half, and write its weights and threshold.

    python devset/rebuild.py                 # the texts, first
    python devset/train_screen.py            # cross-validate, train, write the weights
    python devset/train_screen.py --check    # cross-validate only; write nothing

The gazetteer is a fresh install's (a throwaway SQLite database with
fixtures/gazetteer.yaml imported, plus the shipped reference list). Each candidate the
rules propose for a rules-half article is labelled 1 when it matches a coded event
(timeline/extraction/evaluation.py's matching) and 0 otherwise. The model is an
L2-penalised logistic regression fitted by Newton's method from zero weights: the same
inputs give the same weights, to the last digit. The threshold is the one that gives the
best F1 when every article's candidates are scored by a model trained on the other
articles (leave one article out); that cross-validated score is the honest estimate of
the screen on unseen text and is printed and stored beside the weights. The held-back
half is never read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PENALTY = 1.0  # L2 penalty on every weight but the bias
THRESHOLDS = tuple(round(0.05 * n, 2) for n in range(0, 19))  # 0.00 … 0.90


def fit(rows: list[list[float]], labels: list[int], penalty: float = PENALTY) -> list[float]:
    """L2-penalised logistic regression by Newton's method (plain Python)."""
    from timeline.extraction.screen import score

    size = len(rows[0])
    weights = [0.0] * size
    for _ in range(50):
        gradient = [0.0] * size
        hessian = [[0.0] * size for _ in range(size)]
        for row, label in zip(rows, labels, strict=True):
            p = score(weights, row)
            for i in range(size):
                gradient[i] += (p - label) * row[i]
                if row[i]:
                    for j in range(size):
                        hessian[i][j] += p * (1 - p) * row[i] * row[j]
        for i in range(1, size):
            gradient[i] += penalty * weights[i]
            hessian[i][i] += penalty
        hessian[0][0] += 1e-6
        step = _solve(hessian, gradient)
        weights = [w - s for w, s in zip(weights, step, strict=True)]
        if max(abs(s) for s in step) < 1e-10:
            break
    return weights


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            if factor:
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def candidates(articles, gazetteer):
    """Per article: its candidates, their feature rows and labels."""
    from timeline.extraction.evaluation import evaluate
    from timeline.extraction.propose import propose_candidates
    from timeline.extraction.screen import feature_rows

    out = []
    for article in articles:
        proposals = propose_candidates(
            article.text,
            published=article.published,
            gazetteer=gazetteer,
            dateline=article.dateline,
        )
        report = evaluate(
            {article.slug: proposals},
            {article.slug: list(article.key)},
            texts_by_doc={article.slug: article.text},
        )
        matched = {id(m.proposal) for m in report.matches}
        labels = [int(id(p) in matched) for p in proposals]
        rows = feature_rows(proposals, article.text, article.published)
        out.append((article, proposals, rows, labels))
    return out


def scored(data, kept_by_article):
    """The evaluation report of the proposals kept, over every article."""
    from timeline.extraction.evaluation import evaluate

    return evaluate(
        {a.slug: kept for (a, *_), kept in zip(data, kept_by_article, strict=True)},
        {a.slug: list(a.key) for a, *_ in data},
        texts_by_doc={a.slug: a.text for a, *_ in data},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="cross-validate only")
    parser.add_argument(
        "--cache", type=Path, default=Path(os.environ.get("DEVSET_CACHE", "/work/devset-cache"))
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/train.sqlite3"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("import_fixtures", str(ROOT / "fixtures"), verbosity=0)
        from timeline.extraction.devset import DevArticle, load_devset
        from timeline.extraction.screen import FEATURES, WEIGHTS, score
        from timeline.gazetteer_data import build_gazetteer
        from timeline.measuring import curated_answer_key

        devset = load_devset(args.cache)
        if devset.missing:
            print(f"{len(devset.missing)} texts missing; run python devset/rebuild.py")
            return 1
        rules = devset.half("rules")  # the held-back half is never read here
        articles, key = curated_answer_key()
        seed = [
            DevArticle(a.slug, "seed", a.published, a.dateline or None, a.text, tuple(key[s]))
            for s, a in sorted(articles.items())
        ]
        data = candidates(rules + seed, build_gazetteer())
    rows = [r for _, _, article_rows, _ in data for r in article_rows]
    labels = [y for *_, article_labels in data for y in article_labels]
    print(f"rules half and seed: {len(data)} articles, {len(rows)} candidates, "
          f"{sum(labels)} match")  # fmt: skip
    baseline = scored(data, [proposals for _, proposals, _, _ in data]).overall
    print(f"candidates unscreened: P {baseline.precision:.2f} R {baseline.recall:.2f} "
          f"F1 {baseline.f1:.2f}")  # fmt: skip

    # Leave one article out: each article's candidates scored by a model of the others.
    held_scores = []
    for index in range(len(data)):
        train_rows = [r for i, d in enumerate(data) if i != index for r in d[2]]
        train_labels = [y for i, d in enumerate(data) if i != index for y in d[3]]
        weights = fit(train_rows, train_labels)
        held_scores.append([score(weights, r) for r in data[index][2]])
    best = None
    for threshold in THRESHOLDS:
        kept = [
            [p for p, s in zip(proposals, s_list, strict=True) if s >= threshold]
            for (_, proposals, _, _), s_list in zip(data, held_scores, strict=True)
        ]
        overall = scored(data, kept).overall
        kept_count = overall.true_positives + overall.false_positives
        print(f"  threshold {threshold:.2f}: P {overall.precision:.2f} R {overall.recall:.2f} "
              f"F1 {overall.f1:.2f} ({kept_count} kept)")  # fmt: skip
        if best is None or overall.f1 > best[1].f1 + 1e-9:
            best = (threshold, overall)
    threshold, cross = best
    print(f"cross-validated (leave one article out) at threshold {threshold:.2f}: "
          f"P {cross.precision:.2f} R {cross.recall:.2f} F1 {cross.f1:.2f}")  # fmt: skip
    weights = fit(rows, labels)
    for name, weight in zip(FEATURES, weights, strict=True):
        print(f"  {name:<14} {weight:+.3f}")
    if args.check:
        return 0
    document = {
        "trained_on": "devset/coding.yaml's rules half and the seed (fixtures/), "
        "fresh-install gazetteer",
        "penalty": PENALTY,
        "threshold": threshold,
        "cross_validated": {
            "precision": round(cross.precision, 4),
            "recall": round(cross.recall, 4),
            "f1": round(cross.f1, 4),
        },
        "features": list(FEATURES),
        "weights": [round(w, 6) for w in weights],
    }
    WEIGHTS.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {WEIGHTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
