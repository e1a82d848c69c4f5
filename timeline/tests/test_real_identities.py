"""Acceptance on the real ACLED file: one identity per actor, whichever is imported first.

The seed gazetteer's `merge:` names what ACLED calls Hamas and Israel's forces. Loaded
before or after `import_acled`, `/?actor=hamas` and `/?actor=israel` find the events of
every name. The file stays outside the repository; these tests skip where it is absent.
"""

import csv
import gzip
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from timeline.models import Event
from timeline.tests.conftest import SEED_DIR

pytestmark = pytest.mark.django_db

REAL_FILE = (
    Path(settings.BASE_DIR).parent
    / "shared"
    / "data"
    / "acled-gaza"
    / "gaza-2023-10-07_2025-06-06.csv.gz"
)

ISRAELI_FORCES = re.compile(r"^(Military|Police) Forces of Israel \(")
ACTOR_COLUMNS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")


def rows_naming(match) -> int:
    """Rows of the real file with an actor, on either side, for which match(name) holds."""
    with gzip.open(REAL_FILE, "rt", encoding="utf-8") as handle:
        return sum(
            1
            for row in csv.DictReader(handle)
            if any(
                match(name.strip())
                for column in ACTOR_COLUMNS
                for name in row[column].split(";")
                if name.strip()
            )
        )


def import_acled() -> None:
    # Through the command, the interface that stays whichever module holds the importer.
    call_command("import_acled", str(REAL_FILE), stdout=StringIO(), stderr=StringIO())


def import_seed() -> str:
    out = StringIO()
    call_command("import_fixtures", str(SEED_DIR), stdout=out)
    return out.getvalue()


def total(client, **params) -> int:
    response = client.get("/", params)
    assert response.status_code == 200, response.text[:500]
    return response.context["total"]


def curated_with(actor: str) -> int:
    return Event.objects.filter(external_id="", event_actors__actor__slug=actor).distinct().count()


@pytest.fixture
def real_file():
    if not REAL_FILE.exists():
        pytest.skip(f"the real ACLED file is not at {REAL_FILE} (it lives in ../shared/data)")


@pytest.mark.parametrize("order", ["acled-then-fixtures", "fixtures-then-acled"])
def test_hamas_and_israel_are_one_actor_each_whichever_comes_first(client, real_file, order):
    if order == "acled-then-fixtures":
        import_acled()
        summary = import_seed()
        assert "Merged actor “Military Forces of Israel”" in summary
        assert "actor “Hamas Movement” into hamas (767 event links moved)" in summary
    else:
        import_seed()
        import_acled()

    hamas_rows = rows_naming(lambda name: name == "Hamas Movement")
    assert hamas_rows == 766
    assert total(client, actor="hamas") == hamas_rows + curated_with("hamas") == 772

    israeli_rows = rows_naming(ISRAELI_FORCES.match)
    israel = total(client, actor="israel")
    assert israel == israeli_rows + curated_with("israel")
    assert israeli_rows == 5305  # the army, its units and the Shin Bet, on either side
    # Israel's civilians are not its forces, and Hamas's government is not the movement.
    assert total(client, actor="civilians-israel") == 10
    assert total(client, actor="government-of-palestine-hamas-government-in-gaza") == 11

    if order == "acled-then-fixtures":
        # Permalinks made before the merge still work.
        assert total(client, actor="hamas-movement") == 772
        assert client.get("/actors/military-forces-of-israel/").status_code == 301

    again = import_seed()
    assert again.startswith("Nothing changed"), again
