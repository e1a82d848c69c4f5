"""import_fixtures: format checks, atomic upserts, idempotence, raw articles, evidence offsets."""

from __future__ import annotations

import copy
import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from timeline.importing.fixture_format import FixtureError
from timeline.importing.fixtures import import_fixture_paths
from timeline.models import (
    Actor,
    Article,
    Event,
    EventActor,
    EventType,
    Evidence,
    Figure,
    Location,
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

ALL_MODELS = (Article, Event, Evidence, Figure, EventActor, Actor, Location, EventType)

ARTICLE_TEXT = (
    "Officials said talks began in Doha on Monday. "
    "Hospital officials said 12 people were killed on Sunday.\n\n"
    "Officials said the talks would go on."
)

RAW_ARTICLE = (
    " date 2025-07-07 Tel Aviv, July 7 Israel and Hamas have started talks in Qatar.\n\n"
    "Hospital officials in Gaza said more than 30 people were killed on Sunday.\n"
)


def fixture() -> dict:
    """A valid fixture: gazetteer, one article, two events (the second carries a figure)."""
    return copy.deepcopy(
        {
            "actors": [
                {"name": "Israel", "kind": "state", "aliases": ["Israeli military", "IDF"]},
                {"name": "Hamas", "kind": "armed-group"},
            ],
            "locations": [
                {"name": "Palestine", "kind": "country"},
                {
                    "name": "Gaza Strip",
                    "kind": "region",
                    "parent": "Palestine",
                    "aliases": ["Gaza"],
                    "latitude": 31.42,
                    "longitude": 34.36,
                },
            ],
            "articles": [
                {
                    "slug": "wire-report",
                    "title": "Wire report",
                    "outlet": "Test Wire",
                    "published": "2025-07-07",
                    "dateline": "Gaza",
                    "text": ARTICLE_TEXT,
                }
            ],
            "events": [
                {
                    "slug": "talks",
                    "type": "negotiation",
                    "title": "Talks begin in Doha",
                    "date": "2025-07-07",
                    "location": "Gaza",
                    "actors": ["Israel", {"actor": "Hamas", "role": "party"}],
                    "evidence": [
                        {
                            "article": "wire-report",
                            "quote": "talks began in Doha on Monday",
                            "attributed_to": "Officials",
                        }
                    ],
                },
                {
                    "slug": "deaths",
                    "type": "casualty-report",
                    "title": "12 killed on Sunday",
                    "date": {"start": "2025-07-06", "end": "2025-07-07", "precision": "day"},
                    "location": "Gaza Strip",
                    "actors": [{"actor": "israeli military", "role": "initiator"}],
                    "figures": [
                        {
                            "kind": "killed",
                            "low": 12,
                            "qualifier": "exact",
                            "attributed_to": "Hospital officials",
                            "evidence": 1,
                        }
                    ],
                    "evidence": [
                        {
                            "article": "wire-report",
                            "quote": "Hospital officials said 12 people were killed on Sunday",
                            "attributed_to": "Hospital officials, via Test Wire",
                        }
                    ],
                },
            ],
        }
    )


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def write_json(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def run(*paths: Path, dry_run: bool = False) -> str:
    out = StringIO()
    args = [str(path) for path in paths] + (["--dry-run"] if dry_run else [])
    call_command("import_fixtures", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def existing_rows():
    """Rows already in the database, so that 'untouched' means more than 'still empty'."""
    article = make_article(slug="older-article", text="An older report. It said things.")
    event = make_event(slug="older-event", actors=[make_actor(slug="older-actor")])
    make_evidence(event=event, article=article, quote="An older report")
    make_figure(event=event)
    make_location(slug="older-place")
    return row_counts()


# --- the happy path -------------------------------------------------------------------


def test_yaml_fixture_imports_gazetteer_article_and_events_with_offsets(tmp_path):
    out = run(write_yaml(tmp_path / "events.yaml", fixture()))

    assert "Imported 1 article (1 created), 2 events (2 created)" in out
    article = Article.objects.get(slug="wire-report")
    assert article.text == ARTICLE_TEXT
    assert article.published == date(2025, 7, 7)
    deaths = Event.objects.get(slug="deaths")
    assert deaths.type.slug == "casualty-report"
    assert (deaths.date_start, deaths.date_end, deaths.date_precision) == (
        date(2025, 7, 6),
        date(2025, 7, 7),
        "day",
    )
    assert deaths.status == Event.Status.PUBLISHED
    assert deaths.location.slug == "gaza-strip"
    assert deaths.location.tree_path == "/palestine/gaza-strip/"
    assert [(ea.actor.slug, ea.role) for ea in deaths.event_actors.all()] == [
        ("israel", "initiator")
    ]
    evidence = deaths.evidence.get()
    assert evidence.quote == "Hospital officials said 12 people were killed on Sunday"
    assert ARTICLE_TEXT[evidence.start : evidence.end] == evidence.quote
    assert evidence.attributed_to == "Hospital officials, via Test Wire"
    figure = deaths.figures.get()
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == ("killed", 12, None, "exact")
    assert figure.evidence == evidence
    talks = Event.objects.get(slug="talks")
    assert {ea.actor.slug for ea in talks.event_actors.all()} == {"israel", "hamas"}
    assert set(talks.event_actors.values_list("role", flat=True)) == {"party"}


def test_json_and_yaml_fixtures_describe_the_same_records(tmp_path):
    run(write_json(tmp_path / "events.json", fixture()))

    summary = import_fixture_paths(paths=[write_yaml(tmp_path / "events.yaml", fixture())])

    assert Event.objects.count() == 2
    assert not summary.changed
    assert summary.events.unchanged == 2
    assert summary.evidence.unchanged == 2


def test_event_slug_defaults_to_slugified_title(tmp_path):
    data = fixture()
    del data["events"][0]["slug"]

    run(write_yaml(tmp_path / "f.yaml", data))

    assert Event.objects.filter(slug="talks-begin-in-doha").exists()


def test_plain_date_takes_a_precision_beside_it(tmp_path):
    data = fixture()
    data["events"][0]["precision"] = "approximate"

    run(write_yaml(tmp_path / "f.yaml", data))

    talks = Event.objects.get(slug="talks")
    assert (talks.date_start, talks.date_end, talks.date_precision) == (
        date(2025, 7, 7),
        None,
        "approximate",
    )


def test_child_location_listed_before_its_parent_is_saved_after_it(tmp_path):
    data = fixture()
    data["locations"].reverse()

    run(write_yaml(tmp_path / "f.yaml", data))

    assert Location.objects.get(slug="gaza-strip").tree_path == "/palestine/gaza-strip/"


def test_evidence_may_quote_an_article_already_in_the_database(tmp_path):
    make_article(slug="wire-report", text=ARTICLE_TEXT)
    data = fixture()
    del data["articles"]

    run(write_yaml(tmp_path / "f.yaml", data))

    evidence = Evidence.objects.get(event__slug="talks")
    assert evidence.article.slug == "wire-report"
    assert ARTICLE_TEXT[evidence.start : evidence.end] == "talks began in Doha on Monday"


def test_actors_and_locations_resolve_by_alias_case_insensitively(tmp_path):
    data = fixture()
    data["events"][0]["actors"] = ["idf", "HAMAS"]
    data["events"][0]["location"] = "gAzA"

    run(write_yaml(tmp_path / "f.yaml", data))

    talks = Event.objects.get(slug="talks")
    assert {ea.actor.slug for ea in talks.event_actors.all()} == {"israel", "hamas"}
    assert talks.location.slug == "gaza-strip"


def test_folders_are_searched_recursively_and_gazetteer_may_be_a_separate_file(tmp_path):
    data = fixture()
    gazetteer = {"actors": data.pop("actors"), "locations": data.pop("locations")}
    (tmp_path / "places").mkdir()
    write_yaml(tmp_path / "places" / "gazetteer.yml", gazetteer)
    write_yaml(tmp_path / "events.yaml", data)
    (tmp_path / "README.md").write_text("Not a fixture.")

    out = run(tmp_path)

    assert "from 2 files" in out
    assert Event.objects.count() == 2
    assert Actor.objects.count() == 2


# --- idempotence and updates ----------------------------------------------------------


def test_reimport_reports_everything_unchanged_and_keeps_ids(tmp_path):
    path = write_yaml(tmp_path / "f.yaml", fixture())
    run(path)
    evidence_ids = sorted(Evidence.objects.values_list("id", flat=True))
    figure_ids = sorted(Figure.objects.values_list("id", flat=True))
    updated = {e.slug: e.updated for e in Event.objects.all()}
    counts = row_counts()

    summary = import_fixture_paths(paths=[path])

    assert not summary.changed
    assert (summary.events.unchanged, summary.events.created, summary.events.updated) == (2, 0, 0)
    assert summary.evidence.unchanged == 2
    assert summary.figures.unchanged == 1
    assert summary.articles.unchanged == 1
    assert summary.actors.unchanged == 2
    assert summary.locations.unchanged == 2
    assert summary.one_line().startswith("Nothing changed: 1 article, 2 events")
    assert sorted(Evidence.objects.values_list("id", flat=True)) == evidence_ids
    assert sorted(Figure.objects.values_list("id", flat=True)) == figure_ids
    assert {e.slug: e.updated for e in Event.objects.all()} == updated
    assert row_counts() == counts


def test_reimport_of_unchanged_events_takes_the_same_queries_for_2_or_20_events(
    tmp_path, django_assert_max_num_queries
):
    def with_events(n: int) -> dict:
        data = fixture()
        template = data["events"][1]
        data["events"] = []
        for i in range(n):
            event = copy.deepcopy(template)
            event["slug"] = f"deaths-{i}"
            data["events"].append(event)
        return data

    small = write_yaml(tmp_path / "small.yaml", with_events(2))
    run(small)
    with CaptureQueriesContext(connection) as small_queries:
        import_fixture_paths(paths=[small])
    Event.objects.all().delete()
    large = write_yaml(tmp_path / "large.yaml", with_events(20))
    run(large)

    with django_assert_max_num_queries(len(small_queries)):
        import_fixture_paths(paths=[large])


def test_changed_event_is_updated_in_place(tmp_path):
    path = write_yaml(tmp_path / "f.yaml", fixture())
    run(path)
    deaths = Event.objects.get(slug="deaths")
    evidence_id = deaths.evidence.get().id
    data = fixture()
    data["events"][1]["title"] = "At least 12 killed on Sunday"
    data["events"][1]["figures"][0]["qualifier"] = "at-least"
    data["events"][1]["evidence"][0]["attributed_to"] = "Hospital officials"
    write_yaml(path, data)

    out = run(path)

    assert "2 events (1 updated, 1 unchanged)" in out
    deaths.refresh_from_db()
    assert deaths.title == "At least 12 killed on Sunday"
    assert Event.objects.count() == 2
    evidence = deaths.evidence.get()
    assert evidence.id == evidence_id
    assert evidence.attributed_to == "Hospital officials"
    figure = deaths.figures.get()
    assert figure.qualifier == "at-least"
    assert figure.evidence_id == evidence_id


def test_corrected_quote_keeps_its_evidence_id_and_removed_quote_is_deleted(tmp_path):
    data = fixture()
    data["events"][0]["evidence"].append(
        {"article": "wire-report", "quote": "the talks would go on"}
    )
    path = write_yaml(tmp_path / "f.yaml", data)
    run(path)
    first, second = Evidence.objects.filter(event__slug="talks").order_by("id")
    data["events"][0]["evidence"] = [
        {"article": "wire-report", "quote": "Officials said talks began in Doha on Monday"}
    ]
    write_yaml(path, data)

    summary = import_fixture_paths(paths=[path])

    (kept,) = Evidence.objects.filter(event__slug="talks")
    assert kept.id == first.id
    assert kept.quote == "Officials said talks began in Doha on Monday"
    assert (kept.start, kept.end) == (0, len(kept.quote))
    assert not Evidence.objects.filter(id=second.id).exists()
    assert (summary.evidence.updated, summary.evidence.deleted) == (1, 1)


def test_changed_actor_roles_are_replaced(tmp_path):
    path = write_yaml(tmp_path / "f.yaml", fixture())
    run(path)
    data = fixture()
    data["events"][0]["actors"] = [{"actor": "Israel", "role": "initiator"}]
    write_yaml(path, data)

    summary = import_fixture_paths(paths=[path])

    talks = Event.objects.get(slug="talks")
    assert [(ea.actor.slug, ea.role) for ea in talks.event_actors.all()] == [
        ("israel", "initiator")
    ]
    assert summary.events.updated == 1
    assert (summary.event_actors.created, summary.event_actors.deleted) == (1, 2)


def test_article_text_change_without_evidence_is_updated(tmp_path):
    make_article(slug="wire-report", text="An earlier draft.")
    data = fixture()
    del data["events"]

    run(write_yaml(tmp_path / "f.yaml", data))

    assert Article.objects.get(slug="wire-report").text == ARTICLE_TEXT


def test_article_text_change_under_evidence_is_refused(tmp_path):
    path = write_yaml(tmp_path / "f.yaml", fixture())
    run(path)
    counts = row_counts()
    data = fixture()
    data["articles"][0]["text"] = ARTICLE_TEXT.replace("Monday", "Tuesday")
    data["events"][0]["evidence"][0]["quote"] = "talks began in Doha on Tuesday"
    write_yaml(path, data)

    with pytest.raises(CommandError) as error:
        run(path)

    assert 'f.yaml: article "wire-report"' in str(error.value)
    assert "cannot be changed" in str(error.value)
    assert Article.objects.get(slug="wire-report").text == ARTICLE_TEXT
    assert row_counts() == counts


def test_dry_run_reports_what_would_happen_and_writes_nothing(tmp_path, existing_rows):
    out = run(write_yaml(tmp_path / "f.yaml", fixture()), dry_run=True)

    assert out.startswith("Dry run, nothing written: would import 1 article (1 created)")
    assert "2 events (2 created)" in out
    assert row_counts() == existing_rows


def test_dry_run_of_a_change_leaves_the_stored_record_as_it_was(tmp_path):
    path = write_yaml(tmp_path / "f.yaml", fixture())
    run(path)
    data = fixture()
    data["events"][0]["title"] = "Renamed"
    write_yaml(path, data)

    out = run(path, dry_run=True)

    assert "1 updated" in out
    assert Event.objects.get(slug="talks").title == "Talks begin in Doha"


# --- evidence quotes ------------------------------------------------------------------


def test_quote_found_twice_without_occurrence_is_rejected_with_the_count(tmp_path, existing_rows):
    data = fixture()
    data["events"][1]["evidence"][0]["quote"] = "Officials said"

    with pytest.raises(CommandError) as error:
        run(write_yaml(tmp_path / "f.yaml", data))

    message = str(error.value)
    assert 'f.yaml: event "deaths"' in message
    assert "evidence #1" in message
    assert "occurs 2 times" in message
    assert "occurrence:" in message
    assert row_counts() == existing_rows


def test_occurrence_picks_the_right_offsets(tmp_path):
    data = fixture()
    data["events"][1]["evidence"][0]["quote"] = "Officials said"
    data["events"][1]["evidence"][0]["occurrence"] = 2

    run(write_yaml(tmp_path / "f.yaml", data))

    evidence = Evidence.objects.get(event__slug="deaths")
    second = ARTICLE_TEXT.index("Officials said", 1)
    assert (evidence.start, evidence.end) == (second, second + len("Officials said"))
    assert ARTICLE_TEXT[evidence.start : evidence.end] == "Officials said"


def test_occurrence_beyond_the_count_is_rejected(tmp_path, existing_rows):
    data = fixture()
    data["events"][1]["evidence"][0]["quote"] = "Officials said"
    data["events"][1]["evidence"][0]["occurrence"] = 3

    with pytest.raises(CommandError) as error:
        run(write_yaml(tmp_path / "f.yaml", data))

    assert "occurs only 2 times" in str(error.value)
    assert row_counts() == existing_rows


# --- raw .txt articles ----------------------------------------------------------------


def test_raw_txt_article_imports_header_and_exact_body(tmp_path):
    raw = tmp_path / "2025-07-07-gaza-report.txt"
    raw.write_bytes(RAW_ARTICLE.encode("utf-8"))
    events = fixture()
    del events["articles"]
    events["events"] = events["events"][1:]
    quote = "Hospital officials in Gaza said more than 30 people were killed on Sunday"
    events["events"][0]["evidence"][0] = {"article": "2025-07-07-gaza-report", "quote": quote}

    run(raw, write_yaml(tmp_path / "events.yaml", events))

    article = Article.objects.get(slug="2025-07-07-gaza-report")
    body = RAW_ARTICLE.split("July 7 ", 1)[1]
    assert article.text == body
    assert article.published == date(2025, 7, 7)
    assert article.dateline == "Tel Aviv"
    assert article.title == "Israel and Hamas have started talks in Qatar"
    evidence = Evidence.objects.get(event__slug="deaths")
    assert (evidence.start, evidence.end) == (body.index(quote), body.index(quote) + len(quote))
    assert article.text[evidence.start : evidence.end] == quote


def test_text_file_referenced_by_a_fixture_is_not_also_imported_as_a_raw_article(tmp_path):
    (tmp_path / "report.txt").write_bytes(RAW_ARTICLE.encode("utf-8"))
    data = fixture()
    data["articles"][0] = {"slug": "curated", "title": "Curated", "text_file": "report.txt"}
    del data["events"]
    write_yaml(tmp_path / "articles.yaml", data)

    run(tmp_path)

    article = Article.objects.get()
    assert article.slug == "curated"
    # The header fills what the fixture left out; the body, not the header, is the text.
    assert article.published == date(2025, 7, 7)
    assert article.dateline == "Tel Aviv"
    assert article.text == RAW_ARTICLE.split("July 7 ", 1)[1]


def test_fixture_fields_win_over_the_text_file_header(tmp_path):
    (tmp_path / "report.txt").write_bytes(RAW_ARTICLE.encode("utf-8"))
    data = {
        "articles": [
            {
                "slug": "curated",
                "title": "Curated",
                "published": "2025-07-08",
                "dateline": "Jerusalem",
                "text_file": "report.txt",
            }
        ]
    }

    run(write_yaml(tmp_path / "articles.yaml", data))

    article = Article.objects.get()
    assert (article.published, article.dateline) == (date(2025, 7, 8), "Jerusalem")


def test_plain_text_file_without_a_header_is_the_whole_text(tmp_path):
    (tmp_path / "plain.txt").write_text("Line one.\r\nLine two.\n", newline="")
    data = {
        "articles": [
            {"slug": "plain", "title": "Plain", "published": "2025-07-07", "text_file": "plain.txt"}
        ]
    }

    run(write_yaml(tmp_path / "articles.yaml", data))

    assert Article.objects.get().text == "Line one.\r\nLine two.\n"


def test_raw_txt_already_stored_under_another_slug_is_rejected(tmp_path):
    raw = tmp_path / "report.txt"
    raw.write_bytes(RAW_ARTICLE.encode("utf-8"))
    make_article(slug="curated", text=RAW_ARTICLE.split("July 7 ", 1)[1])
    counts = row_counts()

    with pytest.raises(CommandError) as error:
        run(raw)

    assert 'report.txt: article "report"' in str(error.value)
    assert "already imported as article 'curated'" in str(error.value)
    assert row_counts() == counts


def test_raw_txt_with_a_bad_header_is_rejected(tmp_path, existing_rows):
    raw = tmp_path / "report.txt"
    raw.write_text("date 2025-13-07 Tel Aviv, July 7 Something happened.\n")

    with pytest.raises(CommandError) as error:
        run(raw)

    assert 'report.txt: article "report"' in str(error.value)
    assert "2025-13-07" in str(error.value)
    assert row_counts() == existing_rows


# --- bad input: every case names the file and the record, and writes nothing -------------


def _set(path: str, value):
    """A mutation that sets data[...path...] = value (path like 'events.1.figures.0.low')."""

    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str):
    def mutate(data: dict) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        del target[last]

    return mutate


BAD_FIXTURES = {
    "unknown top-level key": (_set("evnts", []), "top level", "unknown key 'evnts'"),
    "unknown article key": (
        _set("articles.0.author", "X"),
        'article "wire-report"',
        "unknown key 'author'",
    ),
    "unknown event key": (_set("events.1.when", "x"), 'event "deaths"', "unknown key 'when'"),
    "unknown figure key": (
        _set("events.1.figures.0.source", "x"),
        'event "deaths"',
        "figure #1: unknown key 'source'",
    ),
    "unknown evidence key": (
        _set("events.1.evidence.0.page", 2),
        'event "deaths"',
        "evidence #1: unknown key 'page'",
    ),
    "unknown date key": (
        _set("events.1.date.finish", "2025-07-08"),
        'event "deaths"',
        "unknown key 'finish'",
    ),
    "unknown actor key": (_set("actors.0.flag", "x"), 'actor "israel"', "unknown key 'flag'"),
    "unknown location key": (
        _set("locations.1.population", 1),
        'location "gaza-strip"',
        "unknown key 'population'",
    ),
    "impossible date": (_set("events.1.date", "2025-02-30"), 'event "deaths"', "not a real date"),
    "date in another format": (_set("events.1.date", "07/07/2025"), 'event "deaths"', "YYYY-MM-DD"),
    "date with a time": (
        _set("events.1.date", "2025-07-07T10:00:00"),
        'event "deaths"',
        "YYYY-MM-DD",
    ),
    "end before start": (
        _set("events.1.date", {"start": "2025-07-07", "end": "2025-07-01"}),
        'event "deaths"',
        "before start",
    ),
    "missing date": (_delete("events.1.date"), 'event "deaths"', "'date' is required"),
    "unknown precision": (
        _set("events.1.date.precision", "fortnight"),
        'event "deaths"',
        "unknown precision 'fortnight'",
    ),
    "precision in and beside date": (
        _set("events.1.precision", "day"),
        'event "deaths"',
        "not both",
    ),
    "low above high": (
        _set("events.1.figures.0.high", 5),
        'event "deaths"',
        "low 12 is above high 5",
    ),
    "negative figure": (_set("events.1.figures.0.low", -3), 'event "deaths"', "negative"),
    "figure as text": (_set("events.1.figures.0.low", "12"), 'event "deaths"', "whole number"),
    "figure evidence out of range": (
        _set("events.1.figures.0.evidence", 2),
        'event "deaths"',
        "not one of this event's evidence quotes",
    ),
    "unknown figure kind": (
        _set("events.1.figures.0.kind", "wounded"),
        'event "deaths"',
        "unknown kind 'wounded'",
    ),
    "unknown qualifier": (
        _set("events.1.figures.0.qualifier", "roughly"),
        'event "deaths"',
        "unknown qualifier 'roughly'",
    ),
    "duplicate event slug": (
        _set("events.0.slug", "deaths"),
        'event "deaths"',
        "duplicate event slug 'deaths'",
    ),
    "duplicate actor slug": (
        _set("actors.1.name", "israel"),
        'actor "israel"',
        "duplicate actor slug 'israel'",
    ),
    "bad slug": (_set("events.1.slug", "no spaces please"), "event", "may hold only letters"),
    "missing text_file": (
        _set("articles.0", {"slug": "wire-report", "title": "T", "text_file": "gone.txt"}),
        'article "wire-report"',
        "gone.txt does not exist",
    ),
    "both text and text_file": (
        _set("articles.0.text_file", "x.txt"),
        'article "wire-report"',
        "exactly one of",
    ),
    "article without published": (
        _delete("articles.0.published"),
        'article "wire-report"',
        "'published' is required",
    ),
    "unknown event type": (
        _set("events.1.type", "uprising"),
        'event "deaths"',
        "unknown event type 'uprising'",
    ),
    "unknown actor": (
        _set("events.1.actors", ["Hezbollah"]),
        'event "deaths"',
        "unknown actor 'Hezbollah'",
    ),
    "unknown role": (
        _set("events.1.actors.0.role", "victim"),
        'event "deaths"',
        "unknown role 'victim'",
    ),
    "actor listed twice": (
        _set("events.1.actors", ["Israel", "IDF"]),
        'event "deaths"',
        "listed twice",
    ),
    "unknown location": (
        _set("events.1.location", "Rafah"),
        'event "deaths"',
        "unknown location 'Rafah'",
    ),
    "unknown parent location": (
        _set("locations.1.parent", "Levant"),
        'location "gaza-strip"',
        "unknown location 'Levant'",
    ),
    "location inside itself": (
        _set("locations.0.parent", "Gaza Strip"),
        "location",
        "cannot be inside itself",
    ),
    "latitude without longitude": (
        _delete("locations.1.longitude"),
        'location "gaza-strip"',
        "both latitude and longitude",
    ),
    "unknown status": (
        _set("events.1.status", "draft"),
        'event "deaths"',
        "unknown status 'draft'",
    ),
    "quote not in article": (
        _set("events.1.evidence.0.quote", "Nobody said anything"),
        'event "deaths"',
        "quote not found in article 'wire-report'",
    ),
    "unknown article in evidence": (
        _set("events.1.evidence.0.article", "nowhere"),
        'event "deaths"',
        "unknown article 'nowhere'",
    ),
    "title as a number": (_set("events.1.title", 12), 'event "deaths"', "'title' must be text"),
    "actors not a list": (
        _set("events.1.actors", "Israel"),
        'event "deaths"',
        "'actors' must be a list",
    ),
    "event not a mapping": (_set("events.1", "deaths"), "event #2", "must be a mapping"),
    "events not a list": (_set("events", {"deaths": {}}), "events", "must be a list"),
    # Checked only by the model's full_clean(), after the gazetteer was already saved.
    "title too long for the model": (
        _set("events.1.title", "x" * 600),
        'event "deaths"',
        "title:",
    ),
}


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("case", BAD_FIXTURES.keys())
def test_bad_fixture_is_rejected_naming_file_and_record_and_nothing_is_written(
    tmp_path, existing_rows, case, fmt
):
    mutate, record, problem = BAD_FIXTURES[case]
    data = fixture()
    mutate(data)
    write = write_yaml if fmt == "yaml" else write_json
    path = write(tmp_path / f"bad.{fmt}", data)

    with pytest.raises(CommandError) as error:
        run(path)

    message = str(error.value)
    assert f"bad.{fmt}: " in message
    assert record in message
    assert problem in message
    assert row_counts() == existing_rows


def test_service_raises_fixture_error_with_file_record_and_problem(tmp_path):
    data = fixture()
    data["events"][1]["type"] = "uprising"
    path = write_yaml(tmp_path / "bad.yaml", data)

    with pytest.raises(FixtureError) as error:
        import_fixture_paths(paths=[path])

    assert error.value.file == str(path)
    assert error.value.record.startswith('event "deaths"')
    assert "unknown event type 'uprising'" in error.value.problem


def test_duplicate_slug_across_files_names_both_files(tmp_path, existing_rows):
    write_yaml(tmp_path / "a.yaml", fixture())
    second = fixture()
    del second["actors"], second["locations"], second["events"]
    second["articles"][0]["title"] = "Another wire report"
    write_yaml(tmp_path / "b.yaml", second)

    with pytest.raises(CommandError) as error:
        run(tmp_path)

    message = str(error.value)
    assert 'b.yaml: article "wire-report"' in message
    assert "duplicate article slug 'wire-report'" in message
    assert "a.yaml" in message
    assert row_counts() == existing_rows


def test_malformed_yaml_names_the_line(tmp_path, existing_rows):
    path = tmp_path / "broken.yaml"
    path.write_text("events:\n  - slug: a\n    title: [unclosed\n  - slug: b\n")

    with pytest.raises(CommandError) as error:
        run(path)

    assert "broken.yaml: not valid YAML (line " in str(error.value)
    assert row_counts() == existing_rows


def test_duplicate_yaml_key_is_rejected_with_its_line(tmp_path, existing_rows):
    path = tmp_path / "twice.yaml"
    path.write_text("events:\n  - slug: a\n    title: One\n    title: Two\n")

    with pytest.raises(CommandError) as error:
        run(path)

    assert "twice.yaml: not valid YAML (line 4, column 5): duplicate key 'title'" in str(
        error.value
    )
    assert row_counts() == existing_rows


def test_impossible_yaml_date_is_rejected_with_its_line(tmp_path, existing_rows):
    data = fixture()
    path = write_yaml(tmp_path / "dates.yaml", data)
    path.write_text(path.read_text().replace("'2025-07-07'", "2025-02-30", 1))

    with pytest.raises(CommandError) as error:
        run(path)

    assert "dates.yaml: not valid YAML (line" in str(error.value)
    assert "'2025-02-30' is not a real date" in str(error.value)
    assert row_counts() == existing_rows


def test_malformed_json_names_the_line(tmp_path, existing_rows):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "events": [\n    {"slug": "a",}\n  ]\n}\n')

    with pytest.raises(CommandError) as error:
        run(path)

    assert "broken.json: not valid JSON (line 3" in str(error.value)
    assert row_counts() == existing_rows


def test_error_in_the_second_file_leaves_the_first_unimported(tmp_path, existing_rows):
    good = fixture()
    write_yaml(tmp_path / "a-good.yaml", good)
    bad = {"events": [dict(good["events"][0], slug="other", location="Atlantis")]}
    write_yaml(tmp_path / "b-bad.yaml", bad)

    with pytest.raises(CommandError) as error:
        run(tmp_path)

    assert 'b-bad.yaml: event "other"' in str(error.value)
    assert row_counts() == existing_rows


def test_ambiguous_alias_is_rejected_naming_both_actors(tmp_path, existing_rows):
    data = fixture()
    data["actors"][1]["aliases"] = ["IDF"]
    data["events"][1]["actors"] = ["IDF"]

    with pytest.raises(CommandError) as error:
        run(write_yaml(tmp_path / "f.yaml", data))

    assert 'f.yaml: event "deaths"' in str(error.value)
    assert "actor 'IDF' is ambiguous: it names hamas, israel" in str(error.value)
    assert row_counts() == existing_rows


def test_nonexistent_path_is_an_error(tmp_path, existing_rows):
    with pytest.raises(CommandError) as error:
        run(tmp_path / "missing.yaml")

    assert "missing.yaml: no such file or folder" in str(error.value)
    assert row_counts() == existing_rows


def test_folder_without_fixture_files_is_an_error(tmp_path):
    (tmp_path / "notes.md").write_text("nothing here")

    with pytest.raises(CommandError) as error:
        run(tmp_path)

    assert "no fixture files" in str(error.value)


def test_empty_fixture_file_is_an_error(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n")

    with pytest.raises(CommandError) as error:
        run(path)

    assert "empty.yaml: the file is empty" in str(error.value)
