"""The evaluate_extraction command: proposals against curated events and against ACLED."""

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from timeline.datasets.acled import ACLED_COLUMNS
from timeline.extraction.article_header import parse_raw_article
from timeline.measuring import default_acled_path
from timeline.models import Evidence
from timeline.tests.factories import make_article, make_event, make_figure
from timeline.tests.test_extraction_seed import answer_key

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED_TEXT = FIXTURES / "2025-07-07-doha-talks.txt"
SUMMARY = re.compile(r"precision (?P<p>[\d.]+), recall (?P<r>[\d.]+), F1 (?P<f1>[\d.]+)\.")
OVERALL = re.compile(r"^overall\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)", re.MULTILINE)


def _run(*args: str) -> str:
    """Run the command, checking that it sends nothing but reads to the database."""
    with CaptureQueriesContext(connection) as queries:
        out = _call(*args)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", q["sql"], re.IGNORECASE)
    ]
    assert writes == []
    return out


def _call(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("evaluate_extraction", *args, stdout=out)
    return out.getvalue()


def _seed_from_the_extractor_answer_key() -> None:
    """The seed article with the extractor's answer key stored as curated events."""
    call_command("import_fixtures", str(FIXTURES / "gazetteer.yaml"), verbosity=0)
    raw = parse_raw_article(SEED_TEXT.read_text(encoding="utf-8"))
    article = make_article(
        slug="doha-talks-2025-07-07",
        text=raw.body,
        published=raw.published,
        dateline=raw.dateline,
    )
    for key in answer_key(raw.body):
        event = make_event(type=key.event_type, date_start=key.date_start, date_end=key.date_end)
        for start, end in key.evidence_spans:
            evidence = Evidence(
                event=event, article=article, start=start, end=end, quote=raw.body[start:end]
            )
            evidence.full_clean()
            evidence.save()
        for kind, low in key.figures:
            make_figure(event=event, kind=kind, low=low)


def test_seed_answer_key_scores_precision_and_recall_of_at_least_0_9(db):
    _seed_from_the_extractor_answer_key()
    out = _run()
    print(out)
    scores = SUMMARY.search(out)
    assert scores is not None, out
    assert float(scores["p"]) >= 0.9
    assert float(scores["r"]) >= 0.9
    key_size = len(answer_key(parse_raw_article(SEED_TEXT.read_text(encoding="utf-8")).body))
    assert f"1 article, {key_size} curated events" in out
    assert "figure accuracy: 2/2 = 1.00" in out
    for event_type in ("negotiation", "statement", "military-strike", "casualty-report"):
        assert re.search(rf"^{event_type}\s+\d", out, re.MULTILINE)


def test_curated_seed_fixtures_are_scored_and_every_miss_is_listed(db):
    call_command("import_fixtures", str(FIXTURES), verbosity=0)
    out = _run("--fixtures")
    print(out)
    _, fp, fn, precision, recall = OVERALL.search(out).groups()
    assert float(precision) >= 0.9
    assert out.count("unmatched key event") == int(fn)
    assert out.count("unmatched proposal") == int(fp)
    scores = SUMMARY.search(out)
    assert (scores["p"], scores["r"]) == (precision, recall)


def test_published_events_from_another_dataset_are_not_the_answer_key(db):
    article = make_article(text="Israeli forces struck a house in Rafah on Sunday.")
    event = make_event(type="military-strike", external_id="acled:PSE1")
    Evidence.objects.create(event=event, article=article, start=0, end=10, quote="Israeli fo")
    with pytest.raises(CommandError, match="import fixtures first"):
        _call()


def test_proposed_and_rejected_events_are_not_the_answer_key(db):
    article = make_article(text="Israel and Hamas held talks in Doha on Sunday.")
    for status in ("proposed", "rejected"):
        event = make_event(status=status)
        Evidence.objects.create(event=event, article=article, start=0, end=6, quote="Israel")
    with pytest.raises(CommandError, match="No article has evidence"):
        _call()


# --- ACLED -----------------------------------------------------------------------------


def _acled_row(event_id: str, day: str, sub_event_type: str, notes: str, fatalities: int):
    event_types = {
        "Air/drone strike": "Explosions/Remote violence",
        "Armed clash": "Battles",
        "Attack": "Violence against civilians",
        "Spaceship landing": "Battles",
    }
    row = dict.fromkeys(ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=event_id,
        event_date=day,
        year="2025",
        time_precision="1",
        event_type=event_types[sub_event_type],
        sub_event_type=sub_event_type,
        actor1="Military Forces of Israel (2022-)",
        inter1="State forces",
        actor2="Civilians (Palestine)",
        inter2="Civilians",
        country="Palestine",
        admin1="Gaza Strip",
        admin2="Khan Yunis",
        location="Khan Yunis",
        latitude="31.3462",
        longitude="34.3063",
        geo_precision="1",
        source="Test Wire",
        notes=notes,
        fatalities=str(fatalities),
        timestamp="1749500000",
    )
    return row


@pytest.fixture
def acled_sample(tmp_path):
    rows = [
        _acled_row(
            "PSE1",
            "6-Jun-25",
            "Air/drone strike",
            "On 6 June 2025, Israeli forces carried out an airstrike on a house in Khan Yunis "
            "(Khan Yunis, Gaza Strip), killing 3 people.",
            3,
        ),
        _acled_row(
            "PSE2",
            "5-Jun-25",
            "Armed clash",
            "On 5 June 2025, Hamas militants clashed with Israeli forces in Khan Yunis "
            "(Khan Yunis, Gaza Strip). Casualties unknown.",
            0,
        ),
        # ACLED files a shooting as an attack on civilians (our casualty-report); the
        # extractor reads armed forces shooting as a strike: the types cannot agree.
        _acled_row(
            "PSE3",
            "4-Jun-25",
            "Attack",
            "On 4 June 2025, Israeli forces shot and killed a Palestinian man in Khan Yunis "
            "(Khan Yunis, Gaza Strip).",
            1,
        ),
        # ACLED codes 4 deaths where its notes report 2: the fatalities cannot agree.
        _acled_row(
            "PSE5",
            "2-Jun-25",
            "Air/drone strike",
            "On 2 June 2025, an Israeli airstrike hit a tent in Khan Yunis (Khan Yunis, "
            "Gaza Strip), killing 2 people.",
            4,
        ),
        _acled_row("PSE4", "3-Jun-25", "Spaceship landing", "On 3 June 2025, nothing.", 0),
    ]
    path = tmp_path / "acled-sample.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ACLED_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _agreements(out: str) -> dict[str, tuple[int, int]]:
    return {
        name: (int(a), int(b))
        for name, a, b in re.findall(r"^(date|type|fatality) agreement:\s+(\d+)/(\d+)", out, re.M)
    }


def test_acled_sample_agreement_on_date_type_and_fatalities(db, acled_sample):
    out = _run("--acled", str(acled_sample))
    print(out)
    assert _agreements(out) == {"date": (4, 4), "type": (3, 4), "fatality": (3, 4)}
    assert "1 unreadable rows left out" in out
    assert "left out: line 6 (PSE4): unknown sub_event_type 'Spaceship landing'" in out
    # ACLED's "Attack" is violence against civilians, a type the extractor does not propose.
    assert re.search(r"^violence-against-civilians\s+1\s+0\.00$", out, re.MULTILINE)
    assert "acled-sample.csv: 4 rows: date agreement 1.00, type agreement 0.75" in out


def test_acled_limit_reads_only_the_first_rows(db, acled_sample):
    out = _run("--acled", str(acled_sample), "--limit", "1")
    assert _agreements(out) == {"date": (1, 1), "type": (1, 1), "fatality": (1, 1)}


def test_acled_file_that_does_not_exist_is_named(db, tmp_path):
    missing = tmp_path / "nope.csv.gz"
    with pytest.raises(CommandError, match=re.escape(str(missing))):
        _call("--acled", str(missing))


def test_acled_file_without_acled_columns_is_named(db, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"other\.csv: missing required columns"):
        _call("--acled", str(path))


def test_real_acled_gaza_file_meets_the_agreement_aims(db):
    path = default_acled_path()
    if not path.exists():
        pytest.skip(f"the shared ACLED sample is not at {path}")
    out = _run("--acled")
    print(out)
    agreements = _agreements(out)
    rows = agreements["date"][1]
    assert rows > 5000
    assert agreements["date"][0] / rows >= 0.9
    assert agreements["type"][0] / rows >= 0.85
    assert agreements["fatality"][0] / rows >= 0.8


def test_acled_rows_need_not_be_imported_and_nothing_is_imported(db, acled_sample):
    from timeline.models import Article, Event

    _run("--acled", str(acled_sample))
    assert not Event.objects.exists() and not Article.objects.exists()


def test_answer_key_dates_are_the_curated_dates(db):
    """A proposal dated wrongly still matches by sentence and type but counts against date
    accuracy: the key uses the curated event's dates, not the article's."""
    article = make_article(
        text="Israeli forces struck a house in Rafah on Sunday.",
        published=date(2025, 7, 7),
    )
    event = make_event(
        type="military-strike", date_start=date(2025, 7, 1), date_end=date(2025, 7, 10)
    )
    Evidence.objects.create(event=event, article=article, start=0, end=49, quote=article.text[:49])
    out = _run()
    assert "date accuracy: 0/1 = 0.00" in out
