"""Acceptance on real data: UCDP's GED 23.1 sample (../shared/data/ucdp-ged, 1,000 rows
from 59 countries) through import and the UCDP export.

The file is imported once per module into a transaction rolled back at the end. It stays
outside the repository; these tests skip, saying why, where it is absent.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from django.db.models import Count, Sum

from timeline.datasets import ucdp
from timeline.datasets.base import attach_location_parents
from timeline.datasets.ucdp import import_ucdp
from timeline.models import Event, Figure
from timeline.tests.test_import_ucdp import SAMPLE_FILE as GED_FILE
from timeline.tests.test_real_data import export, imported_once, source_rows, source_text

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def imported(django_db_setup, django_db_blocker):
    """import_ucdp on the GED sample, once for the module."""
    if not GED_FILE.exists():
        pytest.skip(f"the real GED file is not at {GED_FILE} (it lives in ../shared/data)")
    with imported_once(django_db_blocker, lambda: import_ucdp(path=GED_FILE)) as result:
        yield result


@pytest.fixture(scope="module")
def ged_source():
    return source_rows(GED_FILE)


def test_the_ged_sample_imports_completely(imported, ged_source):
    result = imported
    assert (result.rows, result.created, result.skipped) == (1000, 1000, [])
    events = Event.objects.filter(external_id__startswith="ucdp:")
    by_violence = dict(
        events.values_list("sub_type__ucdp_type_of_violence").annotate(n=Count("id"))
    )
    assert by_violence == {1: 707, 2: 133, 3: 160}
    by_precision = Counter(events.values_list("date_precision", flat=True))
    assert by_precision == {"day": 849, "approximate": 107, "week": 7, "month": 23, "year": 14}
    figures = Figure.objects.filter(event__external_id__startswith="ucdp:")
    assert figures.aggregate(best=Sum("best"))["best"] == 9561 == result.deaths
    assert set(figures.values_list("basis", "attributed_to")) == {("coding", "UCDP")}


def test_the_ucdp_round_trip_has_no_field_differences(client, imported, ged_source):
    text = export(client, "timeline:events-ucdp", date_format="ucdp")
    rows = list(csv.DictReader(io.StringIO(text)))
    exported = {row["id"]: row for row in rows}
    assert len(exported) == len(rows) == len(ged_source) == 1000
    differences = [
        (row["id"], column, row[column], exported[row["id"]][column])
        for row in ged_source
        for column in ucdp.UCDP_COLUMNS
        if exported[row["id"]][column] != row[column]
    ]
    assert differences == []
    source = source_text(GED_FILE)
    assert sorted(text.splitlines()) == sorted(source.splitlines())  # its own order
    # ISO by default: this sample's dates are ISO already.
    assert export(client, "timeline:events-ucdp") == text
    sums = [
        sum(int(row[column]) for row in exported.values()) for column in ("best", "low", "high")
    ]
    assert sums == [9561, 6224, 22017]


def test_ged_sides_are_restored_for_every_row_by_the_mapping(imported, ged_source):
    source = {row["id"]: row for row in ged_source}
    events = list(Event.objects.filter(external_id__startswith="ucdp:").for_timeline())
    attach_location_parents(events)
    differences = []
    for event in events:
        row = source[event.external_id.removeprefix("ucdp:")]
        mapped = ucdp.mapped_row(event)
        for column in ("side_a", "side_b", "type_of_violence", "date_prec", "best"):
            if mapped[column] != row[column]:
                differences.append((row["id"], column, row[column], mapped[column]))
    assert differences == []
