"""Merging actors, places and outlets: the service, merge_entities, the admin action, redirects."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.urls import reverse

from timeline.merging import MergeError, merge_actors, merge_locations, merge_outlets
from timeline.models import (
    Actor,
    ActorRedirect,
    Article,
    Event,
    EventActor,
    Figure,
    Location,
    LocationRedirect,
    Outlet,
)
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hamases():
    """Two actors for one movement, each with events, figures and aliases; one shared event."""
    hamas = make_actor(
        slug="hamas", name="Hamas", kind="armed-group", aliases="Islamic Resistance Movement"
    )
    movement = make_actor(
        slug="hamas-movement",
        name="Hamas Movement",
        kind="other",
        country="Palestine",
        acled_type="Rebel group",
        aliases="Harakat al-Muqawama al-Islamiya\nislamic resistance movement",
    )
    israel = make_actor(slug="israel", name="Israel")
    curated = make_event(slug="curated", actors=[(israel, "initiator"), (hamas, "target")])
    make_figure(event=curated, low=30)
    coded = make_event(
        slug="coded", type="armed-clash", actors=[(israel, "initiator"), (movement, "target")]
    )
    make_figure(event=coded, low=2, basis=Figure.Basis.CODING)
    # The same event names both as target: after the merge that is one actor, named twice.
    both = make_event(slug="both", actors=[(hamas, "target"), (movement, "target")])
    make_figure(event=both, low=1)
    # And one link that says exactly what the winner's link says (name and all).
    EventActor.objects.create(
        event=both, actor=movement, role="party", source_name="Hamas Movement"
    )
    EventActor.objects.create(event=both, actor=hamas, role="party", source_name="Hamas Movement")
    # An older merge's redirect points at the loser.
    ActorRedirect.objects.create(old_slug="hamas-2", actor=movement)
    return hamas, movement, israel


def links(actor: Actor) -> set[tuple[str, str, str]]:
    return set(
        EventActor.objects.filter(actor=actor).values_list("event__slug", "role", "source_name")
    )


def test_merging_actors_moves_every_link_and_keeps_the_loser_as_alias_and_redirect(two_hamases):
    hamas, movement, israel = two_hamases
    figures_before = set(Figure.objects.values_list("event__slug", "low", "basis"))
    israel_links = links(israel)

    result = merge_actors(sources=[movement], into=hamas)

    assert not Actor.objects.filter(slug="hamas-movement").exists()
    assert links(hamas) == {
        ("curated", "target", ""),
        ("coded", "target", "Hamas Movement"),
        # Both links on the shared event survive: the loser's keeps the name it was given.
        ("both", "target", ""),
        ("both", "target", "Hamas Movement"),
        ("both", "party", "Hamas Movement"),
    }
    assert (result.links_moved, result.links_folded) == (2, 1)
    assert links(israel) == israel_links
    assert set(Figure.objects.values_list("event__slug", "low", "basis")) == figures_before
    assert Event.objects.count() == 3

    hamas.refresh_from_db()
    assert hamas.alias_list == [
        "Islamic Resistance Movement",
        "Hamas Movement",
        "Harakat al-Muqawama al-Islamiya",
    ]
    # The winner keeps its kind; it takes what it lacked.
    assert (hamas.kind, hamas.country, hamas.acled_type) == (
        "armed-group",
        "Palestine",
        "Rebel group",
    )
    assert dict(ActorRedirect.objects.values_list("old_slug", "actor__slug")) == {
        "hamas-movement": "hamas",
        "hamas-2": "hamas",
    }
    assert result.merged == ["hamas-movement"]


def test_a_dry_run_merge_reports_and_writes_nothing(two_hamases):
    hamas, movement, _ = two_hamases
    before = links(movement)
    result = merge_actors(sources=[movement], into=hamas, dry_run=True)
    assert result.links_moved == 2 and result.dry_run
    assert "would merge" in result.one_line()
    assert links(Actor.objects.get(slug="hamas-movement")) == before
    assert not ActorRedirect.objects.filter(old_slug="hamas-movement").exists()


def test_an_actor_cannot_be_merged_into_itself_and_nothing_is_written(two_hamases):
    hamas, movement, _ = two_hamases
    with pytest.raises(MergeError, match="into itself"):
        merge_actors(sources=[movement, hamas], into=hamas)
    assert Actor.objects.filter(slug="hamas-movement").exists()
    assert links(movement)


@pytest.fixture
def two_gazas():
    """A curated region and a dataset's twin, each with events and places inside."""
    country = make_location(slug="palestine", name="Palestine", kind="country")
    strip = make_location(
        slug="gaza-strip", name="Gaza Strip", kind="region", parent=country, aliases="Gaza"
    )
    twin = make_location(
        slug="gaza-strip-2",
        name="Gaza strip (dataset)",
        kind="region",
        parent=country,
        latitude=31.4,
        longitude=34.4,
        geo_precision=3,
        aliases="Qita' Ghazzah",
    )
    city = make_location(slug="gaza-city", name="Gaza City", parent=twin)
    shujaiyya = make_location(slug="shujaiyya", name="Shujaiyya", parent=city)
    make_location(slug="khan-younis", name="Khan Younis", parent=strip)
    on_strip = make_event(slug="on-strip", location=strip)
    on_twin = make_event(slug="on-twin", location=twin)
    in_shujaiyya = make_event(slug="in-shujaiyya", location=shujaiyya)
    for event in (on_strip, on_twin, in_shujaiyya):
        make_figure(event=event)
    LocationRedirect.objects.create(old_slug="gaza-old", location=twin)
    return strip, twin


def test_merging_places_moves_events_children_and_their_paths(two_gazas):
    strip, twin = two_gazas
    result = merge_locations(sources=[twin], into=strip)

    assert not Location.objects.filter(slug="gaza-strip-2").exists()
    assert dict(Event.objects.values_list("slug", "location__slug")) == {
        "on-strip": "gaza-strip",
        "on-twin": "gaza-strip",
        "in-shujaiyya": "shujaiyya",
    }
    paths = dict(Location.objects.values_list("slug", "tree_path"))
    assert paths["gaza-city"] == "/palestine/gaza-strip/gaza-city/"
    assert paths["shujaiyya"] == "/palestine/gaza-strip/gaza-city/shujaiyya/"
    assert paths["khan-younis"] == "/palestine/gaza-strip/khan-younis/"
    assert Location.objects.get(slug="gaza-city").parent_id == strip.pk
    # "Events in the Gaza Strip" now include those in places that were under the twin.
    assert set(Event.objects.within(strip).values_list("slug", flat=True)) == {
        "on-strip",
        "on-twin",
        "in-shujaiyya",
    }
    assert Figure.objects.filter(event__location__slug="gaza-strip").count() == 2

    strip.refresh_from_db()
    assert (strip.latitude, strip.longitude, strip.geo_precision) == (31.4, 34.4, 3)
    assert strip.alias_list == ["Gaza", "Gaza strip (dataset)", "Qita' Ghazzah"]
    assert dict(LocationRedirect.objects.values_list("old_slug", "location__slug")) == {
        "gaza-strip-2": "gaza-strip",
        "gaza-old": "gaza-strip",
    }
    assert (result.events_moved, result.children_moved) == (1, 1)


def test_a_place_keeps_its_own_coordinates_when_merged_into(two_gazas):
    strip, twin = two_gazas
    Location.objects.filter(pk=strip.pk).update(latitude=31.42, longitude=34.36)
    merge_locations(sources=[twin], into=strip)
    strip.refresh_from_db()
    assert (strip.latitude, strip.longitude) == (31.42, 34.36)


def test_merging_a_place_into_one_inside_it_lifts_that_one_first(two_gazas):
    _, twin = two_gazas
    city = Location.objects.get(slug="gaza-city")
    merge_locations(sources=[twin], into=city)
    paths = dict(Location.objects.values_list("slug", "tree_path"))
    assert paths["gaza-city"] == "/palestine/gaza-city/"
    assert paths["shujaiyya"] == "/palestine/gaza-city/shujaiyya/"
    assert Event.objects.get(slug="on-twin").location.slug == "gaza-city"


def test_merging_outlets_moves_articles_and_keeps_the_old_name_as_alias():
    qnn = make_article(outlet="Quds News Network")
    short = make_article(outlet="QNN")
    both = make_article(outlet="Quds News Network")
    both.outlets.add(Outlet.objects.get(slug="qnn"))
    result = merge_outlets(
        sources=[Outlet.objects.get(slug="qnn")], into=Outlet.objects.get(slug="quds-news-network")
    )
    winner = Outlet.objects.get()
    assert winner.alias_list == ["QNN"]
    assert set(winner.articles.values_list("pk", flat=True)) == {qnn.pk, short.pk, both.pk}
    assert result.articles_moved == 2


# --- merge_entities ---------------------------------------------------------------------


def test_merge_entities_merges_actors_and_says_what_it_did(two_hamases):
    out = StringIO()
    call_command("merge_entities", "actor", "hamas-movement", "--into", "hamas", stdout=out)
    assert "Merged actor hamas-movement into hamas: 2 event links moved" in out.getvalue()
    assert ActorRedirect.objects.get(old_slug="hamas-movement").actor.slug == "hamas"


def test_merge_entities_dry_run_writes_nothing(two_gazas):
    out = StringIO()
    arguments = ["location", "gaza-strip-2", "--into", "gaza-strip", "--dry-run"]
    call_command("merge_entities", *arguments, stdout=out)
    assert out.getvalue().startswith("Dry run, nothing written: would merge location")
    assert Location.objects.filter(slug="gaza-strip-2").exists()


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["actor", "nobody", "--into", "hamas"], "no actor has the slug 'nobody'"),
        (["actor", "hamas-movement", "--into", "nobody"], "no actor has the slug 'nobody'"),
        (["actor", "hamas", "--into", "hamas"], "cannot merge actor hamas into itself"),
        (["actor", "hamas-2", "--into", "hamas"], "'hamas-2' was already merged into"),
    ],
)
def test_merge_entities_names_the_bad_slug_and_merges_nothing(two_hamases, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("merge_entities", *arguments, stdout=StringIO())
    assert Actor.objects.filter(slug="hamas-movement").exists()
    assert not ActorRedirect.objects.filter(old_slug="hamas-movement").exists()


# --- the admin action -------------------------------------------------------------------


def changelist(model: str) -> str:
    return reverse(f"admin:timeline_{model}_changelist")


def test_admin_merge_asks_which_to_keep_then_merges(admin_client, two_hamases):
    hamas, movement, _ = two_hamases
    selection = {"action": "merge_selected", "_selected_action": [hamas.pk, movement.pk]}
    page = admin_client.post(changelist("actor"), selection)
    assert page.status_code == 200
    assert "Keep which actor?" in page.text
    assert 'name="csrfmiddlewaretoken"' in page.text
    assert f'name="into" value="{hamas.pk}"' in page.text
    assert Actor.objects.filter(slug="hamas-movement").exists()  # nothing merged yet

    done = admin_client.post(
        changelist("actor"), {**selection, "confirm": "yes", "into": hamas.pk}, follow=True
    )
    assert "Merged actor hamas-movement into hamas" in done.text
    assert not Actor.objects.filter(slug="hamas-movement").exists()
    assert ("coded", "target", "Hamas Movement") in links(hamas)


def test_admin_merge_of_places_keeps_the_one_chosen(admin_client, two_gazas):
    strip, twin = two_gazas
    selection = {"action": "merge_selected", "_selected_action": [strip.pk, twin.pk]}
    admin_client.post(changelist("location"), {**selection, "confirm": "yes", "into": strip.pk})
    assert LocationRedirect.objects.get(old_slug="gaza-strip-2").location == strip


def test_admin_merge_without_a_choice_asks_again(admin_client, two_hamases):
    hamas, movement, _ = two_hamases
    page = admin_client.post(
        changelist("actor"),
        {"action": "merge_selected", "_selected_action": [hamas.pk, movement.pk], "confirm": "yes"},
    )
    assert "Choose the one to keep." in page.text
    assert Actor.objects.count() == 3


def test_admin_merge_is_refused_to_non_staff_and_to_staff_without_delete(client, two_hamases):
    hamas, movement, _ = two_hamases
    post = {
        "action": "merge_selected",
        "_selected_action": [hamas.pk, movement.pk],
        "confirm": "yes",
        "into": hamas.pk,
    }
    User.objects.create_user("reader", password="pw")
    client.login(username="reader", password="pw")
    response = client.post(changelist("actor"), post)
    assert response.status_code == 302 and "/login/" in response["Location"]

    editor = User.objects.create_user("editor", password="pw", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_actor", "change_actor"])
    )
    client.login(username="editor", password="pw")
    # The action is not offered, and posting it anyway merges nothing.
    assert "merge_selected" not in client.get(changelist("actor")).text
    client.post(changelist("actor"), post)
    assert Actor.objects.filter(slug="hamas-movement").exists()
    assert not ActorRedirect.objects.filter(old_slug="hamas-movement").exists()

    editor.user_permissions.add(Permission.objects.get(codename="delete_actor"))
    editor = User.objects.get(pk=editor.pk)  # permissions are cached on the user
    assert "merge_selected" in client.get(changelist("actor")).text


def test_admin_merge_needs_the_csrf_token(two_hamases):
    from django.test import Client

    hamas, movement, _ = two_hamases
    User.objects.create_superuser("boss", password="pw")
    client = Client(enforce_csrf_checks=True)
    client.login(username="boss", password="pw")
    response = client.post(
        changelist("actor"),
        {
            "action": "merge_selected",
            "_selected_action": [hamas.pk, movement.pk],
            "confirm": "yes",
            "into": hamas.pk,
        },
    )
    assert response.status_code == 403
    assert Actor.objects.filter(slug="hamas-movement").exists()


def test_outlet_admin_lists_outlets_with_their_articles_and_merges_them(admin_client):
    make_article(outlet="Quds News Network")
    make_article(outlet="QNN")
    page = admin_client.get(changelist("outlet"))
    assert "Quds News Network" in page.text and "QNN" in page.text
    ids = list(Outlet.objects.values_list("pk", flat=True))
    keep = Outlet.objects.get(slug="quds-news-network").pk
    admin_client.post(
        changelist("outlet"),
        {"action": "merge_selected", "_selected_action": ids, "confirm": "yes", "into": keep},
    )
    assert Outlet.objects.get().articles.count() == 2


# --- redirects ----------------------------------------------------------------------------


def test_a_merged_actors_page_redirects_permanently_to_the_winner(client, two_hamases):
    hamas, movement, _ = two_hamases
    merge_actors(sources=[movement], into=hamas)
    response = client.get("/actors/hamas-movement/")
    assert response.status_code == 301
    assert response["Location"] == "/actors/hamas/"
    assert client.get("/actors/never-was/").status_code == 404


def test_a_merged_places_page_redirects_permanently_to_the_winner(client, two_gazas):
    strip, twin = two_gazas
    merge_locations(sources=[twin], into=strip)
    response = client.get("/locations/gaza-strip-2/")
    assert response.status_code == 301
    assert response["Location"] == "/locations/gaza-strip/"


def test_old_slugs_in_the_filter_find_the_merged_entities_events(client, two_hamases):
    hamas, movement, _ = two_hamases
    before = client.get("/", {"actor": "hamas-movement"})
    merge_actors(sources=[movement], into=hamas)
    after = client.get("/", {"actor": "hamas-movement"})
    assert after.status_code == 200
    assert set(after.context["events"]) == set(
        Event.objects.filter(slug__in=["curated", "coded", "both"])
    )
    assert len(before.context["events"]) == 2
    # The chip removes the parameter as the URL gave it.
    assert 'href="?"' in after.text and "Actor: Hamas" in after.text
    exported = client.get("/events.json", {"actor": "hamas-movement"})
    assert exported.status_code == 200
    assert b'"count":3,' in b"".join(exported.streaming_content)


def test_an_old_place_slug_in_the_filter_and_exports_finds_the_merged_place(client, two_gazas):
    strip, twin = two_gazas
    merge_locations(sources=[twin], into=strip)
    response = client.get("/", {"location": "gaza-strip-2"})
    assert response.status_code == 200
    assert response.context["total"] == 3
    assert client.get("/events.csv", {"location": "gaza-strip-2"}).status_code == 200
    assert client.get("/", {"location": "nowhere"}).status_code == 400


def test_the_merge_leaves_the_article_outlets_alone(two_hamases):
    hamas, movement, _ = two_hamases
    article = make_article(outlet="Wire")
    make_evidence(event=Event.objects.get(slug="coded"), article=article)
    merge_actors(sources=[movement], into=hamas)
    assert list(Article.objects.get(pk=article.pk).outlets.values_list("slug", flat=True)) == [
        "wire"
    ]
    assert Event.objects.get(slug="coded").date_start == date(2025, 7, 6)


# --- tree paths and query counts ------------------------------------------------------------


def test_moving_a_place_rewrites_the_path_of_every_place_inside_it():
    # Listed by name, "B" (a grandchild) comes before "Z" (its parent): rewriting each
    # with save() recomputed B's path from Z's stale one.
    top = make_location(slug="a", name="A")
    middle = make_location(slug="z", name="Z", parent=top)
    make_location(slug="b", name="B", parent=middle)
    top.parent = make_location(slug="r", name="R")
    top.save()
    assert dict(Location.objects.values_list("slug", "tree_path")) == {
        "r": "/r/",
        "a": "/r/a/",
        "z": "/r/a/z/",
        "b": "/r/a/z/b/",
    }


def test_a_current_slug_in_the_filter_costs_no_redirect_lookup(client, two_hamases):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get("/", {"actor": "hamas", "location": "nowhere-yet"})
    assert not [q for q in captured if "actorredirect" in q["sql"].lower()]
