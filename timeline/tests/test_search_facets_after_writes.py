"""A search page's facets stay exact after every kind of write an editor or operator
makes. On PostgreSQL the actor and outlet facets are counted from ids kept on each
event's search document (timeline.search_documents), so each write must keep them."""

from __future__ import annotations

import pytest

from timeline.models import Actor, Article, Event, EventActor, Evidence, Outlet
from timeline.tests.factories import make_actor, make_article, make_evidence
from timeline.tests.test_views import convoys, exact_facets, get, page_facets  # noqa: F401

pytestmark = pytest.mark.django_db


def add_actor_link(django_client):
    EventActor.objects.create(
        event=Event.objects.get(title="Convoy talks"), actor=Actor.objects.get(slug="actor-a")
    )


def add_actor_via_m2m(django_client):
    Event.objects.get(title="Convoy stopped").actors.add(make_actor(slug="actor-n", name="N"))


def remove_actor_link(django_client):
    EventActor.objects.filter(event__title="Convoy talks").delete()


def rename_actor(django_client):
    actor = Actor.objects.get(slug="actor-b")
    actor.name = "Actor Bee"
    actor.save()


def merge_actors_same_name(django_client):
    """Two records of one actor, spelled alike (the commonest merge): nothing the
    documents search by changes, but their actor ids do."""
    from timeline.merging import merge_actors

    twin = make_actor(slug="actor-a-twin", name="Actor A")
    EventActor.objects.create(event=Event.objects.get(title="Convoy talks"), actor=twin)
    merge_actors(sources=[Actor.objects.get(slug="actor-a")], into=twin)


def merge_actors_other_name(django_client):
    from timeline.merging import merge_actors

    merge_actors(
        sources=[Actor.objects.get(slug="actor-b")], into=Actor.objects.get(slug="actor-a")
    )


def merge_outlets(django_client):
    from timeline.merging import merge_outlets

    merge_outlets(
        sources=[Outlet.objects.get(slug="wire-one")], into=Outlet.objects.get(slug="wire-two")
    )


def edit_article_outlets(django_client):
    article = Article.objects.get(outlets__slug="wire-two")
    article.outlets.set([Outlet.objects.create(slug="wire-three", name="Wire Three")])


def delete_outlet(django_client):
    Outlet.objects.get(slug="wire-two").delete()


def delete_article(django_client):
    """An article is deleted once nothing quotes it (its evidence is protected)."""
    article = Article.objects.get(outlets__slug="wire-two")
    article.evidence.all().delete()
    article.delete()


def delete_event(django_client):
    Event.objects.get(title="Convoy hit").delete()


def add_evidence(django_client):
    article = make_article(outlet="Wire Four", text="A convoy again.")
    make_evidence(
        event=Event.objects.get(title="Convoy stopped"), article=article, quote="A convoy again"
    )


def remove_evidence(django_client):
    Evidence.objects.filter(event__title="Convoy hit", article__outlets__slug="wire-two").delete()


def move_evidence(django_client):
    evidence = Evidence.objects.get(event__title="Convoy talks")
    evidence.event = Event.objects.get(title="Convoy stopped")
    evidence.save()


def unpublish(django_client):
    event = Event.objects.get(title="Convoy talks")
    event.status = Event.Status.PROPOSED
    event.save()


WRITES = [
    add_actor_link,
    add_actor_via_m2m,
    remove_actor_link,
    rename_actor,
    merge_actors_same_name,
    merge_actors_other_name,
    merge_outlets,
    edit_article_outlets,
    delete_outlet,
    delete_article,
    delete_event,
    add_evidence,
    remove_evidence,
    move_evidence,
    unpublish,
]


@pytest.mark.parametrize("limit", [1, 1000])
@pytest.mark.parametrize("write", WRITES, ids=[w.__name__ for w in WRITES])
def test_a_search_page_counts_every_facet_exactly_after_a_write(
    client,
    convoys,  # noqa: F811 (the fixture imported above)
    monkeypatch,
    limit,
    write,
):
    import timeline.filters

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", limit)
    write(client)
    response = get(client, q="convoy")
    assert response.status_code == 200
    assert page_facets(response) == exact_facets()
    published = Event.objects.filter(status=Event.Status.PUBLISHED, title__icontains="convoy")
    assert response.context["total"] == published.count()


def exact_counts(events) -> dict[str, dict[str, int]]:
    """Each facet straight from the rows of these events: distinct events per value."""
    from django.db.models import Count

    events = Event.objects.filter(pk__in=events.values("pk"), status=Event.Status.PUBLISHED)

    def per(model, lookup, key="slug"):
        found = model.objects.filter(**{f"{lookup}__in": events}).annotate(
            n=Count(lookup, distinct=True)
        )
        return {getattr(value, key): value.n for value in found if value.n}

    from timeline.models import EventSubType, EventType, Location

    places = {}
    for place in Location.objects.all():
        n = events.filter(location__tree_path__startswith=place.tree_path).count()
        if n:
            places[place.slug] = n
    return {
        "type": per(EventType, "events"),
        "sub_type": per(EventSubType, "events"),
        "actor": per(Actor, "events"),
        "location": places,
        "outlet": {
            o.slug: events.filter(evidence__article__outlets=o).distinct().count()
            for o in Outlet.objects.all()
            if events.filter(evidence__article__outlets=o).exists()
        },
    }


@pytest.mark.parametrize("limit", [1, 1000])
def test_an_acled_reimport_that_changes_a_rows_actors_and_sources_is_counted_exactly(
    client, tmp_path, monkeypatch, limit
):
    import timeline.filters
    from timeline.datasets import acled
    from timeline.datasets.base import import_dataset
    from timeline.search import matching
    from timeline.tests.test_import_acled import synthetic_row, write_rows

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", limit)
    file = [synthetic_row(f"TST{n}") for n in range(1, 5)]
    import_dataset(acled.FORMAT, path=write_rows(tmp_path / "first.csv", file))
    file[1].update(timestamp="1800000000", actor2="Testland Militia", source="Other Wire")
    file[2].update(timestamp="1800000000", actor1="", actor2="", source="Test Wire; Other Wire")
    import_dataset(acled.FORMAT, path=write_rows(tmp_path / "again.csv", file), chunk_rows=2)

    response = get(client, q="testville")
    assert response.status_code == 200
    exact = exact_counts(matching(Event.objects.all(), "testville"))
    assert page_facets(response) == exact
    assert exact["actor"]["testland-militia"] == 1
    assert response.context["total"] == 4


@pytest.mark.parametrize("limit", [1, 1000])
def test_an_acled_reimport_that_changes_the_sources_of_an_article_an_editor_quotes(
    client, tmp_path, monkeypatch, limit
):
    """An editor's event quotes an imported row's notes; the row comes again with other
    sources and the same notes: the editor's event cites the new outlets."""
    import timeline.filters
    from timeline.datasets import acled
    from timeline.datasets.base import import_dataset
    from timeline.search import matching
    from timeline.tests.factories import make_event
    from timeline.tests.test_import_acled import synthetic_row, write_rows

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", limit)
    file = [synthetic_row(f"TST{n}") for n in range(1, 3)]
    import_dataset(acled.FORMAT, path=write_rows(tmp_path / "first.csv", file))
    article = Event.objects.get(external_id="acled:TST1").evidence.get().article
    curated = make_event(title="Testville clash, as an editor wrote it")
    make_evidence(event=curated, article=article, quote=file[0]["notes"])
    file[0].update(timestamp="1800000000", source="Other Wire; Third Wire")
    import_dataset(acled.FORMAT, path=write_rows(tmp_path / "again.csv", file))

    response = get(client, q="testville")
    exact = exact_counts(matching(Event.objects.all(), "testville"))
    assert exact["outlet"] == {"test-wire": 1, "other-wire": 2, "third-wire": 2}
    assert page_facets(response) == exact
    curated.refresh_from_db()
    assert curated.outlet_count == 2


@pytest.mark.parametrize("limit", [1, 1000])
def test_an_import_fixtures_update_is_counted_exactly(client, tmp_path, monkeypatch, limit):
    """A fixture re-imported with an event's actors, an article's outlet and a merge of
    actors changed: the search page counts what is stored."""
    import timeline.filters
    from timeline.search import matching
    from timeline.tests.test_importing import fixture, run, write_yaml

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", limit)
    path = write_yaml(tmp_path / "f.yaml", fixture())
    run(path)
    data = fixture()
    data["events"][0]["actors"] = ["Hamas", "Fatah"]
    data["actors"].append({"name": "Fatah", "kind": "armed-group"})
    data["articles"][0]["outlet"] = "Other Wire"
    write_yaml(path, data)
    run(path)

    response = get(client, q="gaza")
    exact = exact_counts(matching(Event.objects.all(), "gaza"))
    assert exact["actor"]["fatah"] == 1 and exact["outlet"] == {"other-wire": 2}
    assert page_facets(response) == exact
    assert response.context["total"] == 2


def test_events_moved_by_a_place_merge_are_found_by_the_winners_name(client):
    """A place merged into one that already knows it by name (an alias): its events are
    then found by the winner's own name, as the winner's other events are."""
    from timeline.merging import merge_locations
    from timeline.tests.factories import make_event, make_location

    winner = make_location(slug="gaza-city", name="Gaza City", aliases="Ghazzah")
    loser = make_location(slug="ghazzah", name="Ghazzah")
    make_event(title="Strike reported", location=loser)
    make_event(title="Strike seen", location=winner)

    merge_locations(sources=[loser], into=winner)

    assert response_total(get(client, q="gaza city strike")) == 2


def response_total(response) -> int:
    assert response.status_code == 200
    return response.context["total"]
