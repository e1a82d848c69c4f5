"""The timeline page, its htmx partials, the event page, the reader and entity pages."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.http import QueryDict
from django.urls import reverse

from timeline.models import Event
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def slugs_in(response) -> list[str]:
    """Event slugs in the order the page lists them (each card has data-event)."""
    import re

    return re.findall(r'<article class="event-card[^"]*" data-event="([^"]+)"', response.text)


@pytest.fixture
def world():
    """A small world: two places (one inside the other), two actors, four events."""
    country = make_location(slug="palestine", name="Palestine", kind="country")
    gaza = make_location(slug="gaza-strip", name="Gaza Strip", kind="region", parent=country)
    doha = make_location(slug="doha", name="Doha", kind="city")
    israel = make_actor(slug="israel", name="Israel")
    hamas = make_actor(slug="hamas", name="Hamas", kind="armed-group")
    article = make_article(
        slug="wire",
        outlet="Wire One",
        text="Talks began in Doha. Israel struck 130 targets. Officials said 30 were killed.",
    )
    talks = make_event(
        slug="talks",
        title="Talks in Doha",
        type="negotiation",
        date_start=date(2025, 7, 7),
        location=doha,
        actors=[israel, hamas],
    )
    make_evidence(event=talks, article=article, quote="Talks began in Doha")
    strike = make_event(
        slug="strike",
        title="Strikes on 130 targets",
        type="military-strike",
        date_start=date(2025, 7, 6),
        date_end=date(2025, 7, 7),
        location=gaza,
        actors=[(israel, "initiator"), (hamas, "target")],
    )
    make_evidence(event=strike, article=article, quote="Israel struck 130 targets")
    deaths = make_event(
        slug="deaths",
        title="30 killed",
        type="casualty-report",
        date_start=date(2025, 7, 6),
        location=gaza,
    )
    make_evidence(event=deaths, article=article, quote="Officials said 30 were killed")
    make_figure(event=deaths, low=30, qualifier="more-than", attributed_to="Officials")
    blockade = make_event(
        slug="blockade",
        title="Blockade",
        type="blockade",
        date_start=date(2025, 3, 2),
        date_end=date(2025, 5, 19),
        date_precision="approximate",
        location=gaza,
        actors=[(israel, "initiator")],
    )
    hidden = make_event(slug="hidden", title="Proposed only", status=Event.Status.PROPOSED)
    return {
        "talks": talks,
        "strike": strike,
        "deaths": deaths,
        "blockade": blockade,
        "hidden": hidden,
    }


def get(client, **params):
    return client.get(reverse("timeline:timeline"), params)


def test_timeline_lists_published_events_newest_first_by_default(client, world):
    response = get(client)
    assert response.status_code == 200
    assert slugs_in(response) == ["talks", "deaths", "strike", "blockade"]


def test_sort_date_lists_oldest_first_and_keeps_it_in_the_permalinks(client, world):
    response = get(client, sort="date")
    assert slugs_in(response) == ["blockade", "strike", "deaths", "talks"]
    assert 'href="/events.csv?sort=date"' in response.text


def test_proposed_events_are_hidden_from_the_public_but_shown_to_staff(client, world):
    assert "hidden" not in slugs_in(get(client))
    assert client.get(reverse("timeline:event", args=["hidden"])).status_code == 404
    staff = User.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(staff)
    assert "hidden" in slugs_in(get(client))
    assert "hidden" in slugs_in(get(client, status="proposed"))
    assert slugs_in(get(client, status="proposed")) == ["hidden"]


def test_status_filter_is_ignored_for_the_public(client, world):
    assert "hidden" not in slugs_in(get(client, status="proposed"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "negotiation"}, ["talks"]),
        ({"type": ["negotiation", "blockade"]}, ["blockade", "talks"]),
        ({"actor": "hamas"}, ["strike", "talks"]),
        ({"actor": ["hamas", "israel"]}, ["blockade", "strike", "talks"]),
        ({"location": "palestine"}, ["blockade", "strike", "deaths"]),
        ({"location": "gaza-strip"}, ["blockade", "strike", "deaths"]),
        ({"location": "doha"}, ["talks"]),
        ({"from": "2025-07-07"}, ["strike", "talks"]),
        ({"to": "2025-07-06"}, ["blockade", "strike", "deaths"]),
        ({"from": "2025-04-01", "to": "2025-04-30"}, ["blockade"]),
        ({"from": "2025-07-06", "to": "2025-07-06"}, ["strike", "deaths"]),
        ({"q": "targets"}, ["strike"]),
        ({"q": "doha"}, ["talks"]),
        ({"q": "officials killed"}, ["deaths"]),
        ({"outlet": "wire one"}, ["strike", "deaths", "talks"]),
        ({"casualties": "on"}, ["deaths"]),
        ({"sort": "-date"}, ["talks", "deaths", "strike", "blockade"]),
        ({"type": "military-strike", "actor": "hamas", "location": "gaza-strip"}, ["strike"]),
        ({"type": "negotiation", "location": "gaza-strip"}, []),
    ],
)
def test_filters_and_their_combinations(client, world, params, expected):
    params = {"sort": "date", **params}
    response = get(client, **params)
    assert response.status_code == 200
    assert slugs_in(response) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "not-a-date"}, "From: Enter a valid date."),
        ({"type": ["negotiation", "nope"]}, "there is no event type “nope”"),
        ({"to": "2025-13-45"}, "To: Enter a valid date."),
        ({"type": "no-such-type"}, "no-such-type"),
        ({"actor": "nobody"}, "nobody"),
        ({"location": "atlantis"}, "atlantis"),
        ({"sort": "sideways"}, "sideways"),
        ({"from": "2025-07-07", "to": "2025-07-01"}, "is after the end date"),
        ({"cursor": "garbage"}, "page link is not valid"),
    ],
)
def test_bad_filter_values_give_a_message_and_400_never_500(client, world, params, message):
    response = get(client, **params)
    assert response.status_code == 400
    assert "The filter could not be applied" in response.text
    assert message in response.text
    assert slugs_in(response) == []


def test_htmx_request_gets_the_fragment_with_facets_and_vary(client, world):
    response = client.get(
        reverse("timeline:timeline"), {"type": "blockade"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="results"' in response.text
    assert 'id="facets"' in response.text
    assert slugs_in(response) == ["blockade"]
    assert "HX-Request" in response["Vary"]


def test_full_page_also_varies_on_hx_request(client, world):
    response = get(client)
    assert "<html" in response.text
    assert "HX-Request" in response["Vary"]


def test_history_restore_request_gets_the_full_page(client, world):
    response = client.get(
        reverse("timeline:timeline"), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.text


def facet_counts(response, name: str) -> dict[str, int]:
    import re

    pattern = rf'data-count="(\d+)">\s*<input type="checkbox" name="{name}" value="([^"]+)"'
    return {slug: int(n) for n, slug in re.findall(pattern, response.text)}


def test_facets_count_with_the_other_filters_but_not_their_own(client, world):
    response = get(client, type="negotiation", location="gaza-strip")
    types = facet_counts(response, "type")
    # Type counts ignore the type filter but respect the location filter.
    assert types["negotiation"] == 0
    assert types["military-strike"] == 1
    assert types["blockade"] == 1
    assert types["casualty-report"] == 1
    # Zero-count options stay visible (and are muted).
    assert 'class="zero" data-count="0">' in response.text


def test_actor_facet_counts_events_once_per_actor(client, world):
    response = get(client)
    assert facet_counts(response, "actor") == {"israel": 3, "hamas": 2}


def test_location_facet_counts_include_places_inside(client, world):
    response = get(client)
    assert 'value="palestine" data-count="3"' in response.text
    assert 'value="gaza-strip" data-count="3"' in response.text
    assert 'value="doha" data-count="1"' in response.text


def test_active_filters_show_as_removable_chips(client, world):
    response = get(client, type=["negotiation", "blockade"], q="doha")
    assert "Type: Negotiation" in response.text
    assert 'href="?type=blockade&amp;q=doha"' in response.text  # removing negotiation
    assert "Clear all" in response.text


def test_fuzzy_dates_render_as_what_they_are(client, world):
    response = get(client)
    assert "about 2 Mar – 19 May 2025" in response.text
    assert "6–7 Jul 2025" in response.text


def test_figures_show_with_their_claimant(client, world):
    response = client.get(reverse("timeline:event", args=["deaths"]))
    assert "more than 30 killed" in response.text
    assert "Officials" in response.text


def test_event_page_links_each_quote_to_its_mark_in_the_reader(client, world):
    evidence = world["deaths"].evidence.get()
    response = client.get(reverse("timeline:event", args=["deaths"]))
    assert f'/articles/wire/#ev-{evidence.pk}"' in response.text
    assert "“Officials said 30 were killed”" in response.text


def test_reader_marks_every_evidence_span_and_links_back(client, world):
    response = client.get(reverse("timeline:article", args=["wire"]))
    assert response.status_code == 200
    for event in ("talks", "strike", "deaths"):
        evidence = world[event].evidence.get()
        assert f'<mark id="ev-{evidence.pk}"' in response.text
        assert f'href="/events/{event}/"' in response.text


def test_reader_does_not_mark_evidence_of_unpublished_events(client, world):
    article = make_article(slug="other", text="A secret sentence. A public one.")
    make_evidence(event=world["hidden"], article=article, quote="A secret sentence")
    response = client.get(reverse("timeline:article", args=["other"]))
    assert "<mark" not in response.text


def test_entity_pages_show_the_entity_and_its_events(client, world):
    response = client.get(reverse("timeline:actor", args=["hamas"]))
    assert response.status_code == 200
    assert slugs_in(response) == ["talks", "strike"]
    assert 'href="/?actor=hamas"' in response.text
    response = client.get(reverse("timeline:location", args=["palestine"]))
    assert set(slugs_in(response)) == {"strike", "deaths", "blockade"}
    assert client.get(reverse("timeline:actor", args=["nobody"])).status_code == 404


def test_hostile_html_is_escaped_everywhere(client):
    article = make_article(
        slug="hostile", title=HOSTILE, outlet=HOSTILE, text=f"Start {HOSTILE} end."
    )
    actor = make_actor(slug="evil", name=HOSTILE)
    place = make_location(slug="evil-place", name=HOSTILE)
    event = make_event(
        slug="evil-event", title=HOSTILE, summary=HOSTILE, location=place, actors=[actor]
    )
    make_evidence(event=event, article=article, quote=HOSTILE, attributed_to=HOSTILE)
    make_figure(event=event, attributed_to=HOSTILE)
    pages = [
        reverse("timeline:timeline"),
        reverse("timeline:timeline") + "?q=" + "%3Cscript%3E",
        reverse("timeline:event", args=["evil-event"]),
        reverse("timeline:article", args=["hostile"]),
        reverse("timeline:actor", args=["evil"]),
        reverse("timeline:location", args=["evil-place"]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<script>alert" not in response.text, url
        assert "<img src=x" not in response.text, url
        assert "&lt;script&gt;" in response.text, url


def test_pages_send_a_content_security_policy_without_unsafe_inline(client, world):
    response = get(client)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    # Every script tag carries the nonce of this response.
    nonce = policy.split("'nonce-")[1].split("'")[0]
    assert response.text.count("<script") == response.text.count(f'nonce="{nonce}"')


def test_type_colours_come_from_a_stylesheet_with_readable_ink(client):
    response = client.get(reverse("timeline:type-styles"))
    assert response["Content-Type"].startswith("text/css")
    assert ".type-military-strike{--type-colour:#D55E00;--type-ink:#000000}" in response.text
    assert ".type-negotiation{--type-colour:#0072B2;--type-ink:#ffffff}" in response.text


def test_only_get_is_allowed(client, world):
    assert client.post(reverse("timeline:timeline")).status_code in (403, 405)


def make_many(n: int, start_day: int = 1) -> None:
    actor = make_actor()
    place = make_location()
    article = make_article(text=" ".join(f"Sentence {i}." for i in range(n)))
    for i in range(n):
        event = make_event(
            date_start=date(2025, 1, 1 + (start_day + i) % 28),
            location=place,
            actors=[actor],
        )
        make_evidence(event=event, article=article, quote=f"Sentence {i}.")
        make_figure(event=event)


def count_queries(client, django_assert_max_num_queries, **headers) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("timeline:timeline"), **headers)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("headers", [{}, {"HTTP_HX_REQUEST": "true"}])
def test_timeline_query_count_does_not_grow_with_events(
    client, headers, django_assert_max_num_queries
):
    make_many(3)
    few = count_queries(client, django_assert_max_num_queries, **headers)
    make_many(40, start_day=5)
    many = count_queries(client, django_assert_max_num_queries, **headers)
    assert few == many
    with django_assert_max_num_queries(few):
        client.get(reverse("timeline:timeline"), **headers)


def test_keyset_pages_have_no_gaps_or_repeats_and_a_stable_tie_order(client):
    make_many(120)
    seen: list[str] = []
    url = reverse("timeline:timeline")
    params: dict = {}
    for _ in range(10):
        response = client.get(url, params)
        page = slugs_in(response)
        seen += page
        import re

        match = re.search(r'id="load-more".*?data-hx-get="\?([^"]+)"', response.text, re.S)
        if not match:
            break
        params = QueryDict(match[1].replace("&amp;", "&"))
    expected = list(
        Event.objects.in_timeline_order(newest_first=True).values_list("slug", flat=True)
    )
    assert seen == expected
    assert len(seen) == len(set(seen)) == 120


def test_load_more_with_htmx_returns_just_the_next_page(client):
    make_many(60)
    first = client.get(reverse("timeline:timeline"))
    import re

    cursor = re.search(r'data-hx-get="\?pages=2&amp;cursor=([^"&]+)"', first.text)[1]
    response = client.get(
        reverse("timeline:timeline"), {"cursor": cursor, "pages": "2"}, HTTP_HX_REQUEST="true"
    )
    assert 'id="results"' not in response.text
    assert len(slugs_in(response)) == 10
    assert "load-more" not in response.text


def test_htmx_swap_carries_the_date_inputs_so_a_chart_bar_updates_them(client, world):
    response = client.get(
        reverse("timeline:timeline"),
        {"from": "2025-07-06", "to": "2025-07-06"},
        HTTP_HX_REQUEST="true",
    )
    assert 'id="from" name="from" value="2025-07-06"' in response.text
    assert 'id="to" name="to" value="2025-07-06"' in response.text


def test_dark_theme_lightens_type_colours_that_would_vanish_on_the_dark_page(client):
    from timeline.colours import DARK_BACKGROUND, contrast

    css = client.get(reverse("timeline:type-styles")).text
    dark = css.split("@media (prefers-color-scheme: dark)")[1]
    rule = next(line for line in dark.splitlines() if line.startswith(".type-casualty-report"))
    colour = rule.split("--type-colour:")[1][:7]
    assert contrast(colour, DARK_BACKGROUND) >= 3
    # Colours that already stand out are left alone.
    assert ".type-negotiation" not in dark


def test_entity_pages_have_a_mini_chart_linking_to_the_filtered_timeline(client, world):
    response = client.get(reverse("timeline:actor", args=["hamas"]))
    assert '<svg class="chart-svg"' in response.text
    assert 'href="/?actor=hamas&amp;from=2025-07-06&amp;to=2025-07-06"' in response.text
    assert "data-hx-get" not in response.text  # no #results to swap on this page
    response = client.get(reverse("timeline:location", args=["gaza-strip"]))
    assert 'href="/?location=gaza-strip&amp;from=' in response.text


def test_a_form_submitted_without_javascript_redirects_to_a_tidy_permalink(client, world):
    response = client.get(
        "/?q=&from=&to=&type=blockade&type=&location=&outlet=&sort=-date&casualties=&find_actor=ham"
    )
    assert response.status_code == 302
    assert response["Location"] == "/?type=blockade"
    response = client.get("/?q=&sort=-date")
    assert response["Location"] == "/"
    # Already tidy: no redirect, and oldest-first is kept.
    assert client.get("/?type=blockade&sort=date").status_code == 200
    response = client.get("/?q=&sort=date")
    assert response["Location"] == "/?sort=date"


@pytest.mark.parametrize("limit", [1, 1000])
def test_a_text_search_gives_the_same_page_and_facets_whether_its_matches_are_reused_or_not(
    client, world, monkeypatch, limit
):
    import timeline.filters

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", limit)
    response = get(client, q="targets officials", type="military-strike")
    assert slugs_in(get(client, q="Officials")) == ["deaths"]
    assert slugs_in(get(client, q="Doha")) == ["talks"]
    assert slugs_in(response) == []
    assert facet_counts(get(client, q="israel"), "type")["military-strike"] == 1


def test_a_selective_text_search_runs_the_search_once(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        get(client, q="targets")
    searching = [
        q
        for q in captured
        if any(word in q["sql"].upper() for word in ("LIKE", "TSQUERY", "MATCH"))
    ]
    # One query finds the matches, one ranks the page's, and one finds the matching quotes
    # for the snippets. (As a subquery the search ran again in the count, the chart and
    # every facet: 9 times.)
    assert len(searching) == 3


@pytest.fixture
def convoys():
    """Events matching "convoy" in every way a facet can double-count or miss one: an
    actor in two roles, an outlet cited by two quotes, no place, no sub-type; and a
    draft and an unrelated event that must not count."""
    from timeline.models import EventActor

    country = make_location(slug="country-c", name="Country C", kind="country")
    city = make_location(slug="city-c", name="City C", parent=country)
    other = make_location(slug="town-d", name="Town D")
    a = make_actor(slug="actor-a", name="Actor A")
    b = make_actor(slug="actor-b", name="Actor B")
    one = make_article(outlet="Wire One", text="A convoy was hit. A second convoy too.")
    two = make_article(outlet="Wire Two", text="The convoy stopped.")
    first = make_event(
        title="Convoy hit",
        type="military-strike",
        sub_type="air-drone-strike",
        location=city,
        actors=[(a, EventActor.Role.INITIATOR), (a, EventActor.Role.PARTY), b],
    )
    make_evidence(event=first, article=one, quote="A convoy was hit")
    make_evidence(event=first, article=one, quote="A second convoy too")
    make_evidence(event=first, article=two, quote="The convoy stopped")
    second = make_event(title="Convoy talks", type="negotiation", location=other, actors=[b])
    make_evidence(event=second, article=one, quote="A convoy was hit")
    make_event(title="Convoy stopped", type="military-strike", actors=[a])
    make_event(title="Convoy draft", status=Event.Status.PROPOSED, location=city, actors=[a])
    make_event(title="Market", type="military-strike", location=city, actors=[a])


def exact_facets(**filters) -> dict[str, dict[str, int]]:
    """Each facet's counts straight from the rows: published events with "convoy" in
    their title, under every given filter ({facet: lookups}) but the facet's own."""
    from timeline.models import Actor, EventSubType, EventType, Location, Outlet

    def events(skip: str):
        found = Event.objects.filter(status=Event.Status.PUBLISHED, title__icontains="convoy")
        for name, lookup in filters.items():
            if name != skip:
                found = found.filter(**lookup)
        return found

    def count(skip: str, values, **lookup):
        counts = {}
        for value in values:
            key = next(iter(lookup))
            n = events(skip).filter(**{key: lookup[key](value)}).distinct().count()
            if n:
                counts[value.slug] = n
        return counts

    return {
        "type": count("type", EventType.objects.all(), type=lambda t: t),
        "sub_type": count("sub_type", EventSubType.objects.all(), sub_type=lambda s: s),
        "actor": count("actor", Actor.objects.all(), actors=lambda a: a),
        "location": count(
            "location",
            Location.objects.all(),
            location__tree_path__startswith=lambda loc: loc.tree_path,
        ),
        "outlet": count(
            "outlet",
            Outlet.objects.all(),
            evidence__article__outlets=lambda o: o,
        ),
    }


def page_facets(response) -> dict[str, dict[str, int]]:
    facets = response.context["facets"]
    shown = {
        name: {o["value"]: o["count"] for o in facets[name] if o["count"]}
        for name in ("type", "actor", "location", "outlet")
    }
    shown["sub_type"] = {
        s["value"]: s["count"] for t in facets["type"] for s in t["sub_types"] if s["count"]
    }
    return shown


@pytest.mark.parametrize("limit", [1, 1000])
@pytest.mark.parametrize(
    "params, filters",
    [
        ({}, {}),
        ({"type": "military-strike"}, {"type": {"type__slug": "military-strike"}}),
        ({"actor": "actor-b"}, {"actor": {"actors__slug": "actor-b"}}),
        (
            {"location": "country-c", "outlet": "wire-one"},
            {
                "location": {"location__tree_path__startswith": "/country-c/"},
                "outlet": {"evidence__article__outlets__slug": "wire-one"},
            },
        ),
    ],
)
def test_a_search_page_counts_every_facet_exactly(
    client, convoys, monkeypatch, limit, params, filters
):
    """Broad (its matches a subquery) or selective (an id list), with facets counted
    together or apart: each count is the number of distinct matching events."""
    import timeline.filters

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", limit)
    response = get(client, q="convoy", **params)
    assert response.status_code == 200
    assert page_facets(response) == exact_facets(**filters)


@pytest.mark.parametrize("limit", [1, 1000])
def test_a_search_counts_an_articles_new_outlets_and_an_outlet_merge(
    client, convoys, monkeypatch, limit
):
    """The search facets count outlets from each match's search document: an article
    that cites other outlets, and outlets merged into one, show at once."""
    import timeline.filters
    from timeline.merging import merge_outlets
    from timeline.models import Article, Outlet

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", limit)
    outlets = {"outlet": {}}
    assert page_facets(get(client, q="convoy"))["outlet"] == exact_facets(**outlets)["outlet"]
    three = Outlet.objects.create(slug="wire-three", name="Wire Three")
    article = Article.objects.get(outlets__slug="wire-two")
    article.outlets.add(three)
    counted = page_facets(get(client, q="convoy"))["outlet"]
    assert counted["wire-three"] == 1
    assert counted == exact_facets(**outlets)["outlet"]
    merge_outlets(sources=[Outlet.objects.get(slug="wire-one")], into=three)
    counted = page_facets(get(client, q="convoy"))["outlet"]
    assert counted == {"wire-two": 1, "wire-three": 2}
    assert counted == exact_facets(**outlets)["outlet"]


@pytest.mark.parametrize(
    "query",
    ["q=convoy", "q=convoy&split=sub_type", "q=convoy&from=2025-01-01", "actor=actor-a"],
)
def test_the_chart_counted_with_the_facets_is_the_chart_counted_alone(convoys, query):
    """On PostgreSQL the facets' statement also counts the chart's rows (events per day
    and type, killed per day and source); the chart drawn from them is the same chart."""
    from django.contrib.auth.models import AnonymousUser

    from timeline.filters import EventFilter
    from timeline.models import Figure
    from timeline.templatetags.chart_tags import chart_of

    hit = Event.objects.get(title="Convoy hit")
    make_figure(event=hit, low=4)
    make_figure(event=hit, low=7, basis=Figure.Basis.CODING, attributed_to="ACLED")
    make_figure(event=Event.objects.get(title="Convoy talks"), low=2)

    def event_filter() -> EventFilter:
        user = AnonymousUser()
        found = EventFilter(QueryDict(query), queryset=Event.objects.visible_to(user), user=user)
        assert found.form.is_valid()
        return found

    with_facets = event_filter()
    with_facets.facets()
    alone = event_filter()
    counted, exact = chart_of(with_facets, QueryDict(query)), chart_of(alone, QueryDict(query))
    assert exact is not None and exact.total_killed > 0
    assert counted == exact


def test_a_search_with_no_words_in_it_finds_nothing_and_counts_nothing(client, convoys):
    """ "<>" has no word to search: an empty page with empty facets (PostgreSQL's facet
    query used to fail on it, a 500)."""
    response = get(client, q="<>")
    assert response.status_code == 200
    assert slugs_in(response) == []
    assert all(not counts for counts in page_facets(response).values())


def test_a_broad_search_page_takes_as_many_queries_at_any_size(client, monkeypatch):
    """Pinned: a search whose matches are too many for an id list (a subquery) costs
    the same number of queries at 3 and at 43 matching events."""
    import timeline.filters

    monkeypatch.setattr(timeline.filters, "SEARCH_IDS_LIMIT", 1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(client, q="sentence").status_code == 200
        return len(captured)

    make_many(3)
    few = queries()
    make_many(40, start_day=5)
    assert queries() == few
    # The count, ranking, page, its parts, snippets, the facets and their names, and the
    # chart; PostgreSQL counts the type, sub-type, place, actor and outlet facets, the
    # total and the chart's two sets of rows in one query (the actor and outlet facets
    # from the search documents).
    assert few == (15 if connection.vendor == "postgresql" else 22)
