"""Dataset imports stream their file in chunks, in one transaction (issue 11).

Each test imports with a tiny chunk size, so that chunk boundaries fall inside a handful of
rows: what a refused import leaves (nothing), what a re-import creates (nothing), what a
changed row becomes, how actors seen across chunks are typed, and how many queries an
import makes (constant in the number of rows a chunk holds).
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from timeline.datasets import acled, base
from timeline.datasets.base import DatasetImportError, import_dataset
from timeline.models import (
    Actor,
    Article,
    DatasetRecord,
    Event,
    EventActor,
    Evidence,
    Figure,
    Location,
    Outlet,
    SearchDocument,
)
from timeline.search import matching
from timeline.tests.test_import_acled import nothing_written, synthetic_row, write_rows

pytestmark = pytest.mark.django_db

TABLES = (Event, Article, Evidence, Figure, Actor, Location, Outlet, DatasetRecord, EventActor)


def rows(count: int, prefix: str = "TST", **changes) -> list[dict[str, str]]:
    return [synthetic_row(f"{prefix}{n}", **changes) for n in range(1, count + 1)]


def load(path, chunk_rows: int, **options):
    return import_dataset(acled.FORMAT, path=path, chunk_rows=chunk_rows, **options)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TABLES}


def test_a_bad_row_in_the_second_chunk_writes_nothing(tmp_path):
    file = rows(5)
    file[3]["latitude"] = "north"  # line 5, in the second chunk of two rows
    path = write_rows(tmp_path / "bad.csv", file)

    with pytest.raises(DatasetImportError) as refused:
        load(path, chunk_rows=2)

    assert "line 5 (TST4): latitude 'north' is not a number" in str(refused.value)
    assert nothing_written()


def test_bad_rows_in_several_chunks_are_all_named_in_line_order(tmp_path):
    file = rows(7)
    file[1]["fatalities"] = "many"  # line 3, first chunk
    file[6]["time_precision"] = "9"  # line 8, fourth chunk
    path = write_rows(tmp_path / "bad.csv", file)

    with pytest.raises(DatasetImportError) as refused:
        load(path, chunk_rows=2)

    assert [problem.line for problem in refused.value.problems] == [3, 8]
    assert nothing_written()


def test_an_id_repeated_in_a_later_chunk_names_both_lines(tmp_path):
    file = rows(4)
    file[3]["event_id_cnty"] = "TST1"
    path = write_rows(tmp_path / "repeat.csv", file)

    with pytest.raises(DatasetImportError, match=r"line 5 \(TST1\): repeats the id of line 2"):
        load(path, chunk_rows=2)
    assert nothing_written()


def test_skip_bad_across_chunks_writes_the_good_rows_of_every_chunk(tmp_path):
    file = rows(5)
    file[3]["latitude"] = "north"
    path = write_rows(tmp_path / "bad.csv", file)

    result = load(path, chunk_rows=2, skip_bad=True)

    assert (result.created, [p.line for p in result.skipped]) == (4, [5])
    assert set(Event.objects.values_list("external_id", flat=True)) == {
        "acled:TST1",
        "acled:TST2",
        "acled:TST3",
        "acled:TST5",
    }


def test_chunked_and_whole_imports_write_the_same(tmp_path):
    file = rows(5)
    file[1].update(actor1="Other Army", source="Wire A; Wire B")
    path = write_rows(tmp_path / "rows.csv", file)

    with transaction.atomic():
        load(path, chunk_rows=2)
        chunked = snapshot()
        transaction.set_rollback(True)
    assert nothing_written()
    load(path, chunk_rows=100)

    assert snapshot() == chunked


def snapshot():
    return sorted(
        (
            event.external_id,
            event.title,
            event.outlet_count,
            event.location.name,
            tuple(
                sorted(
                    (link.actor.name, link.side, link.role, link.associated)
                    for link in event.event_actors.all()
                )
            ),
            tuple(sorted(o.name for e in event.evidence.all() for o in e.article.outlets.all())),
        )
        for event in Event.objects.select_related("location")
    )


def test_a_reimport_in_chunks_creates_nothing_and_keeps_every_id(tmp_path):
    path = write_rows(tmp_path / "rows.csv", rows(5))
    load(path, chunk_rows=2)
    before = counts()
    ids = {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Event, Article, Evidence, DatasetRecord, SearchDocument)
    }

    result = load(path, chunk_rows=2)

    assert (result.created, result.updated, result.unchanged, result.rows) == (0, 0, 5, 5)
    assert result.deaths == 10
    assert counts() == before
    assert ids == {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (Event, Article, Evidence, DatasetRecord, SearchDocument)
    }


def test_a_changed_row_in_a_later_chunk_is_updated_in_place(tmp_path):
    path = write_rows(tmp_path / "rows.csv", rows(5))
    load(path, chunk_rows=2)
    event = Event.objects.get(external_id="acled:TST5")
    changed = rows(5)
    changed[4].update(
        timestamp="1800000000",
        fatalities="7",
        notes="On 2 January 2025, a convoy was shelled near Testville.",
    )

    result = load(write_rows(tmp_path / "changed.csv", changed), chunk_rows=2)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    event.refresh_from_db()
    assert event.external_timestamp == 1800000000
    assert event.figures.get().low == 7
    assert event.evidence.get().article.text.startswith("On 2 January 2025, a convoy")
    assert list(matching(Event.objects.all(), "convoy")) == [event]
    assert Event.objects.count() == 5


def test_an_actor_first_associated_then_main_in_a_later_chunk_gets_the_main_type(tmp_path):
    file = rows(4)
    file[0].update(assoc_actor_1="Testland Militia")  # chunk 1: associated, no type
    file[3].update(actor2="Testland Militia", inter2="Political militia")  # chunk 2: main

    load(write_rows(tmp_path / "rows.csv", file), chunk_rows=2)

    militia = Actor.objects.get(name="Testland Militia")
    assert (militia.acled_type, militia.kind) == ("Political militia", "armed-group")


def test_an_actor_only_ever_associated_takes_its_sides_most_common_kind(tmp_path):
    file = rows(5)
    file[0].update(assoc_actor_1="Helpers")  # side A: state forces -> state
    for row in file[2:]:  # three times on side B, rebels -> armed-group, in later chunks
        row.update(assoc_actor_2="Helpers")

    load(write_rows(tmp_path / "rows.csv", file), chunk_rows=2)

    helpers = Actor.objects.get(name="Helpers")
    assert (helpers.acled_type, helpers.kind) == ("", "armed-group")


def queries(path, chunk_rows: int) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        load(path, chunk_rows=chunk_rows)
    return [query["sql"] for query in captured.captured_queries]


def test_an_import_makes_as_many_queries_for_three_rows_a_chunk_as_for_nine(tmp_path):
    # Places, actors and outlets exist already: a new one costs its own save.
    load(write_rows(tmp_path / "first.csv", rows(1, prefix="SEED")), chunk_rows=10)

    three = queries(write_rows(tmp_path / "three.csv", rows(3, prefix="A")), chunk_rows=3)
    nine = queries(write_rows(tmp_path / "nine.csv", rows(9, prefix="B")), chunk_rows=9)

    assert len(three) == len(nine)
    assert Event.objects.count() == 13


def test_a_reimport_of_unchanged_rows_reads_the_stored_revisions_once(tmp_path):
    path = write_rows(tmp_path / "nine.csv", rows(9))
    load(path, chunk_rows=3)

    again = queries(path, chunk_rows=3)

    lookups = [sql for sql in again if "timeline_datasetrecord" in sql]
    assert len(lookups) == 2  # how many records are stored; then all of them, once
    assert not [sql for sql in again if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_a_small_file_beside_many_stored_records_looks_up_one_chunk_at_a_time(
    tmp_path, monkeypatch
):
    path = write_rows(tmp_path / "nine.csv", rows(9))
    load(path, chunk_rows=3)
    monkeypatch.setattr(base, "READ_ALL_STORED", -1_000_000)  # "many" for nine rows

    again = queries(path, chunk_rows=3)

    lookups = [sql for sql in again if "timeline_datasetrecord" in sql]
    assert len(lookups) == 1 + 3  # how many are stored; then each chunk's own
    assert not [sql for sql in again if sql.lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_the_import_itself_analyzes_the_tables_after_writing_and_not_when_unchanged(tmp_path):
    path = write_rows(tmp_path / "rows.csv", rows(3))

    first = queries(path, chunk_rows=2)
    again = queries(path, chunk_rows=2)

    assert any("ANALYZE" in sql and "timeline_event" in sql for sql in first)
    assert not any("ANALYZE" in sql for sql in again)


def test_progress_goes_by_chunk_and_ends_at_the_rows_read(tmp_path):
    path = write_rows(tmp_path / "rows.csv", rows(5))
    calls = []

    load(path, chunk_rows=2, progress=lambda done, total: calls.append((done, total)))

    assert [done for done, _ in calls] == [2, 4, 5, 5]
    assert all(done <= total for done, total in calls)
    assert calls[-1] == (5, 5)


def foreign_keys() -> list[tuple]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated"
            " FROM pg_constraint WHERE contype = 'f' ORDER BY 1, 2"
        )
        return cursor.fetchall()


def indexes() -> list[tuple]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            " ORDER BY 1"
        )
        return cursor.fetchall()


def test_a_very_large_import_writes_the_same_and_keeps_every_foreign_key_and_index(
    tmp_path, monkeypatch
):
    keys, every_index = foreign_keys(), indexes()
    path = write_rows(tmp_path / "rows.csv", rows(5))
    load(path, chunk_rows=2)
    usual = counts()
    Event.objects.all().delete()  # what the usual import wrote, gone but for its names
    DatasetRecord.objects.all().delete()
    monkeypatch.setattr(base, "BULK_ROWS", 1)  # five rows is "very large"

    load(path, chunk_rows=2, bulk=True)

    assert counts() == usual
    assert foreign_keys() == keys
    assert indexes() == every_index
    assert matching(Event.objects.all(), "Testville").count() == 5  # searchable
    assert keys or connection.vendor != "postgresql"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no bulk mode")
@pytest.mark.parametrize("bulk", [False, True])
def test_only_an_import_asked_to_load_in_bulk_suspends_keys_and_indexes(
    tmp_path, monkeypatch, bulk
):
    """Suspended keys and indexes lock the tables against every reader until COMMIT: a
    large import does it only when the operator asks (--bulk), never by its size alone."""
    keys, every_index = foreign_keys(), indexes()
    monkeypatch.setattr(base, "BULK_ROWS", 1)
    during = []

    def progress(seen, total):
        during.append((foreign_keys() == keys, indexes() == every_index))

    load(write_rows(tmp_path / "rows.csv", rows(5)), chunk_rows=2, bulk=bulk, progress=progress)

    assert during[1] == (not bulk, not bulk)  # after the first chunk that wrote
    assert (foreign_keys(), indexes()) == (keys, every_index)


def test_a_bad_row_in_a_very_large_import_writes_nothing_and_keeps_the_keys(tmp_path, monkeypatch):
    keys, every_index = foreign_keys(), indexes()
    file = rows(5)
    file[4]["latitude"] = "north"
    monkeypatch.setattr(base, "BULK_ROWS", 1)

    with pytest.raises(DatasetImportError):
        load(write_rows(tmp_path / "bad.csv", file), chunk_rows=2, bulk=True)

    assert nothing_written()
    assert foreign_keys() == keys
    assert indexes() == every_index


@pytest.mark.parametrize(
    ("first", "second"),
    [("1000", "1000"), ("1000", "2000"), ("2000", "1000"), ("2000", "2000")],
    ids=["unchanged-twice", "unchanged-then-changed", "changed-then-unchanged", "changed-twice"],
)
@pytest.mark.parametrize("read_all", [True, False], ids=["all-stored-read", "per-chunk"])
def test_a_reimport_refuses_an_id_repeated_whether_or_not_its_rows_changed(
    tmp_path, monkeypatch, first, second, read_all
):
    load(write_rows(tmp_path / "first.csv", rows(4, timestamp="1000")), chunk_rows=2)
    before = counts()
    file = rows(4, timestamp="1000")
    file[0]["timestamp"] = first
    file[3] = synthetic_row("TST1", timestamp=second)  # line 5, second chunk
    if not read_all:
        monkeypatch.setattr(base, "READ_ALL_STORED", -1_000_000)

    with pytest.raises(DatasetImportError, match=r"line 5 \(TST1\): repeats the id of line 2"):
        load(write_rows(tmp_path / "again.csv", file), chunk_rows=2)

    assert counts() == before
    assert set(DatasetRecord.objects.values_list("revision", flat=True)) == {1000}
