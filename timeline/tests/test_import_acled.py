"""import_acled: ACLED's CSV export in, one published event per row with its notes as evidence."""

from __future__ import annotations

import csv
import gzip
import io
import time
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from timeline import acled
from timeline.importing.acled import import_acled
from timeline.importing.progress import ProgressBar
from timeline.models import Actor, Article, Event, EventActor, EventType, Evidence, Figure, Location
from timeline.tests.factories import make_location

SAMPLE = Path(__file__).parent / "data" / "acled-sample.csv"
REAL_FILE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "acled-gaza"
    / "gaza-2023-10-07_2025-06-06.csv.gz"
)

pytestmark = pytest.mark.django_db


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_acled", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, rows: list[dict[str, str]], columns=None) -> Path:
    columns = columns or list(rows[0].keys())
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def nothing_written() -> bool:
    return not any(
        model.objects.exists() for model in (Event, Article, Evidence, Figure, Actor, Location)
    )


# --- The mapping ---------------------------------------------------------------------------


def test_every_acled_sub_event_type_maps_to_a_seeded_event_type():
    ours = set(EventType.objects.values_list("slug", flat=True))
    assert len(acled.SUB_EVENT_TYPES) == 25
    for sub_event_type in acled.SUB_EVENT_TYPES:
        assert acled.our_type_for(sub_event_type) in ours, sub_event_type


def test_each_event_types_export_pair_is_a_real_acled_pair_and_core_types_round_trip():
    for event_type in EventType.objects.all():
        acled_event_type, sub_event_type = acled.acled_types_for(event_type)
        assert acled.SUB_EVENT_TYPES[sub_event_type][0] == acled_event_type, event_type.slug
    for slug in ("military-strike", "armed-clash", "casualty-report", "negotiation"):
        event_type = EventType.objects.get(slug=slug)
        assert acled.our_type_for(event_type.acled_sub_event_type) == slug


def test_actor_types_accept_labels_plural_labels_and_codes():
    assert acled.actor_type_label("8") == "External/Other forces"
    assert acled.actor_type_label("3") == "Political militia"
    assert acled.actor_type_label("Political militias") == "Political militia"
    assert acled.actor_type_label("civilians") == "Civilians"
    assert acled.actor_type_label("") == ""
    assert acled.actor_type_label("0") == ""
    assert acled.actor_type_label("Aliens") is None
    assert acled.actor_kind_for("External/Other forces") == "state"
    assert acled.actor_kind_for("Rebel group") == "armed-group"
    assert acled.actor_kind_for("Civilians") == "civilians"
    assert acled.actor_kind_for("Rioters") == "other"


# --- A good import ------------------------------------------------------------------------


def test_import_creates_one_published_event_per_row_and_prints_the_summary():
    out, _ = run(SAMPLE)

    assert out.strip() == "Imported 8 ACLED rows: 8 created, 0 updated, 0 unchanged; 17 fatalities."
    assert Event.objects.count() == 8
    assert set(Event.objects.values_list("status", flat=True)) == {"published"}
    event = Event.objects.get(external_id="acled:PSE75503")
    assert event.slug == "acled-pse75503"
    assert event.external_timestamp == 1749511122
    assert event.type.slug == "military-strike"
    assert event.title == "Shelling/artillery/missile attack in Gaza - At Tuffah"
    assert event.reported_on == date(2025, 6, 6)


def test_gzipped_input_imports_the_same_rows(tmp_path):
    packed = tmp_path / "sample.csv.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))

    out, _ = run(packed)

    assert "8 created" in out
    assert Event.objects.count() == 8


def test_all_three_date_forms_are_read():
    run(SAMPLE)

    assert Event.objects.get(external_id="acled:PSE75503").date_start == date(2025, 6, 6)
    assert Event.objects.get(external_id="acled:PSE59023").date_start == date(2024, 9, 3)
    assert Event.objects.get(external_id="acled:PSE75274").date_start == date(2025, 6, 1)


def test_time_precision_becomes_a_day_the_iso_week_or_the_month():
    run(SAMPLE)

    day = Event.objects.get(external_id="acled:PSE75503")
    assert (day.date_precision, day.date_end, day.date_last) == ("day", None, date(2025, 6, 6))
    week = Event.objects.get(external_id="acled:PSE73321")  # 3 May 2025, a Saturday
    assert week.date_precision == "week"
    assert (week.date_start, week.date_end) == (date(2025, 4, 28), date(2025, 5, 4))
    assert week.reported_on == date(2025, 5, 3)
    month = Event.objects.get(external_id="acled:PSE74975")
    assert month.date_precision == "month"
    assert (month.date_start, month.date_end) == (date(2025, 5, 1), date(2025, 5, 31))
    assert month.date_last == date(2025, 5, 31)


def test_actors_get_roles_acled_types_and_kinds():
    run(SAMPLE)

    event = Event.objects.get(external_id="acled:PSE59023")
    roles = {(link.actor.name, link.role) for link in event.event_actors.select_related("actor")}
    assert roles == {
        ("PIJ: Palestinian Islamic Jihad", "initiator"),
        ("Military Forces of Israel (2022-)", "target"),
        ("Al Aqsa Martyrs Brigade - Nidal Al-Amoude", "party"),
        ("Hamas Movement", "party"),
        ("Mujahideen Brigades", "party"),
    }
    israel = Actor.objects.get(name="Military Forces of Israel (2022-)")
    assert (israel.acled_type, israel.kind) == ("External/Other forces", "state")
    pij = Actor.objects.get(name="PIJ: Palestinian Islamic Jihad")
    assert (pij.acled_type, pij.kind) == ("Political militia", "armed-group")
    assert Actor.objects.get(name="Civilians (Palestine)").kind == "civilians"
    assert Actor.objects.get(name="Protesters (Palestine)").kind == "other"
    # Hamas is a main actor elsewhere in the file, so it has ACLED's type, not just a guess.
    assert Actor.objects.get(name="Hamas Movement").acled_type == "Political militia"
    # Associated actors have no ACLED type; they take their side's kind.
    fishers = Actor.objects.get(name="Fishers (Palestine)")
    assert (fishers.acled_type, fishers.kind) == ("", "civilians")


def test_numeric_actor_type_codes_are_stored_as_acleds_labels(tmp_path):
    rows = sample_rows()
    for row in rows:
        for column in ("inter1", "inter2"):
            row[column] = {"External/Other forces": "8", "Civilians": "7"}.get(
                row[column], row[column]
            )

    run(write_rows(tmp_path / "codes.csv", rows))

    israel = Actor.objects.get(name="Military Forces of Israel (2022-)")
    assert (israel.acled_type, israel.kind) == ("External/Other forces", "state")
    assert Actor.objects.get(name="Civilians (Palestine)").acled_type == "Civilians"


def test_locations_form_a_hierarchy_with_coordinates_on_the_place():
    run(SAMPLE)

    event = Event.objects.select_related("location").get(external_id="acled:PSE75503")
    place = event.location
    assert place.tree_path == "/palestine/gaza-strip/gaza-city/gaza-at-tuffah/"
    assert (place.latitude, place.longitude, place.geo_precision) == (31.5134, 34.4751, 1)
    assert place.kind == "place"
    district = place.parent
    assert (district.name, district.kind, district.latitude) == ("Gaza City", "district", None)
    assert (district.parent.kind, district.parent.parent.kind) == ("region", "country")
    # A row without admin2 hangs its place straight under the region.
    coast = Event.objects.get(external_id="acled:PSE67527").location
    assert coast.tree_path == "/palestine/gaza-strip/coast-of-gaza-strip/"
    assert Event.objects.within(Location.objects.get(slug="gaza-strip")).count() == 8


def test_a_place_named_like_its_district_gets_a_slug_with_the_parent(tmp_path):
    rows = sample_rows()
    rows[0]["location"] = "Gaza City"

    run(write_rows(tmp_path / "twin.csv", rows))

    place = Event.objects.get(external_id="acled:PSE75503").location
    assert place.slug == "gaza-city-gaza-city"
    assert place.parent.slug == "gaza-city"


def test_an_existing_top_level_place_of_the_same_name_is_adopted_not_duplicated():
    curated = make_location(slug="gaza-strip", name="Gaza Strip", kind=Location.Kind.REGION)

    run(SAMPLE)

    curated.refresh_from_db()
    assert curated.parent.slug == "palestine"
    assert curated.tree_path == "/palestine/gaza-strip/"
    assert Location.objects.filter(name="Gaza Strip").count() == 1
    assert Event.objects.within(curated).count() == 8


def test_notes_become_an_article_and_evidence_quoting_all_of_it():
    run(SAMPLE)
    rows = {row["event_id_cnty"]: row for row in sample_rows()}

    for event in Event.objects.prefetch_related("evidence__article"):
        row = rows[event.external_id.removeprefix("acled:")]
        (evidence,) = event.evidence.all()
        article = evidence.article
        assert article.text == row["notes"]
        assert evidence.quote == article.text[evidence.start : evidence.end]
        assert (evidence.start, evidence.end) == (0, len(row["notes"]))
        assert evidence.attributed_to == row["source"]
        assert article.outlet == f"ACLED: {row['source']}"
        assert article.slug == event.slug
        assert article.published == event.reported_on
        assert len(article.title) <= 101 and row["notes"].startswith(article.title.rstrip("…"))
        assert article.content_hash


def test_fatalities_become_an_at_least_killed_figure_only_when_above_zero():
    run(SAMPLE)

    strike = Event.objects.get(external_id="acled:PSE75485")
    (figure,) = strike.figures.all()
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == (
        "killed",
        9,
        None,
        "at-least",
    )
    assert figure.evidence == strike.evidence.get()
    assert figure.attributed_to == strike.evidence.get().attributed_to
    quiet = Event.objects.get(external_id="acled:PSE59023")
    assert not quiet.figures.exists()
    assert "fatalities 0" in quiet.notes
    assert Figure.objects.aggregate(total=Sum("low"))["total"] == 17


# --- Re-import ----------------------------------------------------------------------------


def test_reimport_leaves_everything_unchanged_and_writes_nothing():
    run(SAMPLE)
    before = dict(Event.objects.values_list("pk", "updated"))

    with CaptureQueriesContext(connection) as queries:
        out, _ = run(SAMPLE)

    assert "0 created, 0 updated, 8 unchanged" in out
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert dict(Event.objects.values_list("pk", "updated")) == before
    assert (Event.objects.count(), Evidence.objects.count(), Article.objects.count()) == (8, 8, 8)


def test_a_changed_timestamp_updates_just_that_row(tmp_path):
    run(SAMPLE)
    before = dict(Event.objects.values_list("external_id", "updated"))
    links_before = EventActor.objects.count()
    rows = sample_rows()
    rows[0]["timestamp"] = str(int(rows[0]["timestamp"]) + 100)
    rows[0]["fatalities"] = "5"
    rows[0]["notes"] = rows[0]["notes"] + " Revised: five killed."
    rows[0]["sub_event_type"] = "Air/drone strike"

    out, _ = run(write_rows(tmp_path / "revised.csv", rows))

    assert "0 created, 1 updated, 7 unchanged; 19 fatalities" in out
    event = Event.objects.get(external_id="acled:PSE75503")
    assert event.external_timestamp == 1749511222
    assert event.title == "Air/drone strike in Gaza - At Tuffah"
    assert [(f.low, f.qualifier) for f in event.figures.all()] == [(5, "at-least")]
    (evidence,) = event.evidence.all()
    assert evidence.quote == rows[0]["notes"] == evidence.article.text
    assert event.event_actors.count() == 2
    after = dict(Event.objects.values_list("external_id", "updated"))
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"acled:PSE75503"}
    assert (Article.objects.count(), Evidence.objects.count()) == (8, 8)
    assert EventActor.objects.count() == links_before
    assert Figure.objects.count() == 5


def test_the_same_notes_row_with_a_new_timestamp_but_same_text_keeps_one_article(tmp_path):
    run(SAMPLE)
    rows = sample_rows()
    rows[3]["timestamp"] = "1800000000"

    run(write_rows(tmp_path / "touched.csv", rows))

    assert Article.objects.filter(slug="acled-pse73321").count() == 1
    assert Evidence.objects.filter(event__external_id="acled:PSE73321").count() == 1


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("event_date", "31-Feb-25", "event_date '31-Feb-25' is not a date"),
        ("sub_event_type", "Alien landing", "unknown sub_event_type 'Alien landing'"),
        ("fatalities", "three", "fatalities 'three' is not a whole number"),
        ("time_precision", "4", "time_precision '4' is not 1, 2 or 3"),
        ("latitude", "131.5", "latitude 131.5 is outside"),
        ("inter1", "Aliens", "inter1 'Aliens' is not an ACLED actor type"),
        ("notes", "", "notes is empty"),
    ],
)
def test_a_bad_row_aborts_naming_the_line_and_nothing_is_written(tmp_path, column, value, reason):
    rows = sample_rows()
    rows[2][column] = value  # the third record: line 4 of the file

    with pytest.raises(CommandError) as error:
        run(write_rows(tmp_path / "bad.csv", rows))

    message = str(error.value)
    assert "bad.csv" in message
    assert f"line 4 ({rows[2]['event_id_cnty']})" in message
    assert reason in message
    assert nothing_written()


def test_a_missing_column_is_named_and_nothing_is_written(tmp_path):
    rows = sample_rows()
    columns = [c for c in rows[0] if c not in {"fatalities", "timestamp"}]

    with pytest.raises(CommandError, match="missing required columns: fatalities, timestamp"):
        run(write_rows(tmp_path / "short.csv", rows, columns))

    assert nothing_written()


def test_a_repeated_event_id_names_both_lines(tmp_path):
    rows = sample_rows()
    rows.append(dict(rows[0]))

    with pytest.raises(CommandError, match=r"line 10 \(PSE75503\): repeats the id of line 2"):
        run(write_rows(tmp_path / "twice.csv", rows))

    assert nothing_written()


def test_extra_columns_such_as_data_id_are_ignored(tmp_path):
    rows = [{"data_id": str(n), **row} for n, row in enumerate(sample_rows())]

    out, _ = run(write_rows(tmp_path / "with-data-id.csv", rows))

    assert "8 created" in out


def test_skip_bad_imports_the_rest_and_lists_the_skipped_lines(tmp_path):
    rows = sample_rows()
    rows[1]["event_date"] = "yesterday"
    rows[4]["sub_event_type"] = "Alien landing"

    out, err = run(write_rows(tmp_path / "mixed.csv", rows), "--skip-bad")

    assert "Imported 6 ACLED rows: 6 created" in out
    assert "skipped 2 bad lines" in out
    assert "line 3 (PSE59023): event_date 'yesterday' is not a date" in err
    assert "line 6 (PSE74975): unknown sub_event_type 'Alien landing'" in err
    assert Event.objects.count() == 6
    assert not Event.objects.filter(external_id__in=["acled:PSE59023", "acled:PSE74975"]).exists()


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot open"):
        run(tmp_path / "absent.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="the file is empty"):
        run(empty)


# --- The real file -------------------------------------------------------------------------


def test_the_real_gaza_file_imports_completely():
    if not REAL_FILE.exists():
        pytest.skip(f"the real ACLED file is not at {REAL_FILE} (it lives in ../shared/data)")
    started = time.perf_counter()

    result = import_acled(path=REAL_FILE)

    elapsed = time.perf_counter() - started
    print(f"real ACLED file: {result.rows} rows in {elapsed:.1f} s on {connection.vendor}")
    assert (result.rows, result.created, result.deaths) == (5338, 5338, 17512)
    assert Event.objects.filter(external_id__startswith="acled:").count() == 5338
    assert Figure.objects.aggregate(total=Sum("low"))["total"] == 17512
    without_figure = Event.objects.filter(figures__isnull=True)
    assert without_figure.count() == Event.objects.count() - Figure.objects.count()
    assert all("fatalities 0;" in notes for notes in without_figure.values_list("notes", flat=True))
    reported = Event.objects.order_by("reported_on").values_list("reported_on", flat=True)
    assert (reported.first(), reported.last()) == (date(2023, 10, 7), date(2025, 6, 6))
    assert not Event.objects.filter(evidence__isnull=True).exists()
    assert Evidence.objects.count() == 5338


def test_the_command_is_quiet_when_stderr_is_not_a_terminal():
    _, err = run(SAMPLE)

    assert err == ""


def test_the_progress_bar_redraws_one_line_and_ends_it():
    stream = io.StringIO()
    bar = ProgressBar(stream, label="ACLED", width=10)

    bar(5, 10)
    bar(10, 10)
    bar.finish()

    assert stream.getvalue() == "\rACLED [#####.....] 5/10\rACLED [##########] 10/10\n"


def test_an_imported_row_exports_back_to_acleds_columns():
    run(SAMPLE)
    original = next(row for row in sample_rows() if row["event_id_cnty"] == "PSE59023")
    event = Event.objects.for_timeline().get(external_id="acled:PSE59023")

    row = acled.export_row(event)

    assert list(row) == acled.ACLED_COLUMNS
    for column in ("event_id_cnty", "event_type", "sub_event_type", "actor1", "inter1"):
        assert row[column] == original[column], column
    for column in ("actor2", "inter2", "country", "admin1", "admin2", "location", "notes"):
        assert row[column] == original[column], column
    assert row["event_date"] == "2024-09-03"
    assert (row["time_precision"], row["geo_precision"]) == ("1", original["geo_precision"])
    assert set(row["assoc_actor_1"].split("; ")) == set(original["assoc_actor_1"].split("; "))
    assert (row["latitude"], row["longitude"]) == (original["latitude"], original["longitude"])
    assert (row["source"], row["timestamp"]) == (original["source"], original["timestamp"])
