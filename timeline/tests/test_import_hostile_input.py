"""import_fixtures against hostile input: files from outside the fixture's folder, deep
nesting, NUL and control characters, lone surrogates. Each is refused with the file and
the record named, and nothing is written (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from timeline.tests.test_importing import (
    RAW_ARTICLE,
    fixture,
    row_counts,
    write_json,
    write_yaml,
)

pytestmark = pytest.mark.django_db


def refused(*paths: Path) -> str:
    """The import's error message; fails the test if the import succeeded."""
    with pytest.raises(CommandError) as caught:
        call_command("import_fixtures", *[str(path) for path in paths])
    return str(caught.value)


def fixture_with_text_file(folder: Path, text_file: str) -> Path:
    data = fixture()
    data["articles"][0].pop("text")
    data["articles"][0]["text_file"] = text_file
    data["events"] = []
    return write_json(folder / "fixture.json", data)


@pytest.fixture
def folders(tmp_path):
    """A fixture folder, and beside it a secret the fixture must not be able to read."""
    inside = tmp_path / "fixtures"
    inside.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    return inside, secret


# --- text_file stays inside the fixture's folder ----------------------------------------


def test_text_file_with_dot_dot_is_refused(folders):
    inside, _ = folders
    before = row_counts()
    message = refused(fixture_with_text_file(inside, "../secret.txt"))
    assert 'article "wire-report"' in message
    assert "leads out of the fixture's folder" in message
    assert row_counts() == before


def test_text_file_with_dot_dot_inside_the_folder_is_refused_too(folders):
    inside, _ = folders
    (inside / "sub").mkdir()
    (inside / "report.txt").write_text("Officials said talks began in Doha on Monday.")
    message = refused(fixture_with_text_file(inside, "sub/../report.txt"))
    assert "'..'" in message


def test_absolute_text_file_is_refused(folders):
    inside, secret = folders
    message = refused(fixture_with_text_file(inside, str(secret)))
    assert "is an absolute path" in message
    assert "root:x:0" not in message


def test_etc_passwd_through_many_dot_dots_is_refused(folders):
    inside, _ = folders
    before = row_counts()
    message = refused(fixture_with_text_file(inside, "../../../../../../../../etc/passwd"))
    assert "leads out of the fixture's folder" in message
    assert row_counts() == before


def test_text_file_symlink_pointing_outside_the_folder_is_refused(folders):
    inside, secret = folders
    (inside / "report.txt").symlink_to(secret)
    before = row_counts()
    message = refused(fixture_with_text_file(inside, "report.txt"))
    assert "outside the fixture's folder" in message
    assert row_counts() == before


def test_text_file_in_a_symlinked_subfolder_pointing_outside_is_refused(folders, tmp_path):
    inside, _ = folders
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "report.txt").write_text("Officials said talks began in Doha on Monday.")
    (inside / "sub").symlink_to(elsewhere, target_is_directory=True)
    message = refused(fixture_with_text_file(inside, "sub/report.txt"))
    assert "outside the fixture's folder" in message


def test_text_file_symlink_staying_inside_the_folder_is_read(folders):
    inside, _ = folders
    from timeline.tests.test_importing import ARTICLE_TEXT

    (inside / "real.txt").write_text(ARTICLE_TEXT)
    (inside / "report.txt").symlink_to(inside / "real.txt")
    call_command("import_fixtures", str(fixture_with_text_file(inside, "report.txt")))
    from timeline.models import Article

    assert Article.objects.get(slug="wire-report").text == ARTICLE_TEXT


def test_text_file_that_is_a_fifo_is_refused_without_waiting_for_a_writer(folders):
    inside, _ = folders
    os.mkfifo(inside / "report.txt")
    message = refused(fixture_with_text_file(inside, "report.txt"))
    assert "is not a regular file" in message


def test_text_file_that_is_a_device_is_refused(folders):
    inside, _ = folders
    try:
        os.mknod(inside / "report.txt", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("creating a device node needs root")
    message = refused(fixture_with_text_file(inside, "report.txt"))
    assert "is not a regular file" in message


def test_text_file_that_is_a_folder_is_refused(folders):
    inside, _ = folders
    (inside / "report.txt").mkdir()
    message = refused(fixture_with_text_file(inside, "report.txt"))
    assert 'article "wire-report"' in message


def test_a_link_in_a_fixture_folder_leading_outside_it_is_refused(folders):
    inside, secret = folders
    (inside / "evil.txt").symlink_to(secret)
    write_json(inside / "fixture.json", fixture())
    before = row_counts()
    message = refused(inside)
    assert "evil.txt" in message
    assert "outside" in message
    assert row_counts() == before


# --- bad characters and shapes, named --------------------------------------------------


def test_json_nested_100000_deep_is_a_named_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"events": ' + "[" * 100_000 + "]" * 100_000 + "}")
    before = row_counts()
    message = refused(path)
    assert str(path) in message
    assert "nested too deeply" in message
    assert row_counts() == before


def test_yaml_nested_100000_deep_is_a_named_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("events: " + "[" * 100_000 + "]" * 100_000 + "\n")
    message = refused(path)
    assert str(path) in message
    assert "nest" in message  # libyaml's own limit, or ours when libyaml is missing


def test_jsonl_line_nested_100000_deep_is_a_named_error(tmp_path):
    path = tmp_path / "articles.jsonl"
    path.write_text('{"title": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    message = refused(path)
    assert f"{path}: line 1" in message
    assert "nested too deeply" in message


def test_lone_surrogate_in_a_json_title_is_named_with_its_record(tmp_path):
    data = fixture()
    data["events"][0]["title"] = "Talks \ud800 begin"
    path = tmp_path / "bad.json"
    # json.dumps writes it as the escape "\ud800", which json.loads turns back into one.
    path.write_text(json.dumps(data))
    before = row_counts()
    message = refused(path)
    assert "events[0].title" in message
    assert "lone surrogate (U+D800)" in message
    assert row_counts() == before


@pytest.mark.parametrize(
    ("where", "character", "described"),
    [
        ("title", "\x00", "NUL character (U+0000)"),
        ("text", "\x00", "NUL character (U+0000)"),
        ("title", "\x07", "control character (U+0007)"),
        ("text", "\x1b", "control character (U+001B)"),
    ],
)
def test_nul_and_control_characters_in_json_are_named_with_their_record(
    tmp_path, where, character, described
):
    data = fixture()
    data["articles"][0][where] = data["articles"][0][where] + character
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))  # as the escapes "\u0000", "\u0007"
    before = row_counts()
    message = refused(path)
    assert f"articles[0].{where}" in message
    assert described in message
    assert row_counts() == before


def test_nul_in_yaml_is_named_with_its_line(tmp_path):
    data = fixture()
    data["events"][1]["title"] = "12 killed\x00 on Sunday"
    path = write_yaml(tmp_path / "bad.yaml", data)
    assert "\\0" in path.read_text()  # written as YAML's escape, not a raw NUL
    before = row_counts()
    message = refused(path)
    assert "events[1].title (line" in message
    assert "NUL character" in message
    assert row_counts() == before


def test_raw_nul_byte_in_a_fixture_file_is_named_with_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("articles:\n  - title: a\x00b\n")
    message = refused(path)
    assert "NUL character (U+0000) at line 2, column 13" in message


def test_nul_in_a_raw_txt_article_is_named_with_the_article(tmp_path):
    path = tmp_path / "report.txt"
    path.write_text(RAW_ARTICLE.replace("started talks", "started\x00 talks"))
    before = row_counts()
    message = refused(path)
    assert 'article "report"' in message
    assert "NUL character (U+0000) at line 1" in message
    assert row_counts() == before


def test_nul_in_a_text_file_is_named_with_the_article(tmp_path):
    (tmp_path / "report.txt").write_text("Officials said\x00 talks began in Doha on Monday.")
    message = refused(fixture_with_text_file(tmp_path, "report.txt"))
    assert 'article "wire-report"' in message
    assert "NUL character" in message


@pytest.mark.parametrize(
    ("escape", "described"),
    [("\\u0000", "NUL character"), ("\\ud800", "lone surrogate"), ("\\u0008", "control")],
)
def test_bad_characters_in_a_jsonl_body_are_named_with_the_line(tmp_path, escape, described):
    good = {
        "url": "",
        "title": "Talks",
        "published": "2025-07-07",
        "outlet": "Wire",
        "body": "Talks began.",
    }
    bad = json.dumps({**good, "title": "Other"}).replace("Talks began.", f"Talks{escape} began.")
    path = tmp_path / "articles.jsonl"
    path.write_text(json.dumps(good) + "\n" + bad + "\n")
    before = row_counts()
    message = refused(path)
    assert f"{path}: line 2" in message
    assert described in message
    assert row_counts() == before


def test_tabs_and_line_breaks_are_still_welcome(tmp_path):
    data = fixture()
    data["articles"][0]["text"] = data["articles"][0]["text"] + "\r\n\tIndented."
    call_command("import_fixtures", str(write_json(tmp_path / "ok.json", data)))
