"""The facet summary (PostgreSQL): the same counts as the exact path, current after each
committed write, and a page counted from it in a fixed number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline.chart import events_chart
from timeline.filters import EventFilter
from timeline.models import Event, EventActor, Figure
from timeline.tests.conftest import seed_event_types, seed_taxonomy
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the summary is PostgreSQL's; SQLite counts"
    ),
    # Its triggers recompute at COMMIT: these tests commit, as a real write does.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def taxonomy():
    # A transactional test starts from a flushed database (an earlier one's flush deletes
    # the migration-seeded types): seed them again, as conftest does.
    seed_event_types(django_apps, None)
    seed_taxonomy(django_apps, None)


class Staff:
    is_active = True
    is_staff = True


def filter_for(query: str, *, summary: bool, staff: bool = False) -> EventFilter:
    user = Staff() if staff else AnonymousUser()
    return EventFilter(
        QueryDict(query),
        queryset=Event.objects.visible_to(user),
        user=user,
        summary=summary,
    )


def everything_counted(query: str, *, summary: bool, staff: bool = False) -> dict:
    event_filter = filter_for(query, summary=summary, staff=staff)
    facets = event_filter.facets()
    for name in ("actor", "location", "outlet"):
        facets[f"all {name}"] = event_filter.facet_options(name)
    for option in facets["type"]:
        option.pop("type")
    data = event_filter.form.cleaned_data
    chart = events_chart(
        events=event_filter.qs,
        date_from=data.get("from"),
        date_to=data.get("to"),
        summary=event_filter.summary_selection() if summary else None,
    )
    drawn = None
    if chart is not None:
        drawn = (
            chart.unit,
            chart.first,
            chart.last,
            chart.total_events,
            chart.total_killed,
            chart.events_with_killed,
            [(part.source, part.total, part.events) for part in chart.killed_parts],
            # Values with equal totals come in the order the database gave them.
            sorted((series.label, series.total) for series in chart.series),
            [[(b.start, b.total) for b in panel.buckets] for panel in chart.panels],
        )
    return {"count": event_filter.count(), "facets": facets, "chart": drawn}


@pytest.fixture
def events():
    """Events of several types, sub-types, statuses, places and outlets, some spanning
    month ends, one actor linked twice to one event, killed figures coded and claimed."""
    hamas, israel, qatar = (make_actor(name=name) for name in ("Hamas", "Israel", "Qatar"))
    gaza = make_location(name="Gaza Strip")
    rafah = make_location(name="Rafah", parent=gaza)
    wire, daily = make_article(outlet="Wire One"), make_article(outlet="Daily Two")
    made = [
        make_event(
            sub_type="air-drone-strike",
            date_start=date(2024, 1, 31),
            location=rafah,
            actors=[israel, (hamas, EventActor.Role.TARGET)],
        ),
        make_event(
            sub_type="air-drone-strike",
            date_start=date(2024, 1, 30),
            date_end=date(2024, 2, 2),
            location=gaza,
            actors=[israel, (israel, EventActor.Role.INITIATOR)],
        ),
        make_event(type="negotiation", date_start=date(2024, 2, 15), actors=[qatar, hamas]),
        make_event(
            type="negotiation",
            date_start=date(2024, 3, 1),
            date_end=date(2024, 4, 30),
            status=Event.Status.PROPOSED,
            location=gaza,
        ),
        make_event(
            sub_type="shelling-artillery-missile",
            date_start=date(2024, 12, 31),
            date_end=date(2025, 1, 1),
            location=rafah,
            actors=[israel],
        ),
        make_event(type="blockade", date_start=date(2025, 1, 1), status=Event.Status.REJECTED),
    ]
    make_evidence(event=made[0], article=wire)
    make_evidence(event=made[0], article=daily)
    make_evidence(event=made[0], article=wire, quote="Article")
    make_evidence(event=made[2], article=daily)
    make_evidence(event=made[4], article=wire)
    make_figure(event=made[0], low=4, basis=Figure.Basis.CODING, attributed_to="ACLED")
    make_figure(event=made[0], low=30)
    make_figure(event=made[1], low=2)
    make_figure(event=made[4], low=7, basis=Figure.Basis.CODING, attributed_to="ACLED")
    return made


QUERIES = [
    "",
    "type=military-strike",
    "type=military-strike&type=negotiation",
    "sub_type=air-drone-strike",
    "type=military-strike&sub_type=shelling-artillery-missile",
    "from=2024-02-01",
    "from=2024-01-31",
    "to=2024-01-31",
    "to=2024-01-30",
    "from=2024-01-01&to=2024-12-31",
    "from=2024-02-02&to=2024-02-14",
    "from=2024-04-30&to=2024-04-30",
    "from=2025-01-01",
    "type=military-strike&from=2024-01-31&to=2025-01-01",
    "actor=placeholder",  # replaced by a real slug below: a facet skips its own filter
]


def test_the_summary_counts_what_the_exact_path_counts(events):
    actor = events[0].event_actors.first().actor
    queries = [q.replace("placeholder", actor.slug) for q in QUERIES]
    for staff in (False, True):
        for query in queries + (
            ["status=proposed", "status=rejected&type=blockade"] if staff else []
        ):
            assert (
                filter_for(query, summary=True, staff=staff).summary_selection("actor") is not None
            ), query
            expected = everything_counted(query, summary=False, staff=staff)
            assert everything_counted(query, summary=True, staff=staff) == expected, (query, staff)


def test_a_filter_it_cannot_express_is_counted_the_exact_way(events):
    for query in ("q=strike", "outlet=wire-one", "casualties=on", "corroboration=single"):
        assert filter_for(query, summary=True).summary_selection() is None, query


def test_every_committed_write_shows_at_once(events, client):
    def counts() -> dict:
        return everything_counted("from=2024-01-01&to=2024-12-31", summary=True)

    first = events[0]
    first.type_id = events[2].type_id
    first.sub_type = None
    first.save()
    assert counts() == everything_counted("from=2024-01-01&to=2024-12-31", summary=False)
    EventActor.objects.filter(event=events[1]).delete()
    Figure.objects.filter(event=first).update(low=1)
    events[2].date_start = date(2023, 12, 31)
    events[2].save()
    first.evidence.first().article.outlets.clear()
    assert counts() == everything_counted("from=2024-01-01&to=2024-12-31", summary=False)
    Event.objects.filter(pk=events[4].pk).delete()
    assert counts() == everything_counted("from=2024-01-01&to=2024-12-31", summary=False)
    assert everything_counted("", summary=True) == everything_counted("", summary=False)


def test_inside_an_uncommitted_write_the_exact_path_counts(events):
    with transaction.atomic():
        Event.objects.filter(pk=events[0].pk).update(status=Event.Status.REJECTED)
        assert filter_for("", summary=True).summary_selection() is None
        assert filter_for("", summary=False).count() == 3
    assert filter_for("", summary=True).summary_selection() is not None
    assert filter_for("", summary=True).count() == 3


def test_the_timeline_counts_from_the_summary_in_a_fixed_number_of_queries(events, client):
    url = reverse("timeline:timeline")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"type": "military-strike"})
    for n in range(30):
        make_event(
            sub_type="air-drone-strike",
            date_start=date(2024, 5, 1 + n % 28),
            actors=[make_actor()],
            location=make_location(),
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"type": "military-strike"})
    assert response.status_code == 200
    assert len(many) == len(few)
    summary_reads = [q for q in many.captured_queries if "timeline_facet_summary" in q["sql"]]
    assert summary_reads, "the page did not count from the summary"
