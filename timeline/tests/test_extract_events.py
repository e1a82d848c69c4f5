"""extract_events: proposals for raw text files, printed, nothing written."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from timeline.models import Event

SEED = Path(settings.BASE_DIR).parent / "shared" / "seed" / "2025-07-07-doha-talks.txt"


@pytest.fixture
def seed_file():
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    return SEED


@pytest.mark.django_db
def test_extract_events_prints_the_json_shape_for_the_seed_and_writes_nothing(seed_file):
    gazetteer = Path(settings.BASE_DIR) / "fixtures" / "gazetteer.yaml"
    call_command("import_fixtures", str(gazetteer), stdout=StringIO())
    before = Event.objects.count()
    out = StringIO()
    call_command(
        "extract_events", str(seed_file), "--published", "2025-07-07", "--json", stdout=out
    )
    document = json.loads(out.getvalue())
    assert Event.objects.count() == before
    [entry] = document["files"]
    assert entry["published"] == "2025-07-07"
    proposals = entry["proposals"]
    assert len(proposals) >= 10
    text = seed_file.read_text(encoding="utf-8")
    for proposal in proposals:
        assert set(proposal) == {
            "type", "date_start", "date_end", "precision", "place", "actors",
            "new_actors", "figures", "evidence", "confidence",
        }  # fmt: skip
        for actor in proposal["actors"]:
            assert set(actor) == {"actor", "role"}
        for figure in proposal["figures"]:
            assert set(figure) == {"kind", "low", "high", "qualifier", "attributed_to"}
        for evidence in proposal["evidence"]:
            assert set(evidence) == {"start", "end", "quote", "attributed_to"}
            assert evidence["quote"] in text
    [casualties] = [p for p in proposals if p["type"] == "casualty-report"]
    assert casualties["date_start"] == "2025-07-06"
    assert casualties["place"] == "gaza-strip"
    assert casualties["figures"] == [
        {
            "kind": "killed",
            "low": 30,
            "high": None,
            "qualifier": "more-than",
            "attributed_to": "Hospital officials in Gaza",
        }
    ]


@pytest.mark.django_db
def test_extract_events_needs_a_date_for_plain_text(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("Three policemen were killed in an ambush on Monday.", encoding="utf-8")
    with pytest.raises(CommandError, match="--published"):
        call_command("extract_events", str(plain))
    with pytest.raises(CommandError, match="not a YYYY-MM-DD"):
        call_command("extract_events", str(plain), "--published", "14/02/1990")
