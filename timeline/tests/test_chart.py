"""The chart above the timeline: buckets, stacking, killed figures, the SVG and its links."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline.chart import choose_unit, events_chart
from timeline.models import Event
from timeline.tests.factories import make_event, make_figure

pytestmark = pytest.mark.django_db


def chart_of(**params):
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    return events_chart(events=Event.objects.published(), query=query)


def by_start(chart):
    return {bucket.start: bucket for bucket in chart.buckets}


def per_type(bucket):
    return {segment.series.value: segment.count for segment in bucket.segments}


@pytest.mark.parametrize(
    ("days", "unit"),
    [(1, "day"), (92, "day"), (93, "week"), (366, "week"), (367, "month"), (3660, "month")],
)
def test_the_automatic_bucket_keeps_the_chart_to_about_90_bars(days, unit):
    first = date(2024, 1, 1)
    assert choose_unit(first, first + timedelta(days=days - 1)) == unit


def test_spans_over_ten_years_are_bucketed_by_year():
    assert choose_unit(date(1997, 1, 1), date(2025, 7, 6)) == "year"


def test_short_spans_count_each_type_per_day_and_fill_empty_days():
    for _ in range(2):
        make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_event(type="casualty-report", date_start=date(2025, 7, 6))
    make_event(type="negotiation", date_start=date(2025, 7, 9))
    make_event(type="negotiation", date_start=date(2025, 7, 9), status=Event.Status.PROPOSED)

    chart = chart_of()

    assert chart.unit == "day"
    assert [b.start for b in chart.buckets] == [date(2025, 7, d) for d in (6, 7, 8, 9)]
    days = by_start(chart)
    assert per_type(days[date(2025, 7, 6)]) == {"military-strike": 2, "casualty-report": 1}
    assert days[date(2025, 7, 7)].total == 0
    assert per_type(days[date(2025, 7, 9)]) == {"negotiation": 1}
    assert chart.total_events == 4
    assert chart.max_total == 3
    assert days[date(2025, 7, 6)].summary == (
        "6 Jul 2025: 3 events (2 Military strike, 1 Casualty report)"
    )


def test_long_spans_are_counted_per_monday_week():
    make_event(type="blockade", date_start=date(2025, 1, 1))  # a Wednesday
    make_event(type="blockade", date_start=date(2025, 1, 5))  # the Sunday of that week
    make_event(type="ceasefire", date_start=date(2025, 6, 30))

    chart = chart_of()

    assert chart.unit == "week"
    weeks = by_start(chart)
    assert weeks[date(2024, 12, 30)].total == 2
    assert weeks[date(2024, 12, 30)].end == date(2025, 1, 5)
    assert weeks[date(2025, 6, 30)].total == 1
    assert sum(bucket.total for bucket in chart.buckets) == 3
    assert all(bucket.start.weekday() == 0 for bucket in chart.buckets)


def test_spans_of_years_are_counted_per_month():
    make_event(date_start=date(2022, 1, 31))
    make_event(date_start=date(2025, 2, 1))
    make_event(date_start=date(2025, 2, 28))

    chart = chart_of()

    assert chart.unit == "month"
    months = by_start(chart)
    assert months[date(2022, 1, 1)].total == 1
    assert months[date(2025, 2, 1)].total == 2
    assert months[date(2025, 2, 1)].end == date(2025, 2, 28)
    assert months[date(2025, 2, 1)].label == "February 2025"
    assert len(chart.buckets) == 38


def test_killed_sums_the_lowest_low_bound_of_each_event():
    contested = make_event(type="casualty-report", date_start=date(2025, 7, 6))
    make_figure(event=contested, low=30, qualifier="more-than", attributed_to="Hospital")
    make_figure(event=contested, low=12, high=15, attributed_to="Army")
    other = make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_figure(event=other, low=5, high=9)
    make_figure(event=other, kind="injured", low=100)
    make_event(type="military-strike", date_start=date(2025, 7, 6))  # no figures
    later = make_event(type="military-strike", date_start=date(2025, 7, 8))
    make_figure(event=later, kind="injured", low=4)

    chart = chart_of()

    days = by_start(chart)
    # 12 (not 30, not 42, not an average) + 5 (the low bound, not 9).
    assert days[date(2025, 7, 6)].killed == 17
    assert days[date(2025, 7, 8)].killed is None  # only an injured figure
    assert chart.total_killed == 17
    assert chart.max_killed == 17
    assert chart.events_with_killed == 2
    assert chart.killed_label == (
        "Killed, as claimed in sources (each event once, by the low bound of its lowest figure)"
    )
    assert days[date(2025, 7, 6)].total == 3  # figures do not multiply the event count


def test_events_that_began_before_the_from_date_are_counted_on_its_first_day():
    make_event(date_start=date(2025, 3, 2), date_end=date(2025, 5, 19))
    make_event(date_start=date(2025, 5, 10))

    query = QueryDict("from=2025-05-01")
    chart = events_chart(
        events=Event.objects.overlapping(date(2025, 5, 1), None),
        query=query,
        date_from=date(2025, 5, 1),
    )

    assert chart.unit == "day"
    assert chart.buckets[0].start == date(2025, 5, 1)
    assert chart.buckets[0].total == 1
    assert by_start(chart)[date(2025, 5, 10)].total == 1


def test_bucket_links_narrow_the_dates_keep_other_filters_and_drop_the_cursor():
    make_event(type="blockade", date_start=date(2025, 7, 6))

    chart = chart_of(type="blockade", q="crossing", cursor="abc", **{"from": "2025-07-01"})

    link = QueryDict(chart.buckets[0].url.lstrip("?"))
    assert link.getlist("type") == ["blockade"]
    assert link["q"] == "crossing"
    assert link["from"] == "2025-07-06"
    assert link["to"] == "2025-07-06"
    assert "cursor" not in link


def test_bucket_links_never_widen_the_chosen_range():
    make_event(date_start=date(2023, 1, 20))
    make_event(date_start=date(2025, 6, 10))

    chart = events_chart(
        events=Event.objects.all(),
        query=QueryDict("from=2023-01-15&to=2025-06-12"),
        date_from=date(2023, 1, 15),
        date_to=date(2025, 6, 12),
    )

    assert chart.unit == "month"
    first = QueryDict(chart.filled_buckets[0].url.lstrip("?"))
    last = QueryDict(chart.filled_buckets[-1].url.lstrip("?"))
    assert (first["from"], first["to"]) == ("2023-01-15", "2023-01-31")
    assert (last["from"], last["to"]) == ("2025-06-01", "2025-06-12")


def test_empty_buckets_have_no_link():
    make_event(date_start=date(2025, 7, 1))
    make_event(date_start=date(2025, 7, 3))

    chart = chart_of()

    assert [bool(bucket.url) for bucket in chart.buckets] == [True, False, True]


def test_no_events_means_no_chart():
    make_event(status=Event.Status.PROPOSED)
    assert chart_of() is None


def test_bars_stack_from_the_baseline_in_proportion_to_their_counts():
    for _ in range(3):
        make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_event(type="negotiation", date_start=date(2025, 7, 6))
    make_event(type="negotiation", date_start=date(2025, 7, 7))

    chart = chart_of()

    first, second = chart.buckets
    heights = {s.series.value: s.height for s in first.segments}
    panel = chart.panels[0]
    assert heights["military-strike"] == pytest.approx(3 * heights["negotiation"])
    assert sum(heights.values()) == pytest.approx(panel.baseline - panel.top)
    lowest = first.segments[0]
    assert lowest.y + lowest.height == pytest.approx(panel.baseline)
    assert second.segments[0].height == pytest.approx(heights["negotiation"])


@pytest.mark.parametrize("events", [3, 30])
def test_the_chart_takes_three_queries_whatever_the_number_of_events(
    django_assert_num_queries, events
):
    start = date(2025, 1, 1)
    types = ["negotiation", "military-strike", "casualty-report"]
    for n in range(events):
        event = make_event(type=types[n % 3], date_start=start + timedelta(days=n * 7))
        make_figure(event=event, low=n + 1)
        make_figure(event=event, low=n + 3)

    with django_assert_num_queries(3):
        chart = chart_of()

    assert chart.total_events == events
    assert chart.total_killed == sum(n + 1 for n in range(events))


# -- the SVG on the timeline page --------------------------------------------------------


def timeline(client, **params):
    return client.get(reverse("timeline:timeline"), params)


def chart_html(response) -> str:
    match = re.search(r'<div class="chart" id="chart">.*?</details>\s*</div>', response.text, re.S)
    assert match, "no chart on the page"
    return match.group(0)


def test_the_page_draws_stacked_bars_in_type_colours_with_tooltips_and_links(client):
    for _ in range(2):
        make_event(type="military-strike", date_start=date(2025, 7, 6))
    deaths = make_event(type="casualty-report", date_start=date(2025, 7, 6))
    make_figure(event=deaths, low=30, qualifier="more-than")
    make_event(type="negotiation", date_start=date(2025, 7, 8))

    html = chart_html(timeline(client, sort="-date"))

    assert re.search(r'<svg[^>]* width="100%" viewBox="0 0 800 \d+"', html)
    assert 'aria-labelledby="chart-title-1"' in html and 'aria-describedby="chart-desc"' in html
    assert (
        '<title id="chart-title-1">Events per day by type, 6 Jul 2025 – 8 Jul 2025</title>'
    ) in unescape(html)
    # Colours come from the types' classes (/types.css), which the dark theme lightens.
    assert 'class="chart-bar type-military-strike"' in html
    assert 'class="chart-bar type-casualty-report"' in html
    assert 'class="chart-bar type-negotiation"' in html
    assert 'fill="#' not in html
    assert "<title>6 Jul 2025: 1 event, Casualty report</title>" in unescape(html)
    links = re.findall(r'<a href="([^"]+)" tabindex="-1" data-hx-get="([^"]+)"', html)
    assert len(links) == 3  # a type on 6 July, two on 8 July; the empty 7 July has none
    href, hx_get = links[0]
    assert href == hx_get
    assert QueryDict(unescape(href).lstrip("?")).dict() == {
        "sort": "-date",
        "from": "2025-07-06",
        "to": "2025-07-06",
        "type": "military-strike",
    }
    assert 'data-hx-target="#timeline-layout"' in html and 'data-hx-push-url="true"' in html
    assert "killed, as claimed in sources (each event once, by the low bound" in html.lower()


def test_the_legend_pairs_each_colour_with_its_symbol_and_name(client):
    make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_event(type="ceasefire", date_start=date(2025, 7, 7))

    html = unescape(chart_html(timeline(client)))

    legend = re.search(r'<ul class="inline-list chart-legend".*?</ul>', html, re.S).group(0)
    assert re.search(
        r'type-swatch type-military-strike" aria-hidden="true">✸</span> Military', legend
    )
    assert re.search(r'type-swatch type-ceasefire" aria-hidden="true">◯</span> Ceasefire', legend)
    assert "Negotiation" not in legend  # only types present in the chart


def test_the_data_table_lists_each_bucket_with_events_and_a_link(client):
    make_event(type="blockade", date_start=date(2025, 7, 6))
    make_event(type="blockade", date_start=date(2025, 7, 9))

    html = unescape(chart_html(timeline(client, type="blockade")))

    table = re.search(r"<table.*?</table>", html, re.S).group(0)
    rows = re.findall(r'<th scope="row"><a href="([^"]+)"[^>]*>([^<]+)</a>', table)
    assert [label for _, label in rows] == ["6 Jul 2025", "9 Jul 2025"]
    assert rows[1][0] == "?type=blockade&from=2025-07-09&to=2025-07-09"
    assert "Chart data: 2 days with events" in html


def test_the_chart_follows_the_filter_and_counts_every_page_not_just_the_first(client):
    for n in range(60):
        make_event(type="statement", date_start=date(2025, 7, 1) + timedelta(days=n % 5))
    make_event(type="blockade", date_start=date(2025, 7, 2))

    html = unescape(chart_html(timeline(client, type="statement")))

    assert "Events per day by type" in html
    assert "60 events in 5 of 5 days; events by type: 60 Statement." in html
    assert "blockade" not in html.lower()


def test_the_htmx_fragment_carries_the_chart(client):
    make_event(date_start=date(2025, 7, 6))
    response = client.get(reverse("timeline:timeline"), HTTP_HX_REQUEST="true")
    assert "<html" not in response.text
    assert 'id="chart"' in response.text


def test_no_chart_when_nothing_matches_or_the_filter_is_bad(client):
    make_event(type="negotiation", date_start=date(2025, 7, 6))
    assert 'id="chart"' not in timeline(client, type="blockade").text
    bad = timeline(client, **{"from": "not-a-date"})
    assert bad.status_code == 400
    assert 'id="chart"' not in bad.text


def test_chart_text_from_the_database_is_escaped(client):
    from timeline.models import EventType

    EventType.objects.filter(slug="blockade").update(name='<script>alert("x")</script>')
    make_event(type="blockade", date_start=date(2025, 7, 6))

    html = chart_html(timeline(client))

    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_page_queries_do_not_grow_with_the_number_of_events_charted(client):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert timeline(client).status_code == 200
        return len(captured)

    for n in range(3):
        make_event(type="military-strike", date_start=date(2025, 1, 1) + timedelta(days=n))
    few = page_queries()
    for n in range(40):
        event = make_event(type="casualty-report", date_start=date(2025, 2, 1) + timedelta(n))
        make_figure(event=event, low=n + 1)
    assert page_queries() == few


def test_killed_totals_say_which_are_dataset_codings_and_which_claims():
    coded = make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_figure(event=coded, basis="coding", low=4, attributed_to="ACLED")
    other_coded = make_event(type="military-strike", date_start=date(2025, 7, 7))
    make_figure(event=other_coded, basis="coding", low=0, attributed_to="ACLED")
    ucdp = make_event(type="armed-clash", date_start=date(2025, 7, 7))
    make_figure(event=ucdp, basis="coding", low=3, best=5, high=8, attributed_to="UCDP")
    claimed = make_event(type="casualty-report", date_start=date(2025, 7, 7))
    make_figure(event=claimed, low=30, qualifier="more-than", attributed_to="Hospital")
    make_figure(event=claimed, low=38, attributed_to="Ministry")

    chart = chart_of()

    parts = {part.source: (part.total, part.events) for part in chart.killed_parts}
    assert parts == {"ACLED": (4, 2), "UCDP": (3, 1), "": (30, 1)}
    assert chart.total_killed == 37
    assert chart.killed_summary == (
        "4 killed as coded by ACLED; 3 as coded by UCDP; 30 as claimed in sources"
    )
    assert chart.killed_label.startswith(
        "Killed, as coded by ACLED or as coded by UCDP or as claimed in sources"
    )
    days = by_start(chart)
    assert days[date(2025, 7, 7)].killed_cells == [0, 3, 30]
    assert days[date(2025, 7, 6)].killed_cells == [4, None, None]
    assert "4 killed as coded by ACLED; 3 as coded by UCDP; 30 as claimed" in chart.description


def test_an_event_coded_and_claimed_counts_once_by_its_lowest_figure():
    both = make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_figure(event=both, low=30, qualifier="more-than", attributed_to="Hospital")
    make_figure(event=both, basis="coding", low=12, attributed_to="ACLED")
    tie = make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_figure(event=tie, low=5, attributed_to="Army")
    make_figure(event=tie, basis="coding", low=5, attributed_to="ACLED")

    chart = chart_of()

    assert chart.total_killed == 17  # 12 + 5: never 42, never both of a tie
    assert [(part.source, part.total) for part in chart.killed_parts] == [("ACLED", 17)]
    assert chart.killed_summary == "17 killed as coded by ACLED"


def test_the_chart_table_and_legend_name_what_the_killed_figures_count(client):
    coded = make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_figure(event=coded, basis="coding", low=17512, attributed_to="ACLED")
    claimed = make_event(type="casualty-report", date_start=date(2025, 7, 6))
    make_figure(event=claimed, low=38, attributed_to="Hospital officials")

    html = unescape(chart_html(timeline(client)))

    assert '<th scope="col">Killed as coded by ACLED</th>' in html
    assert '<th scope="col">Killed as claimed in sources</th>' in html
    assert "(17,512 killed as coded by ACLED; 38 as claimed in sources)" in html


def test_a_coding_with_no_dataset_named_is_not_counted_as_a_claim():
    event = make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_figure(event=event, basis="coding", low=2, attributed_to="")
    claimed = make_event(type="military-strike", date_start=date(2025, 7, 6))
    make_figure(event=claimed, low=1000000, attributed_to="Hospital")

    chart = chart_of()

    assert [(part.source, part.total) for part in chart.killed_parts] == [
        ("an unnamed dataset", 2),
        ("", 1000000),
    ]
