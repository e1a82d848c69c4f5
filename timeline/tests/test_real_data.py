"""Acceptance on real data: the ACLED Gaza file (../shared/data) through import, the pages
and the exports (the GED sample: test_real_data_ged.py).

The file is imported once per module into a transaction rolled back at the end, so the
tests share one import. The file stays outside the repository; these tests skip, saying
why, where it is absent.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections import Counter
from contextlib import contextmanager
from datetime import date

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse

from timeline.datasets import acled
from timeline.datasets.acled import import_acled
from timeline.datasets.base import attach_location_parents
from timeline.models import Actor, DatasetRecord, Event, EventActor, Figure, Outlet
from timeline.tests.test_import_acled import REAL_FILE

pytestmark = pytest.mark.django_db


def source_text(path) -> str:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return handle.read()


def source_rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(source_text(path), newline="")))


@contextmanager
def imported_once(django_db_blocker, load):
    """Run load() in a transaction that is rolled back when the module is done.

    The dataset import ANALYZEs the tables itself (timeline.table_statistics): without
    statistics PostgreSQL plans the facets over 5,338 fresh rows as if they were a
    handful, and one outlet facet takes minutes. ANALYZE inside the transaction samples
    the rows it inserted.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield load()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """import_acled on the Gaza file, once for the module."""
    if not REAL_FILE.exists():
        pytest.skip(f"the real ACLED file is not at {REAL_FILE} (it lives in ../shared/data)")
    with imported_once(django_db_blocker, lambda: import_acled(path=REAL_FILE)) as result:
        yield result


@pytest.fixture(scope="module")
def acled_source():
    return source_rows(REAL_FILE)


def streamed(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def export(client, name: str, **params) -> str:
    return streamed(client.get(reverse(name), params))


# --- ACLED ---------------------------------------------------------------------------------


def test_every_row_of_the_gaza_file_is_imported(imported):
    result = imported
    assert (result.rows, result.created, result.deaths, result.skipped) == (5338, 5338, 17512, [])
    assert DatasetRecord.objects.filter(dataset="acled").count() == 5338
    reported = Event.objects.filter(external_id__startswith="acled:").values_list(
        "reported_on", flat=True
    )
    assert (min(reported), max(reported)) == (date(2023, 10, 7), date(2025, 6, 6))


def test_the_acled_export_gives_back_every_row_byte_for_byte_in_acleds_date_form(client, imported):
    exported = export(client, "timeline:events-acled", date_format="acled").splitlines()
    source = source_text(REAL_FILE).splitlines()
    assert exported[0] == source[0]
    assert sorted(exported[1:]) == sorted(source[1:])  # the export has its own order


def test_the_acled_round_trip_has_no_field_differences(client, imported, acled_source):
    rows = list(csv.DictReader(io.StringIO(export(client, "timeline:events-acled"))))
    exported = {row["event_id_cnty"]: row for row in rows}
    assert len(exported) == len(rows) == len(acled_source) == 5338
    differences = []
    for row in acled_source:
        back = exported[row["event_id_cnty"]]
        assert list(back) == acled.ACLED_COLUMNS
        for column in acled.ACLED_COLUMNS:
            expected = row[column]
            if column == "event_date":  # ISO by default: the same day
                expected = acled.parse_date(expected, column).isoformat()
            if back[column] != expected:
                differences.append((row["event_id_cnty"], column, expected, back[column]))
    assert differences == []


def test_every_sub_event_type_lands_in_its_own_type_and_sub_type(imported, acled_source):
    events = Event.objects.filter(external_id__startswith="acled:").select_related(
        "type", "sub_type", "dataset_record"
    )
    pairs: dict[str, set] = {}
    for event in events:
        sub_event_type = event.dataset_record.row["sub_event_type"]
        assert event.sub_type.acled_sub_event_type == sub_event_type
        assert event.sub_type.type_id == event.type_id
        pairs.setdefault(sub_event_type, set()).add((event.type.slug, event.sub_type.slug))
    assert all(len(found) == 1 for found in pairs.values())
    assert len({pair for found in pairs.values() for pair in found}) == len(pairs) == 11
    counts = Counter(row["sub_event_type"] for row in acled_source)
    by_sub_type = dict(events.values_list("sub_type__acled_sub_event_type").annotate(n=Count("id")))
    assert by_sub_type == dict(counts)
    assert events.filter(sub_type__slug="looting-property-destruction").count() == 216
    assert events.get(external_id="acled:PSE75457").type.slug == "property-destruction"


def test_fatalities_are_acleds_coding_and_add_up_to_17512(imported, acled_source):
    figures = Figure.objects.filter(event__external_id__startswith="acled:")
    assert figures.aggregate(total=Sum("low"))["total"] == 17512
    assert set(figures.values_list("basis", "attributed_to", "kind")) == {
        ("coding", "ACLED", "killed")
    }
    assert figures.count() == sum(1 for row in acled_source if row["fatalities"] != "0")


def test_sides_are_restored_for_every_row_by_the_mapping_too(imported, acled_source):
    """The mapping for curated events, applied to the imported ones, gives back ACLED's
    actor columns: the sides, primary and associated actors and spellings are modelled."""
    source = {row["event_id_cnty"]: row for row in acled_source}
    columns = ["actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2"]
    columns += ["event_type", "sub_event_type", "disorder_type", "fatalities", "location"]
    # Not geo_precision: ACLED codes it per row, we per place (the most precise seen).
    columns += ["country", "admin1", "admin2", "time_precision"]
    events = list(
        Event.objects.filter(external_id__startswith="acled:")
        .for_timeline()
        .select_related("sub_type")
        .prefetch_related("evidence__article__outlets")
    )
    attach_location_parents(events)
    differences = []
    for event in events:
        row = source[event.external_id.removeprefix("acled:")]
        mapped = acled.mapped_row(event)
        differences += [
            (row["event_id_cnty"], column, row[column], mapped[column])
            for column in columns
            if mapped[column] != row[column]
        ]
        if sorted(mapped["source"].split("; ")) != sorted(row["source"].split("; ")):
            differences.append((row["event_id_cnty"], "source", row["source"], mapped["source"]))
    assert differences == []


def test_acleds_spellings_resolve_to_one_actor_each(imported, acled_source):
    israel = Actor.objects.get(slug="military-forces-of-israel")
    assert israel.name == "Military Forces of Israel"
    spelling = "Military Forces of Israel (2022-)"
    named = sum((row["actor1"] == spelling) + (row["actor2"] == spelling) for row in acled_source)
    links = EventActor.objects.filter(actor=israel, associated=False)
    assert links.filter(source_name="Military Forces of Israel (2022-)").count() == named
    assert not Actor.objects.filter(name__contains="(2022-)").exists()


def test_outlet_counts_equal_the_rows_citing_each_for_the_20_most_cited(imported, acled_source):
    cited = Counter(
        name.strip() for row in acled_source for name in row["source"].split(";") if name.strip()
    )
    assert cited["Quds News Network"] == 2973
    for name, rows in cited.most_common(20):
        outlet = Outlet.objects.get(name=name)
        events = Event.objects.filter(dataset_record__article__outlets=outlet).distinct()
        assert events.count() == rows, name


def test_a_reimport_of_the_gaza_file_changes_nothing(imported):
    counts = [model.objects.count() for model in (Event, Actor, Outlet, Figure, EventActor)]

    result = import_acled(path=REAL_FILE)

    assert (result.rows, result.created, result.updated, result.unchanged) == (5338, 0, 0, 5338)
    assert [model.objects.count() for model in (Event, Actor, Outlet, Figure, EventActor)] == counts


def test_the_timeline_facets_and_chart_work_on_the_real_file(client, imported):
    response = client.get(reverse("timeline:timeline"))
    assert response.status_code == 200
    total = Event.objects.published().count()
    assert f"{total:,} events" in response.text
    counts = {
        slug: int(n)
        for n, slug in re.findall(
            r'data-count="(\d+)">\s*<input type="checkbox" name="type" value="([^"]+)"',
            response.text,
        )
    }
    assert sum(counts.values()) == total == 5338
    assert counts["military-strike"] == 2705 + 1752 + 41
    assert '<svg class="chart-svg"' in response.text
    # The chart's killed row counts the lowest figure of each event, ACLED's own total, and
    # says what it sums: ACLED's coding.
    killed = r"Killed, as coded by ACLED \([^<]*<span class=\"count\">17,512<"
    assert re.search(killed, response.text)

    narrowed = client.get(reverse("timeline:timeline"), {"type": "armed-clash", "sort": "-date"})
    assert narrowed.status_code == 200
    assert re.search(r">([\d,]+) events<", narrowed.text)[1] == f"{counts['armed-clash']:,}"


def test_exports_carry_every_row(client, imported):
    data = json.loads(export(client, "timeline:events-json"))
    assert data["count"] == len(data["events"]) == 5338
    geo = json.loads(export(client, "timeline:events-geojson"))
    assert len(geo["features"]) + geo["excluded_without_coordinates"] == 5338
