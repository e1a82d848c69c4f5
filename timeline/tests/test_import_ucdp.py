"""import_ucdp: UCDP GED CSV in, one published event per GED id with its source as evidence."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from timeline.importing.ucdp import UCDP_COLUMNS
from timeline.models import Actor, Article, Event, Evidence, Figure, Location

SAMPLE = Path(__file__).parent / "data" / "ucdp-sample.csv"

pytestmark = pytest.mark.django_db


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ucdp", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]], columns=None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or UCDP_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def event(ged_id: str) -> Event:
    return Event.objects.get(external_id=f"ucdp:{ged_id}")


def test_the_sample_has_the_codebooks_full_header():
    with open(SAMPLE, encoding="utf-8") as handle:
        assert handle.readline().strip().split(",") == UCDP_COLUMNS


def test_import_creates_one_published_event_per_row_and_prints_the_summary():
    out, _ = run(SAMPLE)

    assert out.strip() == (
        "Imported 6 UCDP GED rows: 6 created, 0 updated, 0 unchanged; 263 deaths (best estimates)."
    )
    assert Event.objects.count() == 6
    assert set(Event.objects.values_list("status", flat=True)) == {"published"}
    first = event("505201")
    assert first.slug == "ucdp-505201"
    assert first.title == "State-based violence in Beit Hanun town: Government of Israel - Hamas"


def test_violence_types_map_to_armed_clash_and_casualty_report():
    run(SAMPLE)

    assert event("505201").type.slug == "armed-clash"  # state-based
    assert event("505204").type.slug == "armed-clash"  # non-state
    assert event("505202").type.slug == "casualty-report"  # one-sided


def test_best_low_high_become_a_killed_range_with_best_in_the_summary():
    run(SAMPLE)

    ranged = event("505201")
    (figure,) = ranged.figures.all()
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == ("killed", 15, 21, "about")
    assert figure.attributed_to == "Israeli army; Palestinian health ministry"
    assert figure.evidence == ranged.evidence.get()
    assert ranged.summary == (
        "UCDP best estimate 17 killed (low 15, high 21): "
        "2 Government of Israel, 11 Hamas, 4 civilians, 0 unknown."
    )
    assert event("505202").summary == (
        "UCDP best estimate 52 killed (low 52, high 52): 0 Hamas, 52 civilians, 0 unknown."
    )
    (exact,) = event("505202").figures.all()
    assert (exact.low, exact.high, exact.qualifier) == (52, 52, "exact")
    assert not event("505206").figures.exists()  # best, low and high all 0


def test_date_prec_becomes_our_precision_over_geds_span():
    run(SAMPLE)

    assert (event("505201").date_precision, event("505201").date_end) == ("day", None)
    assert event("505201").date_start == date(2023, 10, 9)
    approximate = event("505204")
    assert approximate.date_precision == "approximate"
    assert (approximate.date_start, approximate.date_end) == (date(2023, 10, 30), date(2023, 11, 2))
    assert event("505203").date_precision == "week"
    month = event("505205")
    assert (month.date_precision, month.date_last) == ("month", date(2023, 12, 31))


def test_places_nest_and_where_prec_becomes_geo_precision():
    run(SAMPLE)

    town = event("505201").location
    assert town.tree_path == "/israel/gaza-strip/north-gaza-governorate/beit-hanun-town/"
    assert (town.latitude, town.longitude, town.geo_precision) == (31.5386, 34.5369, 1)
    # where_coordinates naming an admin unit: that unit is the place (where_prec 3 and 4).
    governorate = event("505203").location
    assert (governorate.slug, governorate.kind) == ("gaza-governorate", "district")
    assert (governorate.latitude, governorate.geo_precision) == (31.5017, 3)
    strip = event("505205").location
    assert (strip.slug, strip.kind, strip.geo_precision) == ("gaza-strip", "region", 3)
    # Gaza city is coded within 25 km once and exactly once: the more precise one is kept.
    assert event("505204").location == event("505206").location
    assert event("505206").location.geo_precision == 1
    assert Location.objects.filter(name__iexact="Gaza city").count() == 1


def test_sides_are_parties_except_one_sided_violence_which_has_initiator_and_target():
    run(SAMPLE)

    def roles(ged_id):
        return {(link.actor.name, link.role) for link in event(ged_id).event_actors.all()}

    assert roles("505201") == {("Government of Israel", "party"), ("Hamas", "party")}
    assert roles("505202") == {("Hamas", "initiator"), ("Civilians", "target")}
    assert Actor.objects.get(name="Government of Israel").kind == "state"
    assert Actor.objects.get(name="Hamas").kind == "armed-group"
    assert Actor.objects.get(name="Civilians").kind == "civilians"


def test_the_source_headline_is_the_quoted_article_falling_back_to_source_article():
    run(SAMPLE)
    rows = {row["id"]: row for row in sample_rows()}

    for item in Event.objects.all():
        (evidence,) = item.evidence.all()
        assert evidence.quote == evidence.article.text[evidence.start : evidence.end]
        assert (evidence.start, evidence.end) == (0, len(evidence.article.text))
    headline = event("505201").evidence.get()
    assert headline.article.text == rows["505201"]["source_headline"]
    assert headline.article.outlet == "UCDP GED: Agence France Presse;Reuters News"
    assert headline.attributed_to == "Israeli army; Palestinian health ministry"
    no_headline = event("505203").evidence.get()
    assert no_headline.article.text == rows["505203"]["source_article"]
    assert no_headline.article.published == date(2023, 10, 20)


def test_reimport_leaves_everything_unchanged_and_writes_nothing():
    run(SAMPLE)
    before = dict(Event.objects.values_list("pk", "updated"))

    with CaptureQueriesContext(connection) as queries:
        out, _ = run(SAMPLE)

    assert "0 created, 0 updated, 6 unchanged" in out
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert dict(Event.objects.values_list("pk", "updated")) == before


def test_a_changed_row_updates_just_that_event(tmp_path):
    run(SAMPLE)
    before = dict(Event.objects.values_list("external_id", "updated"))
    rows = sample_rows()
    rows[0].update(best="19", high="24", low="16", source_headline="Revised: Gaza strikes")

    out, _ = run(write_rows(tmp_path / "revised.csv", rows))

    assert "0 created, 1 updated, 5 unchanged; 265 deaths" in out
    revised = event("505201")
    assert [(f.low, f.high) for f in revised.figures.all()] == [(16, 24)]
    assert revised.summary.startswith("UCDP best estimate 19 killed")
    assert revised.evidence.get().quote == "Revised: Gaza strikes"
    after = dict(Event.objects.values_list("external_id", "updated"))
    assert {key for key in after if after[key] != before[key]} == {"ucdp:505201"}
    assert (Article.objects.count(), Evidence.objects.count(), Figure.objects.count()) == (6, 6, 5)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"type_of_violence": "9"}, "type_of_violence '9' is not 1, 2 or 3"),
        ({"best": "50"}, "best 50 is not between low 15 and high 21"),
        ({"date_start": "soon"}, "date_start 'soon' is not a date"),
        ({"date_end": "2023-10-01"}, "date_end 2023-10-01 is before date_start 2023-10-09"),
        ({"where_prec": "8"}, "where_prec '8' is not 1–7"),
        ({"deaths_a": "two"}, "deaths_a 'two' is not a whole number"),
    ],
)
def test_a_bad_row_aborts_naming_the_line_and_nothing_is_written(tmp_path, changes, reason):
    rows = sample_rows()
    rows[0].update(changes)

    with pytest.raises(CommandError) as error:
        run(write_rows(tmp_path / "bad.csv", rows))

    assert f"bad.csv: line 2 (505201): {reason}" in str(error.value)
    assert not Event.objects.exists()
    assert not Location.objects.exists()
    assert not Actor.objects.exists()


def test_a_missing_column_is_named(tmp_path):
    columns = [c for c in UCDP_COLUMNS if c != "best"]

    with pytest.raises(CommandError, match="missing required column: best"):
        run(write_rows(tmp_path / "short.csv", sample_rows(), columns))

    assert not Event.objects.exists()


def test_skip_bad_imports_the_rest_and_lists_the_skipped_lines(tmp_path):
    rows = sample_rows()
    rows[2]["latitude"] = "north"

    out, err = run(write_rows(tmp_path / "mixed.csv", rows), "--skip-bad")

    assert "Imported 5 UCDP GED rows: 5 created" in out
    assert "line 4 (505203): latitude 'north' is not a number" in err
    assert not Event.objects.filter(external_id="ucdp:505203").exists()
