"""Edge cases of a dataset re-import's fast path (an unchanged ACLED row is counted from its
id, timestamp and fatalities without being parsed), as an operator sees them."""

from __future__ import annotations

import gzip

import pytest
from django.db import connection

from timeline.datasets import acled, base
from timeline.datasets.base import DatasetImportError, import_dataset
from timeline.models import DatasetRecord, Event
from timeline.tests.test_import_acled import write_rows
from timeline.tests.test_import_chunks import counts, foreign_keys, indexes, rows

pytestmark = pytest.mark.django_db


def load(path, chunk_rows: int = 10_000, **options):
    return import_dataset(acled.FORMAT, path=path, chunk_rows=chunk_rows, **options)


def test_a_file_of_unchanged_rows_and_a_bad_changed_row_is_refused_naming_its_line(tmp_path):
    load(write_rows(tmp_path / "first.csv", rows(5)), chunk_rows=2)
    before = counts()
    file = rows(5)
    file[3].update(timestamp="1800000000", latitude="north")  # line 5

    with pytest.raises(DatasetImportError, match=r"line 5 \(TST4\): latitude 'north'"):
        load(write_rows(tmp_path / "again.csv", file), chunk_rows=2)

    assert counts() == before


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_a_crlf_file_with_a_bom_reimports_unchanged(tmp_path, compress):
    """Excel's CSV (BOM, CRLF) and gzip read as the plain file: its re-import is all
    unchanged, whichever of the two forms came first."""
    plain = write_rows(tmp_path / "plain.csv", rows(4))
    load(plain)
    data = b"\xef\xbb\xbf" + plain.read_bytes().replace(b"\n", b"\r\n")
    other = tmp_path / ("excel.csv.gz" if compress else "excel.csv")
    other.write_bytes(gzip.compress(data) if compress else data)
    before = counts()

    result = load(other)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert counts() == before


def test_notes_with_a_newline_across_a_decode_block_are_read_whole_and_reimport_unchanged(
    tmp_path, monkeypatch
):
    file = rows(6)
    for n, row in enumerate(file):
        row["notes"] = f'Line one of {n}\r\nline two, "quoted"\nline three in Testville.'
    path = write_rows(tmp_path / "notes.csv", file)
    for block in (7, 61, 97, 1 << 20):
        monkeypatch.setattr(base, "BLOCK_BYTES", block)
        DatasetRecord.objects.all().delete()
        Event.objects.all().delete()
        load(path, chunk_rows=4)
        stored = sorted(r.row["notes"] for r in DatasetRecord.objects.all())
        assert stored == sorted(row["notes"] for row in file), block
        result = load(path, chunk_rows=4)
        assert (result.created, result.updated, result.unchanged) == (0, 0, 6), block


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no bulk mode")
def test_a_refused_bulk_import_leaves_every_key_and_index_it_had_suspended(tmp_path, monkeypatch):
    keys, every_index = foreign_keys(), indexes()
    monkeypatch.setattr(base, "BULK_ROWS", 1)
    file = rows(6)
    file[5]["latitude"] = "north"  # line 7, the third chunk
    during = []

    def progress(seen, total):
        during.append((foreign_keys() == keys, indexes() == every_index))

    with pytest.raises(DatasetImportError):
        load(write_rows(tmp_path / "bad.csv", file), chunk_rows=2, bulk=True, progress=progress)

    assert (False, False) in during  # the import had suspended them
    assert (foreign_keys(), indexes()) == (keys, every_index)
    assert not Event.objects.exists()


def test_a_row_whose_timestamp_is_stored_is_left_as_stored_whatever_its_other_cells(tmp_path):
    """ACLED's timestamp is its revision (README: a row whose id and timestamp are stored
    is counted unchanged without being parsed)."""
    load(write_rows(tmp_path / "first.csv", rows(3)))
    file = rows(3)
    file[1]["notes"] = "Edited by hand, timestamp kept."
    result = load(write_rows(tmp_path / "edited.csv", file))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert DatasetRecord.objects.get(record_id="TST2").row["notes"] != file[1]["notes"]
