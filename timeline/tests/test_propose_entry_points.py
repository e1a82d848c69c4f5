"""The ways an operator or editor asks for proposals: import_fixtures --propose, .jsonl
articles through import_fixtures, and the admin action on articles."""

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from timeline.models import Article, Event

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def gazetteer():
    call_command("import_fixtures", str(FIXTURES / "gazetteer.yaml"), verbosity=0)


def write_raw_seed(folder: Path) -> Path:
    target = folder / "doha.txt"
    shutil.copy(FIXTURES / "2025-07-07-doha-talks.txt", target)
    return target


def test_import_fixtures_propose_creates_proposed_events_from_raw_articles(
    tmp_path, gazetteer, capsys
):
    raw = write_raw_seed(tmp_path)
    call_command("import_fixtures", str(raw), "--propose")
    out = capsys.readouterr().out
    assert "Proposed" in out
    article = Article.objects.get(slug="doha")
    proposed = Event.objects.filter(evidence__article=article).distinct()
    assert proposed.count() >= 8
    assert set(proposed.values_list("status", flat=True)) == {Event.Status.PROPOSED}
    for event in proposed:
        for evidence in event.evidence.all():
            assert article.text[evidence.start : evidence.end] == evidence.quote


def test_without_propose_raw_articles_get_no_events(tmp_path, gazetteer):
    call_command("import_fixtures", str(write_raw_seed(tmp_path)), verbosity=0)
    assert Article.objects.filter(slug="doha").exists()
    assert not Event.objects.exists()


def test_propose_on_a_dry_run_writes_nothing(tmp_path, gazetteer):
    call_command("import_fixtures", str(write_raw_seed(tmp_path)), "--propose", "--dry-run")
    assert not Article.objects.filter(slug="doha").exists()
    assert not Event.objects.exists()


def test_json_lines_articles_import_through_import_fixtures(tmp_path):
    lines = tmp_path / "wire.jsonl"
    rows = [
        {
            "url": "https://example.org/a",
            "title": "Talks resume in Cairo",
            "published": "2025-08-01",
            "outlet": "Example Wire",
            "body": "Talks resumed in Cairo on Friday.",
        },
        {
            "url": "https://example.org/b",
            "title": "Aid convoy enters Gaza",
            "published": "2025-08-02",
            "outlet": "Example Wire",
            "body": "An aid convoy entered Gaza on Saturday.",
        },
    ]
    lines.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    call_command("import_fixtures", str(lines), verbosity=0)
    assert set(Article.objects.values_list("slug", flat=True)) == {
        "talks-resume-in-cairo-2025-08-01",
        "aid-convoy-enters-gaza-2025-08-02",
    }
    call_command("import_fixtures", str(lines), verbosity=0)
    assert Article.objects.count() == 2


def test_a_bad_json_line_is_named_and_nothing_is_written(tmp_path):
    lines = tmp_path / "bad.jsonl"
    good = {
        "url": "https://example.org/a",
        "title": "A",
        "published": "2025-08-01",
        "outlet": "W",
        "body": "Text.",
    }
    lines.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"bad\.jsonl.*line 2"):
        call_command("import_fixtures", str(lines), verbosity=0)
    assert not Article.objects.exists()


def test_admin_action_proposes_events_from_selected_articles(admin_client, tmp_path, gazetteer):
    call_command("import_fixtures", str(write_raw_seed(tmp_path)), verbosity=0)
    article = Article.objects.get(slug="doha")
    response = admin_client.post(
        reverse("admin:timeline_article_changelist"),
        {"action": "propose_events", "_selected_action": [article.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Proposed" in response.text
    assert Event.objects.filter(status=Event.Status.PROPOSED).count() >= 8
