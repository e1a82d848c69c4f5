"""Acceptance on real data: the ACLED Gaza file (../shared/data) through the whole product.

The file is ACLED's and stays outside the repository; these tests skip, saying why, where
it is absent.
"""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from timeline.importing.acled import import_acled
from timeline.models import Figure
from timeline.tests.test_import_acled import REAL_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def gaza():
    if not REAL_FILE.exists():
        pytest.skip(f"the real ACLED file is not at {REAL_FILE} (it lives in ../shared/data)")
    import_acled(path=REAL_FILE)


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_the_timeline_facets_and_chart_work_on_the_real_file(client, gaza):
    response = client.get(reverse("timeline:timeline"))
    assert response.status_code == 200
    assert "5338 events" in response.text
    counts = {
        slug: int(n)
        for n, slug in re.findall(
            r'data-count="(\d+)">\s*<input type="checkbox" name="type" value="([^"]+)"',
            response.text,
        )
    }
    assert sum(counts.values()) == 5338
    assert counts["military-strike"] > 4000
    assert '<svg class="chart-svg"' in response.text
    # The chart's killed row counts the lowest figure of each event, ACLED's own total, and
    # says what it sums: ACLED's coding once the importer records it as such.
    coded = Figure.objects.filter(basis="coding", attributed_to="ACLED").exists()
    words = "as coded by ACLED" if coded else "as claimed in sources"
    assert re.search(rf"Killed, {words} \([^<]*<span class=\"count\">17512<", response.text)

    narrowed = client.get(reverse("timeline:timeline"), {"type": "armed-clash", "sort": "-date"})
    assert narrowed.status_code == 200
    assert re.search(r">(\d+) events<", narrowed.text)[1] == str(counts["armed-clash"])


def test_exports_carry_every_row_and_the_fatality_total(client, gaza):
    data = json.loads(streamed(client.get(reverse("timeline:events-json"))))
    assert data["count"] == len(data["events"]) == 5338
    rows = list(csv.DictReader(io.StringIO(streamed(client.get(reverse("timeline:events-acled"))))))
    assert len(rows) == 5338
    assert sum(int(row["fatalities"]) for row in rows) == 17512
    assert {row["event_id_cnty"][:3] for row in rows} == {"PSE"}
    geo = json.loads(streamed(client.get(reverse("timeline:events-geojson"))))
    assert len(geo["features"]) + geo["excluded_without_coordinates"] == 5338
