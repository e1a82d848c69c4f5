"""`merge:` in the fixture gazetteer: stored actors and places of those names are merged."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from timeline.importing.fixture_format import FixtureError
from timeline.importing.fixtures import import_fixture_paths
from timeline.models import Actor, ActorRedirect, EventActor, Location, LocationRedirect
from timeline.tests.factories import make_actor, make_event, make_location

pytestmark = pytest.mark.django_db

GAZETTEER = {
    "actors": [
        {
            "name": "Hamas",
            "kind": "armed-group",
            "aliases": ["Islamic Resistance Movement"],
            "merge": ["Hamas Movement"],
        },
        {"name": "Israel", "kind": "state", "merge": ["Military Forces of Israel (2022-)"]},
    ],
    "locations": [
        {"name": "Palestine", "kind": "country"},
        {
            "name": "Gaza Strip",
            "kind": "region",
            "parent": "Palestine",
            "merge": ["Gaza Strip (dataset)"],
        },
    ],
}


def write(tmp_path, data=GAZETTEER):
    path = tmp_path / "gazetteer.json"
    path.write_text(json.dumps(data))
    return path


def import_(path) -> str:
    out = StringIO()
    call_command("import_fixtures", str(path), stdout=out)
    return out.getvalue()


def dataset_world():
    """What a dataset import leaves: its own actors and a place of its own name."""
    movement = make_actor(slug="hamas-movement", name="Hamas Movement", kind="armed-group")
    forces = make_actor(
        slug="military-forces-of-israel-2022", name="Military Forces of Israel (2022-)"
    )
    civilians = make_actor(slug="civilians-israel", name="Civilians (Israel)", kind="civilians")
    place = make_location(slug="gaza-strip-dataset", name="Gaza Strip (dataset)", kind="region")
    inside = make_location(slug="gaza-city", name="Gaza City", parent=place)
    for n in range(3):
        make_event(
            slug=f"row-{n}",
            location=inside if n else place,
            actors=[(forces, "initiator"), (movement if n else civilians, "target")],
        )
    return movement, forces, civilians


def test_a_fixture_merges_the_stored_actors_it_names_and_says_so(tmp_path):
    _, _, civilians = dataset_world()
    out = import_(write(tmp_path))
    assert "Merged actor “Hamas Movement” into hamas (2 event links moved)" in out
    assert "actor “Military Forces of Israel (2022-)” into israel (3 event links moved)" in out
    assert "location “Gaza Strip (dataset)” into gaza-strip (1 event moved)" in out

    assert set(Actor.objects.values_list("slug", flat=True)) == {
        "hamas",
        "israel",
        "civilians-israel",
    }
    hamas = Actor.objects.get(slug="hamas")
    assert hamas.alias_list == ["Islamic Resistance Movement", "Hamas Movement"]
    assert EventActor.objects.filter(actor=hamas).count() == 2
    assert EventActor.objects.filter(actor__slug="israel", role="initiator").count() == 3
    # Names ACLED gave are kept on the links they came with.
    assert set(EventActor.objects.values_list("source_name", flat=True)) == {
        "Hamas Movement",
        "Military Forces of Israel (2022-)",
        "",
    }
    assert EventActor.objects.get(actor=civilians).source_name == ""
    assert ActorRedirect.objects.get(old_slug="hamas-movement").actor == hamas
    assert LocationRedirect.objects.get(old_slug="gaza-strip-dataset").location.slug == "gaza-strip"
    assert Location.objects.get(slug="gaza-city").tree_path == "/palestine/gaza-strip/gaza-city/"


def test_a_second_import_merges_nothing_and_changes_nothing(tmp_path):
    dataset_world()
    path = write(tmp_path)
    import_(path)
    again = import_(path)
    assert again.startswith("Nothing changed")
    assert "Merged" not in again


def test_without_stored_twins_the_merge_names_are_aliases_the_events_can_use(tmp_path):
    data = dict(GAZETTEER)
    data["events"] = [
        {
            "slug": "clash",
            "type": "armed-clash",
            "title": "Clash",
            "date": "2025-07-07",
            "location": "Gaza Strip (dataset)",
            "actors": ["Hamas Movement", "Military Forces of Israel (2022-)"],
        }
    ]
    out = import_(write(tmp_path, data))
    assert "Merged" not in out
    assert set(
        EventActor.objects.filter(event__slug="clash").values_list("actor__slug", flat=True)
    ) == {"hamas", "israel"}


def test_an_event_in_the_same_import_naming_a_merged_actor_lands_on_the_winner(tmp_path):
    dataset_world()
    data = dict(GAZETTEER)
    data["events"] = [
        {
            "slug": "clash",
            "type": "armed-clash",
            "title": "Clash",
            "date": "2025-07-07",
            "actors": ["Hamas Movement"],
        }
    ]
    import_(write(tmp_path, data))
    assert EventActor.objects.get(event__slug="clash").actor.slug == "hamas"


def test_a_merge_naming_an_actor_the_import_also_gives_is_refused_and_writes_nothing(tmp_path):
    make_actor(slug="hamas-movement", name="Hamas Movement")
    data = {"actors": [*GAZETTEER["actors"], {"name": "Hamas Movement"}]}
    with pytest.raises(CommandError, match="which this import also gives"):
        import_(write(tmp_path, data))
    assert Actor.objects.count() == 1


def test_two_entries_merging_one_actor_is_refused(tmp_path):
    make_actor(slug="idf", name="IDF")
    data = {"actors": [{"name": "Israel", "merge": ["IDF"]}, {"name": "Army", "merge": ["idf"]}]}
    with pytest.raises(FixtureError, match="which 'israel' also merges"):
        import_fixture_paths(paths=[write(tmp_path, data)])
    assert list(Actor.objects.values_list("slug", flat=True)) == ["idf"]


def test_a_dry_run_reports_the_merges_it_would_make_and_makes_none(tmp_path):
    dataset_world()
    summary = import_fixture_paths(paths=[write(tmp_path)], dry_run=True)
    assert "Would merge actor “Hamas Movement” into hamas" in summary.one_line()
    assert Actor.objects.filter(slug="hamas-movement").exists()


def test_merge_must_be_a_list_of_names(tmp_path):
    data = {"actors": [{"name": "Hamas", "merge": "Hamas Movement"}]}
    with pytest.raises(FixtureError, match="'merge' must be a list"):
        import_fixture_paths(paths=[write(tmp_path, data)])


def test_a_place_without_coordinates_in_the_fixture_keeps_the_ones_it_has(tmp_path):
    make_location(slug="palestine", name="Palestine", kind="country", latitude=31.9, longitude=35.2)
    import_(write(tmp_path))
    place = Location.objects.get(slug="palestine")
    assert (place.latitude, place.longitude) == (31.9, 35.2)
