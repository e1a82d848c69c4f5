"""The development set: its coding, how its texts are rebuilt and checked, its scores."""

import hashlib
import importlib.util
import json
import os
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from timeline.extraction.devset import CODING, HALVES, load_devset, score_half
from timeline.extraction.gazetteer import Gazetteer
from timeline.extraction.reference import reference_entries

CACHE = Path(os.environ.get("DEVSET_CACHE", "/work/devset-cache"))
_spec = importlib.util.spec_from_file_location(
    "devset_rebuild", Path(settings.BASE_DIR) / "devset" / "rebuild.py"
)
rebuild = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rebuild)


def test_the_coding_holds_thirty_articles_in_two_halves_from_several_sources():
    articles = yaml.safe_load(CODING.read_text(encoding="utf-8"))["articles"]
    assert len(articles) >= 30
    assert {a["half"] for a in articles} == set(HALVES)
    for half in HALVES:
        sources = {a["source"]["repository"] for a in articles if a["half"] == half}
        assert len(sources) >= 2, half
    for article in articles:
        assert len(article["sha256"]) == 64
        assert "text" not in article and "text_file" not in article  # texts stay outside
        for event in article["events"]:
            assert event["evidence"], event["slug"]


def test_reserved_repositories_are_never_sources():
    articles = yaml.safe_load(CODING.read_text(encoding="utf-8"))["articles"]
    reserved = {"DarttGoblin/LENS", "MmdrzaCo/Latest", "danielrosehill/AI-Agent-UN"}
    assert not {a["source"]["repository"] for a in articles} & reserved


def test_rebuild_cuts_a_muc_report_out_of_its_xhtml():
    raw = (
        "<html><body><p>DEV-MUC3-0001 (NOSC)</p><p>LIMA, 9 JAN 90 (EFE) -- [TEXT] A &amp; B."
        "</p><p>SECOND PARAGRAPH.</p></body></html>"
    )
    text = rebuild.cut_text({"format": "muc-xhtml"}, raw)
    assert text == "LIMA, 9 JAN 90 (EFE) -- [TEXT] A & B.\n\nSECOND PARAGRAPH."


def test_rebuild_cuts_a_wikievents_document_by_its_id():
    raw = "\n".join(
        json.dumps({"doc_id": doc, "text": f"text of {doc}"}) for doc in ("a", "road_ied_12")
    )
    source = {"format": "wikievents-jsonl", "doc_id": "road_ied_12", "path": "test.jsonl"}
    assert rebuild.cut_text(source, raw) == "text of road_ied_12"
    with pytest.raises(KeyError):
        rebuild.cut_text({**source, "doc_id": "missing"}, raw)


def test_a_text_that_does_not_match_its_sha256_is_left_out_and_named(tmp_path):
    coding = tmp_path / "coding.yaml"
    good, bad = "Three soldiers were killed on Monday.", "An altered text."
    article = {
        "published": "2024-05-07",
        "half": "rules",
        "events": [
            {
                "slug": "e1",
                "type": "casualty-report",
                "date": "2024-05-06",
                "evidence": [{"start": 0, "end": 36, "quote": good[:36]}],
            }
        ],
    }
    coding.write_text(
        yaml.safe_dump(
            {
                "articles": [
                    {
                        **article,
                        "slug": "good",
                        "sha256": hashlib.sha256(good.encode()).hexdigest(),
                    },
                    {**article, "slug": "bad", "sha256": hashlib.sha256(good.encode()).hexdigest()},
                    {**article, "slug": "absent", "sha256": "0" * 64},
                ]
            }
        )
    )
    (tmp_path / "good.txt").write_text(good)
    (tmp_path / "bad.txt").write_text(bad)
    devset = load_devset(tmp_path, coding)
    assert [a.slug for a in devset.articles] == ["good"]
    assert devset.missing == ["bad", "absent"]
    [key] = devset.articles[0].key
    assert key.evidence_spans == ((0, 36),)


@pytest.fixture(scope="module")
def devset():
    loaded = load_devset(CACHE)
    if loaded.missing:
        pytest.skip(f"development set texts not in {CACHE} (run python devset/rebuild.py)")
    return loaded


def test_every_coded_evidence_span_quotes_its_text(devset):
    for article in devset.articles:
        for key in article.key:
            for start, end in key.evidence_spans:
                assert 0 <= start < end <= len(article.text)


def test_held_back_half_does_not_fall_below_the_measured_scores(devset):
    """A floor at the scores measured when this was written (README), not the target."""
    report = score_half(devset.half("held-back"), Gazetteer(reference_entries()))
    assert report.overall.precision >= 0.45
    assert report.overall.recall >= 0.52


def test_acled_rows_read_as_an_answer_key_give_precision_recall_and_exact_dates():
    from datetime import date

    from timeline.extraction.evaluation import AcledAgreement, score_acled_row
    from timeline.extraction.propose import propose_events

    agreement = AcledAgreement()
    monday = date(2024, 5, 6)
    struck = propose_events(
        "Israeli forces struck a house in Rafah on Monday, killing 3 people.",
        published=monday,
        gazetteer=Gazetteer([]),
    )
    score_acled_row(
        agreement,
        type_slug="military-strike",
        date_start=monday,
        date_end=None,
        deaths=3,
        proposals=struck,
    )
    score_acled_row(
        agreement,
        type_slug="armed-clash",
        date_start=monday,
        date_end=None,
        deaths=0,
        proposals=[],
    )
    score = agreement.as_score
    assert (score.true_positives, score.false_positives, score.false_negatives) == (1, 0, 1)
    assert agreement.matched_exact_dates == 1 and agreement.matched_fatalities == 1


@pytest.mark.django_db
def test_evaluate_extraction_reports_both_halves_or_says_how_to_rebuild_the_texts(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    fixtures = Path(settings.BASE_DIR) / "fixtures"
    call_command("import_fixtures", str(fixtures), stdout=StringIO())
    out = StringIO()
    call_command("evaluate_extraction", "--devset-cache", str(tmp_path), stdout=out)
    assert "texts missing" in out.getvalue() and "devset/rebuild.py" in out.getvalue()
    if load_devset(CACHE).missing:
        pytest.skip(f"development set texts not in {CACHE}")
    out = StringIO()
    call_command("evaluate_extraction", "--devset-cache", str(CACHE), stdout=out)
    for half in HALVES:
        assert f"development set, {half} half: 25 articles" in out.getvalue()
