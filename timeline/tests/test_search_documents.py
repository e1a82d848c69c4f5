"""The stored search document of each event: kept in step with every writer, answering
the same on both databases as a reference matcher written in Python, ranked, counted
cheaply, and planned on its index whatever the statistics.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline import search, search_documents
from timeline.datasets.acled import import_acled
from timeline.filters import EventFilter
from timeline.models import Actor, Event, EventActor, EventType, Evidence, Location
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_location,
)
from timeline.tests.test_import_acled import REAL_FILE

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the GIN index and its plans are PostgreSQL's"
)


def found(text: str) -> set[str]:
    return set(search.matching(Event.objects.all(), text).values_list("slug", flat=True))


# -- kept in step with writes ------------------------------------------------------------
def test_an_edited_title_is_found_by_its_new_words_only():
    event = make_event(slug="talks", title="Talks in Doha")
    assert found("Doha") == {"talks"}
    event.title = "Talks in Cairo"
    event.save()
    assert found("Doha") == set()
    assert found("Cairo") == {"talks"}


def test_evidence_added_moved_and_deleted_changes_what_is_found():
    article = make_article(text="Officials said the crossing at Kerem Shalom reopened.")
    first = make_event(slug="first")
    second = make_event(slug="second")
    evidence = make_evidence(event=first, article=article, quote="the crossing at Kerem Shalom")
    assert found("Kerem") == {"first"}
    evidence.event = second
    evidence.save()
    assert found("Kerem") == {"second"}
    evidence.delete()
    assert found("Kerem") == set()


def test_renaming_an_actor_or_a_place_updates_the_documents_of_their_events():
    actor = make_actor(slug="unrwa", name="UNRWA")
    place = make_location(slug="rafah", name="Rafah")
    make_event(slug="aid", location=place, actors=[actor])
    actor.aliases = "UN Relief and Works Agency"
    actor.save()
    place.name = "Rafah crossing"
    place.save()
    assert found('"relief and works"') == {"aid"}
    assert found('"rafah crossing"') == {"aid"}


def test_an_actor_link_removed_is_no_longer_found():
    actor = make_actor(slug="egypt", name="Egypt")
    event = make_event(slug="mediation", actors=[actor])
    assert found("Egypt") == {"mediation"}
    EventActor.objects.get(event=event).delete()
    assert found("Egypt") == set()
    event.actors.add(actor, through_defaults={"role": "mediator"})
    assert found("Egypt") == {"mediation"}


def test_a_renamed_event_type_is_found_by_its_new_name():
    make_event(slug="strike", type="military-strike")
    event_type = EventType.objects.get(slug="military-strike")
    event_type.name = "Air or drone strike"
    event_type.save()
    assert found("drone") == {"strike"}


def test_a_deleted_event_leaves_no_document():
    event = make_event(slug="gone", title="Unique zanzibarite title")
    event.delete()
    assert found("zanzibarite") == set()
    assert not Event.objects.filter(slug="gone").exists()


def test_saves_inside_deferred_rebuild_once_at_the_end(django_assert_num_queries):
    event = make_event(slug="batched", title="Before")
    with search_documents.deferred():
        event.title = "After"
        event.save()
        assert found("After") == set()  # not yet: rebuilt at the end of the block
    assert found("After") == {"batched"}


def test_bulk_writers_rebuild_any_set_of_events_in_two_statements(django_assert_num_queries):
    negotiation = EventType.objects.get(slug="negotiation")
    events = Event.objects.bulk_create(
        [
            Event(
                slug=f"bulk-{n}",
                type=negotiation,
                title=f"Bulk event {n} in Khan Younis",
                date_start=date(2024, 1, 1),
                date_last=date(2024, 1, 1),
                status=Event.Status.PUBLISHED,
            )
            for n in range(30)
        ]
    )
    assert found("Younis") == set()  # bulk_create sends no signals
    with django_assert_num_queries(2):
        search_documents.rebuild([event.pk for event in events])
    assert len(found("Younis")) == 30
    Event.objects.filter(slug="bulk-3").update(title="Renamed in Deir al-Balah")
    with django_assert_num_queries(2):
        search_documents.rebuild(Event.objects.filter(slug__startswith="bulk-3"))
    assert found("Balah") == {"bulk-3"}


def test_the_acled_import_builds_the_documents_of_what_it_wrote(tmp_path):
    if not REAL_FILE.exists():
        pytest.skip(f"the real ACLED file is not at {REAL_FILE} (it lives in ../shared/data)")
    sample = _acled_sample(tmp_path, rows=60)
    import_acled(path=sample)
    event = Event.objects.filter(external_id__startswith="acled:").order_by("pk").first()
    word = max(re.findall(r"[^\W\d_]{6,}", event.evidence.first().quote), key=len)
    assert event.slug in found(word)


def _acled_sample(tmp_path, *, rows: int):
    import gzip

    with gzip.open(REAL_FILE, "rt", encoding="utf-8", newline="") as source:
        lines = [next(source) for _ in range(rows + 1)]
    path = tmp_path / "sample.csv"
    path.write_text("".join(lines), encoding="utf-8")
    return path


# -- the same matches on both databases, as the reference says ----------------------------
def reference_matches(event: Event, query: search.ParsedQuery) -> bool:
    """The matching rules of timeline.search, applied in Python to the event's fields."""
    fields = [event.title, event.summary, event.type.name]
    if event.sub_type_id:
        fields.append(event.sub_type.name)
    if event.location_id:
        fields += [event.location.name, *event.location.aliases.splitlines()]
    for link in event.event_actors.all():
        fields += [link.actor.name, *link.actor.aliases.splitlines()]
    fields += [evidence.quote for evidence in event.evidence.all()]
    words = [search_documents.WORD.findall(field.lower()) for field in fields]

    def clause_found(clause: search.Clause) -> bool:
        n = len(clause.words)
        for field in words:
            for i in range(len(field) - n + 1):
                *whole, last = clause.words
                if field[i : i + n - 1] != whole:
                    continue
                candidate = field[i + n - 1]
                if candidate == last or (clause.last_is_prefix and candidate.startswith(last)):
                    return True
        return False

    return all(any(clause_found(c) != c.negated for c in group) for group in query.groups)


CORPUS_QUERIES = [
    "killed",
    "kill",
    "gaza israeli",
    "Rafah",
    "ab " * 12,
    '"Israeli forces"',
    '"Israeli forc"',
    "Palestinian -killed",
    "shelled or airstrike",
    "Khan Younis",
    "the",
    "Hamas's",
    "-gaza",
    "drone or -rafah",
    'north gaza -"israeli forces"',
    "a",
    "IDF",
    "Jabalia camp",
]


def test_both_databases_find_what_the_reference_matcher_finds_on_real_acled_rows(tmp_path):
    if not REAL_FILE.exists():
        pytest.skip(f"the real ACLED file is not at {REAL_FILE} (it lives in ../shared/data)")
    import_acled(path=_acled_sample(tmp_path, rows=400))
    events = list(
        Event.objects.select_related("type", "sub_type", "location").prefetch_related(
            "event_actors__actor", "evidence"
        )
    )
    assert len(events) == 400
    matched_any = 0
    for text in CORPUS_QUERIES:
        query = search.parse(text)
        expected = {event.slug for event in events if reference_matches(event, query)}
        assert found(text) == expected, text
        matched_any += bool(expected) and len(expected) < len(events)
    assert matched_any >= 10  # the corpus tells the queries apart


# -- ranking, counting and the page -------------------------------------------------------
def test_a_search_is_ranked_by_relevance_unless_another_order_is_asked_for(client):
    article = make_article(text="Shelling once. Then: shelling shelling shelling near the camp.")
    once = make_event(slug="once", title="Shelling reported", date_start=date(2025, 1, 2))
    thrice = make_event(
        slug="thrice", title="Shelling, shelling and shelling", date_start=date(2025, 1, 1)
    )
    make_evidence(event=once, article=article, quote="Shelling once")
    make_evidence(event=thrice, article=article, quote="shelling shelling shelling")
    url = reverse("timeline:timeline")
    ranked = client.get(url, {"q": "shelling"}).text
    assert ranked.index('data-event="thrice"') < ranked.index('data-event="once"')
    assert '<option value="relevance" selected>' in ranked
    by_date = client.get(url, {"q": "shelling", "sort": "-date"}).text
    assert by_date.index('data-event="once"') < by_date.index('data-event="thrice"')


def test_relevance_pages_follow_on_without_repeating(client, monkeypatch):
    monkeypatch.setattr("timeline.views.PAGE_SIZE", 3)
    for n in range(7):
        make_event(slug=f"strike-{n}", title="Strike " + "strike " * n)
    url = reverse("timeline:timeline")
    seen: list[str] = []
    response = client.get(url, {"q": "strike"})
    while True:
        seen += re.findall(r'data-event="([^"]+)"', response.text)
        # "Load more" fetches the next page after the cursor (and pushes ?pages=N).
        more = re.search(r'data-hx-get="\?([^"]*cursor=[^"]*)"', response.text)
        if not more:
            break
        response = client.get(f"{url}?{more[1].replace('&amp;', '&')}", HTTP_HX_REQUEST="true")
    assert seen == [f"strike-{n}" for n in range(6, -1, -1)]
    # The permalink of three pages shows the same seven, ranked.
    response = client.get(url, {"q": "strike", "pages": "3"})
    assert re.findall(r'data-event="([^"]+)"', response.text) == seen


def test_a_bad_relevance_page_link_is_a_message_not_a_500(client):
    make_event(slug="x", title="Strike")
    response = client.get(reverse("timeline:timeline"), {"q": "strike", "cursor": "@zz"})
    assert response.status_code == 400
    assert "that page link is not valid" in response.text


def test_past_the_ranking_limit_the_count_stops_and_the_newest_come_first(client, monkeypatch):
    monkeypatch.setattr(search, "RANK_LIMIT", 3)
    for n in range(5):
        make_event(slug=f"raid-{n}", title="Raid", date_start=date(2025, 1, 1) + timedelta(n))
    response = client.get(reverse("timeline:timeline"), {"q": "raid"})
    assert "More than 3 events" in response.text
    assert "Too many matches to rank" in response.text
    slugs = re.findall(r'data-event="([^"]+)"', response.text)
    assert slugs == [f"raid-{n}" for n in range(4, -1, -1)]


def test_the_count_is_exact_up_to_the_limit(monkeypatch):
    for n in range(4):
        make_event(slug=f"e{n}", title="Curfew")
    matches = search.matching(Event.objects.all(), "curfew")
    assert search.count_up_to(matches, 4) == 4
    assert search.count_up_to(matches, 3) == 4  # "more than 3"
    assert search.count_up_to(matches, 10) == 4


def test_a_search_page_takes_the_same_queries_for_one_term_or_twelve(
    client, django_assert_num_queries
):
    twelve = "ab abc abd gaza israeli ceasefire talks truce rafah khan younis xy"
    for n in range(5):
        make_event(slug=f"e{n}", title=f"{twelve} {n}")
    url = reverse("timeline:timeline")
    for text in ["ab", twelve]:
        with django_assert_num_queries(QUERIES_PER_SEARCH_PAGE[connection.vendor]):
            response = client.get(url, {"q": text})
        assert response.text.count("data-event=") == 5


# The data version, the count, the matching ids, the ranked page, the events with their
# prefetches, the snippets, the five facets and the chart (pinned so that it cannot grow with
# the results; each request here is the first of its filter, so nothing is cached).
# PostgreSQL counts the type, sub-type, place, actor and outlet facets, the total and the
# chart's rows in one query (7 fewer; the actor and outlet facets from the search
# documents' ids).
QUERIES_PER_SEARCH_PAGE = {"sqlite": 20, "postgresql": 13}


# -- plans --------------------------------------------------------------------------------
def _unanalysed_events(count: int) -> None:
    """`count` published events written the bulk way, documents built, no ANALYZE."""
    strike = EventType.objects.get(slug="military-strike")
    gaza = Location.objects.create(slug="gaza", name="Gaza")
    israel = Actor.objects.create(slug="israel", name="Israel", aliases="Israeli forces")
    article = make_article(text="x" * 10)
    words = ["shelling", "airstrike", "drone", "raid", "clashes", "abandoned", "absent"]
    events = Event.objects.bulk_create(
        [
            Event(
                slug=f"ev-{n}",
                type=strike,
                title=f"{words[n % len(words)]} near Gaza {n}",
                summary="Israeli forces " + words[(n * 3) % len(words)],
                location=gaza,
                date_start=date(2024, 1, 1) + timedelta(n % 400),
                date_last=date(2024, 1, 1) + timedelta(n % 400),
                status=Event.Status.PUBLISHED,
            )
            for n in range(count)
        ]
    )
    EventActor.objects.bulk_create(EventActor(event=e, actor=israel) for e in events)
    Evidence.objects.bulk_create(
        Evidence(event=e, article=article, quote=f"Israeli strike killed {n}")
        for n, e in enumerate(events)
    )
    search_documents.rebuild([e.pk for e in events])


def _plan(text: str) -> str:
    """The plan of the search the timeline runs first (timeline.filters materialises it)."""
    return search.document_matches(text).explain()


@on_postgresql
@pytest.mark.parametrize("text", [("ab " * 12).strip(), "gaza israeli", "the gaza of israeli"])
def test_a_search_right_after_an_import_is_one_scan_of_the_document_index(text):
    _unanalysed_events(3_000)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'timeline_searchdocument'")
        assert cursor.fetchone()[0] == 0  # no statistics at all
    plan = _plan(text)
    assert plan.count("Bitmap Index Scan on searchdocument_vector_gin") == 1, plan
    assert "Seq Scan" not in plan and "Nested Loop" not in plan, plan
    assert "timeline_event " not in plan and "timeline_evidence" not in plan, plan
    # …and the timeline page runs exactly that query, then works from its ids.
    event_filter = EventFilter({"q": text}, queryset=Event.objects.published())
    with CaptureQueriesContext(connection) as queries:
        list(event_filter.qs.values_list("pk")[:1])
    assert "timeline_searchdocument" in queries.captured_queries[0]["sql"]
    assert "timeline_event" not in queries.captured_queries[0]["sql"]
