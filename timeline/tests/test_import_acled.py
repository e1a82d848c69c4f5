"""import_acled: ACLED's CSV export in, one published event per row, the row kept whole.

Behaviour tests read real rows of the shared Gaza file (../shared/data, ACLED's data, never
copied into the repository) into a temporary CSV, edited where a test needs a case the
file lacks; they skip, saying why, where the file is absent. Bad-input tests use
synthetic rows. The whole-file checks are in test_real_data.py.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from timeline.datasets import acled, base, taxonomy
from timeline.datasets.acled import import_acled
from timeline.datasets.base import DatasetImportError
from timeline.importing.progress import ProgressBar
from timeline.models import (
    Actor,
    Article,
    DatasetRecord,
    Event,
    EventActor,
    EventSubType,
    EventType,
    Evidence,
    Figure,
    Location,
    Outlet,
)
from timeline.tests.factories import make_actor, make_location

REAL_FILE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "acled-gaza"
    / "gaza-2023-10-07_2025-06-06.csv.gz"
)
# Eight real rows with a mapping case each; three edited so the other date forms and an
# actor type code occur too.
SAMPLE_IDS = [
    "PSE75503",
    "PSE59023",
    "PSE75274",
    "PSE73321",
    "PSE74975",
    "PSE75096",
    "PSE67527",
    "PSE75485",
]
SAMPLE_EDITS = {
    "PSE59023": {"event_date": "2024-09-03"},
    "PSE75274": {"event_date": "01 June 2025"},
    "PSE75485": {"inter1": "8"},
}

pytestmark = pytest.mark.django_db


def real_rows(ids: list[str]) -> list[dict[str, str]]:
    """The rows of the real file with these ids, in this order (skips if it is absent)."""
    if not REAL_FILE.exists():
        pytest.skip(f"the real ACLED file is not at {REAL_FILE} (it lives in ../shared/data)")
    wanted = set(ids)
    with gzip.open(REAL_FILE, "rt", encoding="utf-8", newline="") as handle:
        found = {
            row["event_id_cnty"]: row
            for row in csv.DictReader(handle)
            if row["event_id_cnty"] in wanted
        }
    return [found[event_id] for event_id in ids]


def sample_rows() -> list[dict[str, str]]:
    rows = real_rows(SAMPLE_IDS)
    for row in rows:
        row.update(SAMPLE_EDITS.get(row["event_id_cnty"], {}))
    return rows


@pytest.fixture
def sample(tmp_path) -> Path:
    return write_rows(tmp_path / "sample.csv", sample_rows())


def run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_acled", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_rows(path: Path, rows: list[dict[str, str]], columns=None) -> Path:
    columns = columns or list(rows[0].keys())
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def synthetic_row(event_id: str = "TST1", **changes: str) -> dict[str, str]:
    """A made-up row in ACLED's 31 columns (not ACLED data), for bad-input tests."""
    row = dict.fromkeys(acled.ACLED_COLUMNS, "")
    row.update(
        event_id_cnty=event_id,
        event_date="2025-01-02",
        year="2025",
        time_precision="1",
        disorder_type="Political violence",
        event_type="Battles",
        sub_event_type="Armed clash",
        actor1="Army of Testland",
        inter1="State forces",
        actor2="Testland Rebels",
        inter2="Rebel group",
        country="Testland",
        admin1="North",
        location="Testville",
        latitude="10.5",
        longitude="20.25",
        geo_precision="1",
        source="Test Wire",
        notes="On 2 January 2025, the army of Testland clashed with rebels in Testville.",
        fatalities="2",
        timestamp="1700000000",
    )
    row.update(changes)
    return row


def nothing_written() -> bool:
    return not any(
        model.objects.exists()
        for model in (Event, Article, Evidence, Figure, Actor, Location, Outlet, DatasetRecord)
    )


# --- The mapping ---------------------------------------------------------------------------


def test_every_acled_sub_event_type_is_exactly_one_seeded_sub_type_of_its_own_type():
    seeded = {
        sub.acled_sub_event_type: sub
        for sub in EventSubType.objects.select_related("type").exclude(acled_sub_event_type="")
    }
    assert set(seeded) == set(acled.SUB_EVENT_TYPES)
    assert len(seeded) == 25 == EventSubType.objects.exclude(acled_sub_event_type="").count()
    for sub_event_type, sub in seeded.items():
        assert acled.our_type_for(sub_event_type) == sub.type.slug, sub_event_type
    # Nothing is folded into a type it is not.
    assert seeded["Looting/property destruction"].type.slug == "property-destruction"
    assert seeded["Peaceful protest"].type.slug == "protest"
    assert seeded["Arrests"].type.slug == "arrest"
    assert seeded["Violent demonstration"].type.slug == "riot"
    assert seeded["Attack"].type.slug == "violence-against-civilians"


def test_each_event_types_export_pair_is_a_real_acled_pair():
    for event_type in EventType.objects.all():
        sub_event_type = event_type.acled_sub_event_type
        assert acled.SUB_EVENT_TYPES[sub_event_type] == event_type.acled_event_type, event_type


def test_the_readme_taxonomy_table_is_the_one_made_from_event_types():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")

    assert taxonomy.markdown_table() in readme
    assert taxonomy.markdown_table().count("\n") == 2 + 28 + 7  # 28 sub-types, 7 types without


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


def test_import_creates_one_published_event_per_row_and_prints_the_summary(sample):
    out, _ = run(sample)

    assert out.strip() == "Imported 8 ACLED rows: 8 created, 0 updated, 0 unchanged; 17 fatalities."
    assert Event.objects.count() == 8
    assert set(Event.objects.values_list("status", flat=True)) == {"published"}
    event = Event.objects.get(external_id="acled:PSE75503")
    assert event.slug == "acled-pse75503"
    assert event.external_timestamp == 1749511122
    assert (event.type.slug, event.sub_type.slug) == (
        "military-strike",
        "shelling-artillery-missile",
    )
    assert event.title == "Shelling/artillery/missile attack in Gaza - At Tuffah"
    assert event.reported_on == date(2025, 6, 6)


def test_each_row_is_kept_whole_in_a_dataset_record(sample, tmp_path):
    rows = [{"data_id": str(n), **row} for n, row in enumerate(sample_rows())]
    run(write_rows(tmp_path / "with-data-id.csv", rows))

    for row in rows:
        record = DatasetRecord.objects.get(dataset="acled", record_id=row["event_id_cnty"])
        assert record.row == row  # every column as read, the extra data_id too
        assert record.revision == int(row["timestamp"])
        assert record.event.external_id == f"acled:{row['event_id_cnty']}"
        assert record.article == record.event.evidence.get().article


def test_gzipped_input_imports_the_same_rows(sample, tmp_path):
    packed = tmp_path / "sample.csv.gz"
    packed.write_bytes(gzip.compress(sample.read_bytes()))

    out, _ = run(packed)

    assert "8 created" in out
    assert Event.objects.count() == 8


def test_all_three_date_forms_are_read(sample):
    run(sample)

    assert Event.objects.get(external_id="acled:PSE75503").date_start == date(2025, 6, 6)
    assert Event.objects.get(external_id="acled:PSE59023").date_start == date(2024, 9, 3)
    assert Event.objects.get(external_id="acled:PSE75274").date_start == date(2025, 6, 1)


def test_time_precision_becomes_a_day_the_iso_week_or_the_month(sample):
    run(sample)

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


def links_of(external_id: str) -> list[tuple]:
    event = Event.objects.get(external_id=external_id)
    return [
        (link.name_as_given, link.actor.name, link.side, link.associated, link.role)
        for link in event.event_actors.select_related("actor")
    ]


def test_actors_keep_their_side_primary_or_associated_and_acleds_spelling(tmp_path):
    rows = real_rows(["PSE59023", "PSE75473", "PSE71420"])
    run(write_rows(tmp_path / "sides.csv", rows))

    israel = "Military Forces of Israel"
    # A battle: both sides are parties; PIJ's associates are on its side, A.
    assert links_of("acled:PSE59023") == [
        ("PIJ: Palestinian Islamic Jihad", "PIJ: Palestinian Islamic Jihad", "a", False, "party"),
        ("Al Aqsa Martyrs Brigade - Nidal Al-Amoude",) * 2 + ("a", True, "party"),
        ("Hamas Movement", "Hamas Movement", "a", True, "party"),
        ("Mujahideen Brigades", "Mujahideen Brigades", "a", True, "party"),
        (f"{israel} (2022-)", israel, "b", False, "party"),
    ]
    # A strike: the civilians and journalists listed with the target are on side B.
    assert links_of("acled:PSE75473") == [
        (f"{israel} (2022-)", israel, "a", False, "initiator"),
        ("PIJ: Palestinian Islamic Jihad", "PIJ: Palestinian Islamic Jihad", "b", False, "target"),
        ("Civilians (Palestine)", "Civilians (Palestine)", "b", True, "target"),
        ("Journalists (Palestine)", "Journalists (Palestine)", "b", True, "target"),
    ]
    # assoc_actor_1 stays with actor1 when there is no actor2.
    assert links_of("acled:PSE71420") == [
        ("Civilians (Palestine)", "Civilians (Palestine)", "a", False, "party"),
        ("Refugees/IDPs (Palestine)", "Refugees/IDPs (Palestine)", "a", True, "party"),
    ]


def test_actors_get_acled_types_and_kinds(sample):
    run(sample)

    israel = Actor.objects.get(name="Military Forces of Israel")
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


def test_acleds_period_in_a_name_resolves_to_one_actor_and_the_name_is_kept(tmp_path):
    rows = real_rows(["PSE75503", "PSE73321"])
    rows[1]["actor1"] = "Military Forces of Israel (2009-2022)"

    run(write_rows(tmp_path / "periods.csv", rows))

    (israel,) = Actor.objects.filter(name__startswith="Military Forces of Israel")
    assert israel.name == "Military Forces of Israel"
    assert israel.slug == "military-forces-of-israel"
    assert sorted(
        EventActor.objects.filter(actor=israel).values_list("source_name", flat=True)
    ) == ["Military Forces of Israel (2009-2022)", "Military Forces of Israel (2022-)"]
    # A period inside the name is ACLED's too.
    assert Actor.objects.filter(name="Government of Palestine Hamas Government in Gaza").exists()


def test_actor_names_resolve_through_aliases_case_insensitively(sample):
    curated = make_actor(
        slug="israel", name="Israel", aliases="Israeli army\nmilitary forces of israel"
    )
    hamas = make_actor(slug="hamas", name="Hamas", aliases="HAMAS MOVEMENT")

    run(sample)

    assert not Actor.objects.filter(name__startswith="Military Forces").exists()
    assert Event.objects.filter(event_actors__actor=curated).distinct().count() == 6
    link = EventActor.objects.filter(actor=curated).first()
    assert link.source_name == "Military Forces of Israel (2022-)"
    assert EventActor.objects.filter(actor=hamas, source_name="Hamas Movement").count() == 3


def test_numeric_actor_type_codes_are_stored_as_acleds_labels(sample, tmp_path):
    rows = sample_rows()
    for row in rows:
        for column in ("inter1", "inter2"):
            row[column] = {"External/Other forces": "8", "Civilians": "7"}.get(
                row[column], row[column]
            )

    run(write_rows(tmp_path / "codes.csv", rows))

    israel = Actor.objects.get(name="Military Forces of Israel")
    assert (israel.acled_type, israel.kind) == ("External/Other forces", "state")
    assert Actor.objects.get(name="Civilians (Palestine)").acled_type == "Civilians"


def test_locations_form_a_hierarchy_with_coordinates_on_the_place(sample):
    run(sample)

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


def test_an_existing_top_level_place_of_the_same_name_is_adopted_not_duplicated(sample):
    curated = make_location(slug="gaza-strip", name="Gaza Strip", kind=Location.Kind.REGION)

    run(sample)

    curated.refresh_from_db()
    assert curated.parent.slug == "palestine"
    assert curated.tree_path == "/palestine/gaza-strip/"
    assert Location.objects.filter(name="Gaza Strip").count() == 1
    assert Event.objects.within(curated).count() == 8


def test_notes_become_an_article_and_evidence_quoting_all_of_it_attributed_to_acled(sample):
    run(sample)
    rows = {row["event_id_cnty"]: row for row in sample_rows()}

    for event in Event.objects.prefetch_related("evidence__article__outlets"):
        row = rows[event.external_id.removeprefix("acled:")]
        (evidence,) = event.evidence.all()
        article = evidence.article
        assert article.text == row["notes"]
        assert evidence.quote == article.text[evidence.start : evidence.end]
        assert (evidence.start, evidence.end) == (0, len(row["notes"]))
        assert evidence.attributed_to == "ACLED"
        assert article.outlet == f"ACLED: {row['source']}"
        assert [o.name for o in article.outlets.all()] == sorted(row["source"].split("; "))
        assert article.slug == event.slug
        assert article.published == event.reported_on
        assert len(article.title) <= 101 and row["notes"].startswith(article.title.rstrip("…"))
        assert article.content_hash


def test_sources_become_one_outlet_each_resolved_through_aliases(sample):
    qnn = Outlet.objects.create(slug="qnn", name="QNN", aliases="Quds News Network")

    run(sample)

    assert not Outlet.objects.filter(name="Quds News Network").exists()
    assert qnn.articles.count() == 4  # PSE75503, PSE59023, PSE75274, PSE75485
    assert Outlet.objects.get(name="Twitter").articles.count() == 4
    # "Twitter" in two rows is one outlet, not two.
    assert Outlet.objects.filter(name__iexact="twitter").count() == 1


def test_a_source_list_longer_than_200_characters_is_kept_whole(tmp_path):
    source = "; ".join(f"Outlet number {n}" for n in range(20))
    assert len(source) > 200
    rows = [synthetic_row(source=source)]

    run(write_rows(tmp_path / "long-source.csv", rows))

    article = Article.objects.get()
    assert article.outlet == f"ACLED: {source}"
    assert article.outlets.count() == 20


def test_fatalities_are_acleds_coding_never_an_outlets_claim(sample):
    run(sample)

    strike = Event.objects.get(external_id="acled:PSE75485")
    (figure,) = strike.figures.all()
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == (
        "killed",
        9,
        None,
        "at-least",
    )
    assert (figure.basis, figure.attributed_to) == ("coding", "ACLED")
    assert figure.evidence == strike.evidence.get()
    quiet = Event.objects.get(external_id="acled:PSE59023")
    assert not quiet.figures.exists()
    assert "fatalities 0" in quiet.notes
    assert Figure.objects.aggregate(total=Sum("low"))["total"] == 17
    assert set(Figure.objects.values_list("basis", "attributed_to")) == {("coding", "ACLED")}


# --- Re-import ----------------------------------------------------------------------------


def writes_in(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))
    ]


def test_reimport_leaves_everything_unchanged_and_writes_nothing(sample):
    run(sample)
    before = dict(Event.objects.values_list("pk", "updated"))

    with CaptureQueriesContext(connection) as queries:
        out, _ = run(sample)

    assert "0 created, 0 updated, 8 unchanged" in out
    assert writes_in(queries) == []
    assert dict(Event.objects.values_list("pk", "updated")) == before
    assert (Event.objects.count(), Evidence.objects.count(), Article.objects.count()) == (8, 8, 8)


def test_an_unchanged_timestamp_creates_no_places_or_actors_even_for_new_names(sample, tmp_path):
    run(sample)
    counts = (
        Location.objects.count(),
        Actor.objects.count(),
        Outlet.objects.count(),
    )
    rows = sample_rows()
    rows[0]["location"] = "x" * 250  # same timestamp: ACLED says the row has not changed
    rows[0]["actor1"] = "A new actor"
    rows[0]["source"] = "A new outlet"

    out, _ = run(write_rows(tmp_path / "same-timestamp.csv", rows))

    assert "0 created, 0 updated, 8 unchanged" in out
    assert (Location.objects.count(), Actor.objects.count(), Outlet.objects.count()) == counts


def test_a_changed_timestamp_updates_just_that_row(sample, tmp_path):
    run(sample)
    before = dict(Event.objects.values_list("external_id", "updated"))
    links_before = EventActor.objects.count()
    rows = sample_rows()
    rows[0]["timestamp"] = str(int(rows[0]["timestamp"]) + 100)
    rows[0]["fatalities"] = "5"
    rows[0]["notes"] = rows[0]["notes"] + " Revised: five killed."
    rows[0]["event_type"] = "Explosions/Remote violence"
    rows[0]["sub_event_type"] = "Air/drone strike"
    rows[0]["source"] = "Quds News Network"

    out, _ = run(write_rows(tmp_path / "revised.csv", rows))

    assert "0 created, 1 updated, 7 unchanged; 19 fatalities" in out
    event = Event.objects.get(external_id="acled:PSE75503")
    assert event.external_timestamp == 1749511222
    assert event.title == "Air/drone strike in Gaza - At Tuffah"
    assert event.sub_type.slug == "air-drone-strike"
    assert [(f.low, f.qualifier, f.basis) for f in event.figures.all()] == [
        (5, "at-least", "coding")
    ]
    (evidence,) = event.evidence.all()
    assert evidence.quote == rows[0]["notes"] == evidence.article.text
    assert [o.name for o in evidence.article.outlets.all()] == ["Quds News Network"]
    assert event.dataset_record.row == rows[0]
    assert event.dataset_record.revision == 1749511222
    assert event.event_actors.count() == 2
    after = dict(Event.objects.values_list("external_id", "updated"))
    changed = {key for key in after if after[key] != before[key]}
    assert changed == {"acled:PSE75503"}
    assert (Article.objects.count(), Evidence.objects.count()) == (8, 8)
    assert DatasetRecord.objects.count() == 8
    assert EventActor.objects.count() == links_before
    assert Figure.objects.count() == 5


def test_an_event_of_the_previous_importer_is_updated_though_its_timestamp_is_unchanged(sample):
    run(sample)
    # What the previous version left: no DatasetRecord, actors as parties without sides.
    DatasetRecord.objects.all().delete()
    EventActor.objects.update(side="", associated=False, role="party")
    Figure.objects.update(basis="claim", attributed_to="Quds News Network")

    out, _ = run(sample)

    assert "0 created, 8 updated, 0 unchanged" in out
    assert DatasetRecord.objects.count() == 8
    assert set(EventActor.objects.values_list("side", flat=True)) == {"a", "b"}
    assert set(Figure.objects.values_list("basis", "attributed_to")) == {("coding", "ACLED")}
    assert (Event.objects.count(), Article.objects.count(), Evidence.objects.count()) == (8, 8, 8)


def test_the_same_notes_row_with_a_new_timestamp_but_same_text_keeps_one_article(sample, tmp_path):
    run(sample)
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
        ("actor1", "A" * 301, "actor1 is 301 characters long; names are at most 300"),
        ("assoc_actor_2", "B; " + "C" * 400, "assoc_actor_2 is 400 characters long"),
        ("location", "L" * 1000, "location is 1,000 characters long; names are at most 300"),
        ("source", "S" * 350, "source is 350 characters long"),
    ],
)
def test_a_bad_row_aborts_naming_the_line_and_nothing_is_written(tmp_path, column, value, reason):
    rows = [synthetic_row(f"TST{n}") for n in range(4)]
    rows[2][column] = value  # the third record: line 4 of the file

    with pytest.raises(CommandError) as error:
        run(write_rows(tmp_path / "bad.csv", rows))

    message = str(error.value)
    assert "bad.csv" in message
    assert "line 4 (TST2)" in message
    assert reason in message
    assert nothing_written()


@pytest.mark.parametrize(("character", "code"), [("\x00", "U+0000"), ("\x1b", "U+001B")])
def test_a_control_character_in_a_cell_is_refused_naming_file_line_and_record(
    tmp_path, character, code
):
    rows = [synthetic_row(f"TST{n}") for n in range(3)]
    rows[1]["notes"] = f"On 2 January{character} 2025, something happened."

    with pytest.raises(CommandError) as error:
        run(write_rows(tmp_path / "control.csv", rows))

    message = str(error.value)
    assert f"control.csv: line 3 (TST1): notes holds the control character {code}" in message
    assert "refused, not stripped" in message
    assert nothing_written()


def test_skip_bad_leaves_out_a_row_with_a_nul(tmp_path):
    rows = [synthetic_row(f"TST{n}") for n in range(3)]
    rows[0]["actor1"] = "Army\x00"

    out, err = run(write_rows(tmp_path / "nul.csv", rows), "--skip-bad")

    assert "Imported 2 ACLED rows" in out
    assert "line 2 (TST0): actor1 holds the control character U+0000" in err
    assert set(Actor.objects.values_list("name", flat=True)) == {
        "Army of Testland",
        "Testland Rebels",
    }


def test_bytes_that_are_not_utf8_are_reported_at_their_true_line(tmp_path):
    rows = [synthetic_row(f"TST{n}") for n in range(400)]  # well past the first read buffer
    path = write_rows(tmp_path / "latin1.csv", rows)
    lines = path.read_bytes().split(b"\n")
    lines[300] = lines[300].replace(b"Testville", "Testvillé".encode("latin-1"))
    path.write_bytes(b"\n".join(lines))

    with pytest.raises(CommandError, match=r"latin1.csv: line 301: not UTF-8 text"):
        run(path)

    assert nothing_written()


@pytest.mark.parametrize("block", [1, 97, 1 << 20])
def test_the_file_reads_alike_whatever_its_blocks_and_bad_bytes_keep_their_line(
    tmp_path, monkeypatch, block
):
    # The reader decodes and checks a block of whole lines at a time; where the blocks
    # end (inside a row, at a line's end, after the file) changes nothing it reports.
    rows = [synthetic_row(f"TST{n}") for n in range(5)]
    rows[1]["notes"] = 'Two lines\nof notes, "quoted"; naïve.'
    rows[3]["notes"] = "A bell\x07 rings."
    path = write_rows(tmp_path / "rows.csv", rows)
    monkeypatch.setattr(base, "BLOCK_BYTES", block)

    read = list(base.read_csv(path, required=acled.REQUIRED_COLUMNS))

    assert [line for line, _ in read] == [2, 3, 5, 6, 7]
    assert read[1][1]["notes"] == rows[1]["notes"]
    assert "__problem__" not in read[2][1]
    assert "notes holds the control character U+0007" in read[3][1]["__problem__"]
    assert [row["event_id_cnty"] for _, row in read] == [f"TST{n}" for n in range(5)]
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b"TST3", b"TST\xe93")
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(
        DatasetImportError, match=r"line 6: not UTF-8 text \(byte 0xe9 at column 4\)"
    ):
        list(base.read_csv(path, required=acled.REQUIRED_COLUMNS))


def test_a_missing_column_is_named_and_nothing_is_written(tmp_path):
    rows = [synthetic_row()]
    columns = [c for c in rows[0] if c not in {"fatalities", "timestamp"}]

    with pytest.raises(CommandError, match="missing required columns: fatalities, timestamp"):
        run(write_rows(tmp_path / "short.csv", rows, columns))

    assert nothing_written()


def test_a_repeated_event_id_names_both_lines(tmp_path):
    rows = [synthetic_row(f"TST{n}") for n in range(8)]
    rows.append(dict(rows[0]))

    with pytest.raises(CommandError, match=r"line 10 \(TST0\): repeats the id of line 2"):
        run(write_rows(tmp_path / "twice.csv", rows))

    assert nothing_written()


def test_skip_bad_imports_the_rest_and_lists_the_skipped_lines(sample, tmp_path):
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


def test_the_command_is_quiet_when_stderr_is_not_a_terminal(sample):
    _, err = run(sample)

    assert err == ""


def test_the_progress_bar_redraws_one_line_and_ends_it():
    stream = io.StringIO()
    bar = ProgressBar(stream, label="ACLED", width=10)

    bar(5, 10)
    bar(10, 10)
    bar.finish()

    assert stream.getvalue() == "\rACLED [#####.....] 5/10\rACLED [##########] 10/10\n"


def test_the_progress_callback_reaches_the_total(sample):
    calls = []

    import_acled(path=sample, progress=lambda done, total: calls.append((done, total)))

    assert calls[-1] == (8, 8)
