"""The learned screen over the rules' proposals (timeline/extraction/screen.py) and its
training script (devset/train_screen.py)."""

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from timeline.extraction.gazetteer import Gazetteer
from timeline.extraction.propose import propose_candidates, propose_events
from timeline.extraction.screen import FEATURES, WEIGHTS, feature_rows, load_weights, screen

_spec = importlib.util.spec_from_file_location(
    "train_screen", Path(settings.BASE_DIR) / "devset" / "train_screen.py"
)
train_screen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(train_screen)

TEXT = (
    "Government forces shelled the town of Arbela on Monday, killing four people.\n\n"
    "The army will meet rebel envoys in Geneva next week, officials said."
    "\n\nOn Monday the defence minister visited troops in Arbela."
)
MONDAY = date(2026, 3, 9)


def _weights_file(tmp_path: Path, weights: list[float], threshold: float) -> Path:
    path = tmp_path / f"weights-{threshold}.json"  # load_weights caches by path
    path.write_text(
        json.dumps({"features": list(FEATURES), "weights": weights, "threshold": threshold})
    )
    return path


def test_the_committed_weights_fit_the_features_the_code_computes():
    document = json.loads(WEIGHTS.read_text())
    assert document["features"] == list(FEATURES)
    assert len(document["weights"]) == len(FEATURES)
    assert 0 <= document["threshold"] < 1


def test_the_screen_drops_candidates_under_the_threshold_and_keeps_the_rest(tmp_path):
    candidates = propose_candidates(TEXT, published=MONDAY, gazetteer=Gazetteer([]))
    assert len(candidates) >= 2
    # A model that only likes figures: the strike with its toll passes, the rest do not.
    weights = [-2.0 if name == "bias" else 4.0 if name == "figures" else 0.0 for name in FEATURES]
    kept = screen(candidates, TEXT, MONDAY, path=_weights_file(tmp_path, weights, 0.5))
    assert [p.event_type for p in kept] == ["military-strike"]
    assert kept[0].figures
    # A threshold of 0 keeps everything (what cross-validation chose for the shipped model).
    everything = screen(candidates, TEXT, MONDAY, path=_weights_file(tmp_path, weights, 0.0))
    assert everything == candidates


def test_weights_for_other_features_are_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"features": ["bias"], "weights": [1.0], "threshold": 0.5}))
    with pytest.raises(ValueError, match="train_screen"):
        load_weights(path)


def test_propose_events_is_the_screened_candidates():
    gazetteer = Gazetteer([])
    proposed = propose_events(TEXT, published=MONDAY, gazetteer=gazetteer)
    candidates = propose_candidates(TEXT, published=MONDAY, gazetteer=gazetteer)
    assert proposed == screen(candidates, TEXT, MONDAY)


def test_features_name_kinds_not_articles():
    candidates = propose_candidates(TEXT, published=MONDAY, gazetteer=Gazetteer([]))
    rows = feature_rows(candidates, TEXT, MONDAY)
    assert all(len(row) == len(FEATURES) for row in rows)
    assert all(row[0] == 1.0 for row in rows)  # the bias
    named = dict(zip(FEATURES, rows[0], strict=True))
    assert named["type:violent"] == 1.0 and named["figures"] == 1.0 and named["own-date"] == 1.0


def test_training_is_deterministic_and_learns_a_separable_signal():
    rows = [[1.0, float(i % 2), float(i % 3 == 0)] for i in range(40)]
    labels = [i % 2 for i in range(40)]
    first = train_screen.fit(rows, labels)
    assert first == train_screen.fit(rows, labels)
    assert first[1] > 1.0  # the feature that carries the label gets a large weight
    assert abs(first[2]) < 0.5  # the one that does not, a small one
