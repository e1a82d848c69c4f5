"""Outlets as rows: the outlet filter and facet, and how articles come to cite outlets."""

import re
from datetime import date
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline.models import Article, Outlet
from timeline.outlets import OutletIndex, link_article_outlets
from timeline.tests.factories import make_article, make_event, make_evidence

pytestmark = pytest.mark.django_db

backfill_outlets = import_module("timeline.migrations.0006_entities_outlet_rows").backfill_outlets


def outlet(slug: str, name: str, aliases: str = "") -> Outlet:
    return Outlet.objects.create(slug=slug, name=name, aliases=aliases)


@pytest.fixture
def cited():
    """Three events: one cites QNN, one QNN and Reuters (a dataset-style source list), one
    Reuters only; a fourth cites nobody."""
    qnn = outlet("quds-news-network", "Quds News Network", "QNN\nQuds News")
    reuters = outlet("reuters", "Reuters")
    events = {}
    for slug, outlets, kind in (
        ("strike", [qnn], "military-strike"),
        ("shelling", [qnn, reuters], "military-strike"),
        ("talks", [reuters], "negotiation"),
        ("quiet", [], "negotiation"),
    ):
        article = Article.objects.create(
            slug=f"a-{slug}",
            title=slug,
            outlet="; ".join(o.name for o in outlets),
            published=date(2025, 7, 7),
            text=f"The {slug} happened.",
        )
        article.outlets.set(outlets)
        events[slug] = make_event(slug=slug, type=kind)
        make_evidence(event=events[slug], article=article, quote=f"The {slug} happened")
    # A second article citing QNN on the same event counts once.
    again = Article.objects.create(
        slug="again", title="again", published=date(2025, 7, 8), text="Again the strike."
    )
    again.outlets.set([qnn])
    make_evidence(event=events["strike"], article=again, quote="Again the strike")
    return events


def listed(response) -> list[str]:
    return re.findall(r'<article class="event-card[^"]*" data-event="([^"]+)"', response.text)


def outlet_options(response) -> dict[str, tuple[str, int]]:
    pattern = r'<option value="([^"]+)" data-count="(\d+)"[^>]*>([^<]+) \(\d+\)</option>'
    select = response.text.split('<select id="outlet"', 1)[1].split("</select>", 1)[0]
    return {value: (label, int(n)) for value, n, label in re.findall(pattern, select)}


@pytest.mark.parametrize(
    "value", ["Quds News Network", "quds news network", "QNN", "qnn", "quds-news-network"]
)
def test_the_outlet_filter_finds_an_outlet_by_name_alias_or_slug(client, cited, value):
    response = client.get("/", {"outlet": value})
    assert response.status_code == 200
    assert sorted(listed(response)) == ["shelling", "strike"]
    assert "Outlet: Quds News Network" in response.text


def test_every_event_whose_article_cites_the_outlet_is_kept(client, cited):
    assert sorted(listed(client.get("/", {"outlet": "Reuters"}))) == ["shelling", "talks"]


def test_an_outlet_nobody_cites_is_a_clear_message_with_close_matches(client, cited):
    response = client.get("/", {"outlet": "Quds"})
    assert response.status_code == 400
    assert "no article cites an outlet called “Quds”" in response.text
    assert "Quds News Network" in response.text.split("no article cites", 1)[1][:200]
    typo = client.get("/", {"outlet": "Reuter"})
    assert "Did you mean “Reuters”?" in typo.text
    outlet("bbc", "BBC")  # a row, but no article cites it
    assert client.get("/", {"outlet": "BBC"}).status_code == 400
    export = client.get(reverse("timeline:events-json"), {"outlet": "Quds"})
    assert export.status_code == 400


def test_the_outlet_facet_counts_distinct_events_with_the_other_filters(client, cited):
    options = outlet_options(client.get("/"))
    assert options == {
        "quds-news-network": ("Quds News Network", 2),
        "reuters": ("Reuters", 2),
    }
    narrowed = outlet_options(client.get("/", {"type": "negotiation"}))
    assert narrowed == {"reuters": ("Reuters", 1)}
    # Its own filter does not narrow it: every outlet keeps its count, the chosen one selected.
    chosen = client.get("/", {"outlet": "QNN"})
    assert outlet_options(chosen) == options
    assert re.search(r'<option value="quds-news-network" data-count="2" selected>', chosen.text)


def test_a_chosen_outlet_with_no_events_left_is_still_offered(client, cited):
    response = client.get("/", {"outlet": "qnn", "type": "negotiation"})
    assert response.status_code == 200
    assert outlet_options(response)["quds-news-network"] == ("Quds News Network", 0)


def queries_for(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/", params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"outlet": "qnn"}])
def test_the_timeline_query_count_does_not_grow_with_outlets(client, cited, params):
    few = queries_for(client, params)
    for n in range(40):
        source = outlet(f"outlet-{n}", f"Outlet {n}", f"O{n}")
        article = Article.objects.create(
            slug=f"more-{n}", title="t", published=date(2025, 7, 9), text=f"Item {n} here."
        )
        article.outlets.set([source, Outlet.objects.get(slug="reuters")])
        event = make_event(slug=f"more-{n}")
        make_evidence(event=event, article=article, quote=f"Item {n} here")
    assert queries_for(client, params) == few


def test_the_facet_lists_the_most_cited_outlets_first_and_at_most_25():
    for n in range(30):
        source = outlet(f"outlet-{n:02}", f"Outlet {n:02}")
        for k in range(n % 3 + 1):
            article = make_article(outlet="", text=f"Report {n} {k} here. More.")
            article.outlets.set([source])
            make_evidence(event=make_event(), article=article, quote=f"Report {n} {k} here")
    from django.test import Client

    options = list(outlet_options(Client().get("/")).values())
    assert len(options) == 25
    assert [count for _, count in options] == sorted((c for _, c in options), reverse=True)


# --- articles come to cite outlets -----------------------------------------------------


def test_an_articles_outlet_text_names_an_outlet_row_made_when_new():
    existing = outlet("bbc", "BBC", "BBC News")
    first = make_article(outlet="bbc news")
    second = make_article(outlet="Al Jazeera")
    assert list(first.outlets.all()) == [existing]
    assert list(second.outlets.values_list("slug", "name")) == [("al-jazeera", "Al Jazeera")]
    assert make_article(outlet="").outlets.count() == 0


def test_linking_twice_changes_nothing():
    article = make_article(outlet="Wire")
    assert link_article_outlets(articles=[article]) == 0
    assert Outlet.objects.count() == 1


def test_import_fixtures_resolves_the_outlet_and_relinks_when_it_changes(tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    def write(outlet_text: str) -> None:
        record = {
            "slug": "wire",
            "title": "Wire",
            "outlet": outlet_text,
            "published": "2025-07-07",
            "text": "Something happened.",
        }
        (tmp_path / "a.json").write_text(json.dumps({"articles": [record]}))

    outlet("reuters", "Reuters", "Reuters News")
    write("BBC (via wire)")
    out = StringIO()
    call_command("import_fixtures", str(tmp_path), stdout=out)
    assert "1 outlet (1 created)" in out.getvalue()
    assert list(Article.objects.get().outlets.values_list("name", flat=True)) == ["BBC (via wire)"]
    out = StringIO()
    call_command("import_fixtures", str(tmp_path), stdout=out)
    assert out.getvalue().startswith("Nothing changed")
    write("Reuters News")
    call_command("import_fixtures", str(tmp_path), stdout=StringIO())
    assert list(Article.objects.get().outlets.values_list("slug", flat=True)) == ["reuters"]


def test_proposing_from_an_article_gives_it_its_outlet():
    from timeline.proposing import propose_for_articles

    article = Article.objects.create(
        slug="raw", title="Raw", outlet="Example Wire", published=date(2025, 7, 7), text="Hi."
    )
    propose_for_articles(articles=[article])
    assert list(article.outlets.values_list("name", flat=True)) == ["Example Wire"]


def test_proposing_from_a_dataset_rows_notes_makes_no_outlet_of_its_source_list():
    from timeline.proposing import propose_for_articles

    notes = Article.objects.create(
        slug="acled-x", title="x", outlet="ACLED: QNN; WAFA", published=date(2025, 7, 7), text="3."
    )
    make_evidence(event=make_event(external_id="acled:X"), article=notes, quote="3")
    propose_for_articles(articles=[notes])
    assert not Outlet.objects.exists()


def test_the_backfill_migration_links_curated_articles_and_leaves_dataset_ones():
    existing = outlet("bbc", "BBC")
    curated = Article.objects.create(
        slug="c", title="c", outlet="bbc", published=date(2025, 7, 7), text="One."
    )
    other = Article.objects.create(
        slug="o", title="o", outlet="Times of Gaza", published=date(2025, 7, 7), text="Two."
    )
    dataset = Article.objects.create(
        slug="acled-x", title="x", outlet="ACLED: QNN; WAFA", published=date(2025, 7, 7), text="3."
    )
    make_evidence(event=make_event(external_id="acled:X"), article=dataset, quote="3")
    backfill_outlets(django_apps, None)
    backfill_outlets(django_apps, None)  # twice: the same
    assert list(curated.outlets.all()) == [existing]
    assert list(other.outlets.values_list("slug", flat=True)) == ["times-of-gaza"]
    assert dataset.outlets.count() == 0
    assert Outlet.objects.count() == 2


def test_the_outlet_index_prefers_a_slug_then_a_name_then_an_alias():
    a = outlet("wafa", "WAFA")
    b = outlet("wafa-news-agency", "Wafa News Agency", "wafa")
    index = OutletIndex.all()
    assert index.find("WAFA") == a
    assert index.find("wafa news agency") == b
    assert index.find("nothing") is None


def test_an_article_saved_in_the_admin_without_outlets_cites_the_one_its_text_names(admin_client):
    article = make_article(outlet="Wire")
    article.outlets.clear()
    response = admin_client.post(
        reverse("admin:timeline_article_change", args=[article.pk]),
        {
            "title": article.title,
            "slug": article.slug,
            "outlet": "Reuters",
            "published": "2025-07-07",
            "dateline": "",
            "url": "",
            "text": article.text,
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert list(article.outlets.values_list("name", flat=True)) == ["Reuters"]
