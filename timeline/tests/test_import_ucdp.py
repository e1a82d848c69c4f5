"""import_ucdp: UCDP GED 23.1 CSV in, one published event per GED id, the row kept whole.

Behaviour tests read real GED 23.1 rows from the shared sample (../shared/data/ucdp-ged,
UCDP's data under CC BY 4.0, never copied into the repository) into a temporary CSV; they
skip, saying why, where it is absent. Bad-input tests use synthetic rows. The whole-file
checks (1,000 rows, round trip) are in test_real_data.py.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline.datasets.ucdp import UCDP_COLUMNS, import_ucdp
from timeline.models import (
    Actor,
    Article,
    DatasetRecord,
    Event,
    Evidence,
    Figure,
    Location,
    Outlet,
)

GED_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "ucdp-ged"
SAMPLE_FILE = GED_DIR / "ged-23.1-sample-1000.csv.gz"
ISRAEL_FILE = GED_DIR / "ged-23.1-israel.csv.gz"

pytestmark = pytest.mark.django_db


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"the real GED file is not at {path} (it lives in ../shared/data)")
    return path


def ged_rows(ids: list[str] | None = None, path: Path = SAMPLE_FILE) -> list[dict[str, str]]:
    """Rows of a real GED file (all, or these ids in this order)."""
    with gzip.open(need(path), "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if ids is None:
        return rows
    by_id = {row["id"]: row for row in rows}
    return [by_id[ged_id] for ged_id in ids]


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ucdp", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_rows(path: Path, rows: list[dict[str, str]], columns=None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or UCDP_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def event(ged_id: str) -> Event:
    return Event.objects.get(external_id=f"ucdp:{ged_id}")


def synthetic_row(ged_id: str = "900001", **changes: str) -> dict[str, str]:
    """A made-up GED row (not UCDP data), for bad-input tests."""
    row = dict.fromkeys(UCDP_COLUMNS, "")
    row.update(
        id=ged_id,
        year="2020",
        type_of_violence="1",
        conflict_name="Testland: Government",
        dyad_name="Government of Testland - Testland Rebels",
        side_a="Government of Testland",
        side_b="Testland Rebels",
        number_of_sources="1",
        source_article="Test Wire, 2020-01-02, Clashes in Testville",
        source_office="Test Wire",
        source_date="2020-01-02",
        source_headline="Clashes in Testville",
        where_prec="1",
        where_coordinates="Testville town",
        adm_1="North province",
        latitude="10.5",
        longitude="20.25",
        country="Testland",
        event_clarity="1",
        date_prec="1",
        date_start="2020-01-02",
        date_end="2020-01-02",
        deaths_a="1",
        deaths_b="2",
        deaths_civilians="0",
        deaths_unknown="0",
        best="3",
        high="4",
        low="3",
    )
    row.update(changes)
    return row


def nothing_written() -> bool:
    return not any(
        model.objects.exists()
        for model in (Event, Article, Evidence, Figure, Actor, Location, Outlet, DatasetRecord)
    )


# --- A good import --------------------------------------------------------------------------


def test_the_israel_rows_import_with_geds_own_header_and_summary():
    with gzip.open(need(ISRAEL_FILE), "rt", encoding="utf-8") as handle:
        assert handle.readline().strip().split(",") == UCDP_COLUMNS

    out, _ = run(ISRAEL_FILE)

    assert out.strip() == (
        "Imported 11 UCDP GED rows: 11 created, 0 updated, 0 unchanged; 17 deaths (best estimates)."
    )
    assert set(Event.objects.values_list("status", flat=True)) == {"published"}
    first = event("176584")
    assert first.slug == "ucdp-176584"
    assert first.title == "State-based violence in Tulkarm town: Government of Israel - PNA"
    record = first.dataset_record
    assert (record.dataset, record.record_id, record.revision) == ("ucdp", "176584", None)
    assert record.row == ged_rows(["176584"], ISRAEL_FILE)[0]  # all 49 columns as read
    assert record.article == first.evidence.get().article


def test_each_type_of_violence_is_its_own_sub_type(tmp_path):
    run(write_rows(tmp_path / "violence.csv", ged_rows(["176584", "14537", "177868"])))

    def taxonomy(ged_id):
        item = event(ged_id)
        return item.type.slug, item.sub_type.slug

    assert taxonomy("176584") == ("armed-clash", "state-based-violence")
    assert taxonomy("14537") == ("armed-clash", "non-state-violence")
    assert taxonomy("177868") == ("violence-against-civilians", "one-sided-violence")


def test_best_low_high_become_one_coded_range_figure(tmp_path):
    run(write_rows(tmp_path / "figures.csv", ged_rows(["23308", "193150", "179172", "180919"])))

    def figure(ged_id):
        (only,) = event(ged_id).figures.all()
        return (only.low, only.best, only.high, only.qualifier, only.basis, only.attributed_to)

    assert figure("23308") == (300, 3000, 6000, "about", "coding", "UCDP")
    # GED's low 4 is above its high 3 here: the range spans the numbers, the record keeps GED's.
    assert figure("193150") == (3, 4, 4, "about", "coding", "UCDP")
    assert event("193150").dataset_record.row["low"] == "4"
    assert figure("179172") == (0, 0, 1, "about", "coding", "UCDP")
    assert event("23308").summary.startswith("UCDP best estimate 3,000 killed (low 300")
    assert event("23308").figures.get().evidence == event("23308").evidence.get()


def test_a_row_with_no_deaths_has_no_figure(tmp_path):
    run(write_rows(tmp_path / "zero.csv", [synthetic_row(best="0", low="0", high="0")]))

    assert not Figure.objects.exists()


def test_date_prec_becomes_our_precision_over_geds_span(tmp_path):
    run(write_rows(tmp_path / "dates.csv", ged_rows(["176584", "1648", "21300", "7623", "23308"])))

    assert (event("176584").date_precision, event("176584").date_end) == ("day", None)
    approximate = event("1648")
    assert approximate.date_precision == "approximate"
    assert (approximate.date_start, approximate.date_end) == (date(1998, 4, 11), date(1998, 4, 12))
    assert event("21300").date_precision == "week"
    assert (event("7623").date_precision, event("7623").date_last) == ("month", date(2006, 10, 21))
    assert (event("23308").date_precision, event("23308").date_last) == ("year", date(1993, 7, 31))


def test_ucdps_own_timestamp_dates_are_read_and_given_back_as_read(client, tmp_path):
    rows = ged_rows(path=ISRAEL_FILE)
    for row in rows:
        for column in ("date_start", "date_end"):
            row[column] += " 00:00:00.000"

    run(write_rows(tmp_path / "timestamps.csv", rows))

    assert event("176584").date_start == date(2000, 11, 15)
    exported = list(csv.DictReader(io.StringIO(export(client, date_format="ucdp"))))
    assert {row["date_start"] for row in exported} == {row["date_start"] for row in rows}
    iso = list(csv.DictReader(io.StringIO(export(client))))
    assert {row["date_start"] for row in iso} == {row["date_start"][:10] for row in rows}


def export(client, **params) -> str:
    response = client.get(reverse("timeline:events-ucdp"), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_places_nest_and_where_prec_becomes_geo_precision(tmp_path):
    run(write_rows(tmp_path / "places.csv", ged_rows(["1648", "21300", "3231", "30948"])))

    town = event("1648").location
    assert town.tree_path == "/algeria/batna-province/batna-commune/batna-town/"
    assert (town.latitude, town.longitude, town.geo_precision) == (35.555278, 6.178611, 2)
    # where_coordinates naming an admin unit: that unit is the place (where_prec 3, 4, 6).
    province = event("21300").location
    assert (province.slug, province.kind, province.geo_precision) == (
        "lunda-sul-province",
        "region",
        3,
    )
    assert (event("3231").location.slug, event("3231").location.kind) == ("algeria", "country")
    assert event("30948").location.kind == "district"


def test_sides_are_kept_and_one_sided_violence_has_initiator_and_target(tmp_path):
    run(write_rows(tmp_path / "sides.csv", ged_rows(["176584", "177868"])))

    def links(ged_id):
        return [
            (link.actor.name, link.side, link.role, link.associated)
            for link in event(ged_id).event_actors.select_related("actor")
        ]

    assert links("176584") == [
        ("Government of Israel", "a", "party", False),
        ("PNA", "b", "party", False),
    ]
    assert links("177868") == [
        ("Government of Israel", "a", "initiator", False),
        ("Civilians", "b", "target", False),
    ]
    assert Actor.objects.get(name="Government of Israel").kind == "state"
    assert Actor.objects.get(name="PNA").kind == "armed-group"
    assert Actor.objects.get(name="Civilians").kind == "civilians"


def test_source_office_becomes_outlets_and_the_headline_the_quoted_article(tmp_path):
    rows = ged_rows(["352268", "176584"])
    run(write_rows(tmp_path / "sources.csv", rows))

    (evidence,) = event("352268").evidence.all()
    article = evidence.article
    assert article.text == rows[0]["source_headline"]
    assert evidence.quote == article.text[evidence.start : evidence.end]
    assert evidence.attributed_to == "UCDP GED"
    assert article.outlet == f"UCDP GED: {rows[0]['source_office']}"
    assert sorted(o.name for o in article.outlets.all()) == [
        "@rmaghrebi",
        "Réelle Afrique on Facebook",
    ]
    # No headline (and number_of_sources -1): the source_article is the quoted text.
    no_headline = event("176584").evidence.get()
    assert no_headline.article.text == rows[1]["source_article"]
    assert not no_headline.article.outlets.exists()


# --- Re-import --------------------------------------------------------------------------------


def test_reimport_leaves_everything_unchanged_and_writes_nothing():
    run(need(ISRAEL_FILE))
    before = dict(Event.objects.values_list("pk", "updated"))
    counts = (Location.objects.count(), Actor.objects.count(), Outlet.objects.count())

    with CaptureQueriesContext(connection) as queries:
        out, _ = run(ISRAEL_FILE)

    assert "0 created, 0 updated, 11 unchanged" in out
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))
    ]
    assert writes == []
    assert dict(Event.objects.values_list("pk", "updated")) == before
    assert (Location.objects.count(), Actor.objects.count(), Outlet.objects.count()) == counts


def test_a_changed_row_updates_just_that_event(tmp_path):
    run(need(ISRAEL_FILE))
    before = dict(Event.objects.values_list("external_id", "updated"))
    rows = ged_rows(path=ISRAEL_FILE)
    rows[0].update(best="19", high="24", low="16", source_headline="Revised: Tulkarm clashes")

    out, _ = run(write_rows(tmp_path / "revised.csv", rows))

    assert "0 created, 1 updated, 10 unchanged; 34 deaths" in out
    revised = event("176584")
    assert [(f.low, f.best, f.high) for f in revised.figures.all()] == [(16, 19, 24)]
    assert revised.summary.startswith("UCDP best estimate 19 killed")
    assert revised.evidence.get().quote == "Revised: Tulkarm clashes"
    assert revised.dataset_record.row == rows[0]
    after = dict(Event.objects.values_list("external_id", "updated"))
    assert {key for key in after if after[key] != before[key]} == {"ucdp:176584"}
    assert (Article.objects.count(), Evidence.objects.count(), DatasetRecord.objects.count()) == (
        11,
        11,
        11,
    )


# --- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"type_of_violence": "9"}, "type_of_violence '9' is not 1, 2 or 3"),
        ({"date_start": "soon"}, "date_start 'soon' is not a date"),
        ({"date_end": "2019-10-01"}, "date_end 2019-10-01 is before date_start 2020-01-02"),
        ({"date_prec": "6"}, "date_prec '6' is not 1–5"),
        ({"where_prec": "8"}, "where_prec '8' is not 1–7"),
        ({"event_clarity": "3"}, "event_clarity '3' is not 1 or 2"),
        ({"number_of_sources": "-2"}, "number_of_sources -2 is below -1"),
        ({"deaths_a": "two"}, "deaths_a 'two' is not a whole number"),
        ({"side_b": "R" * 301}, "side_b is 301 characters long; names are at most 300"),
        ({"source_headline": "Clashes\x00"}, "source_headline holds the control character U+0000"),
    ],
)
def test_a_bad_row_aborts_naming_the_line_and_nothing_is_written(tmp_path, changes, reason):
    rows = [synthetic_row("900001", **changes), synthetic_row("900002")]

    with pytest.raises(CommandError) as error:
        run(write_rows(tmp_path / "bad.csv", rows))

    assert f"bad.csv: line 2 (900001): {reason}" in str(error.value)
    assert nothing_written()


def test_a_missing_column_is_named(tmp_path):
    columns = [c for c in UCDP_COLUMNS if c != "best"]

    with pytest.raises(CommandError, match="missing required column: best"):
        run(write_rows(tmp_path / "short.csv", [synthetic_row()], columns))

    assert nothing_written()


def test_skip_bad_imports_the_rest_and_lists_the_skipped_lines(tmp_path):
    rows = [synthetic_row(f"90000{n}") for n in range(4)]
    rows[2]["latitude"] = "north"

    out, err = run(write_rows(tmp_path / "mixed.csv", rows), "--skip-bad")

    assert "Imported 3 UCDP GED rows: 3 created" in out
    assert "line 4 (900002): latitude 'north' is not a number" in err
    assert not Event.objects.filter(external_id="ucdp:900002").exists()


def test_the_service_reports_progress_to_the_total():
    calls = []

    import_ucdp(path=need(ISRAEL_FILE), progress=lambda done, total: calls.append((done, total)))

    assert calls[-1] == (11, 11)
