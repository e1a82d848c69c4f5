"""Proposing events from stored articles, the propose_events command, JSON Lines articles."""

import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from timeline.gazetteer_data import build_gazetteer
from timeline.importing.article_lines import (
    ArticleLinesError,
    import_article_lines,
    load_article_lines,
)
from timeline.importing.fixture_format import FixtureError
from timeline.models import Article, Event, EventActor, EventType, Evidence, Figure
from timeline.proposing import ProposingError, propose_for_articles
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_location,
)

TEXT = (
    "Hospital officials in Gaza said more than 30 people were killed on Sunday.\n\n"
    "Just in the past 24 hours, the Israeli military says it struck 130 Hamas targets "
    "across the Gaza Strip.\n\n"
    "Israel and Hamas have started a delegation-level indirect round of ceasefire talks "
    "in Doha, mediated by Qatar."
)


@pytest.fixture
def gazetteer_rows(db):
    """The actors and places the article names, as editors would have entered them."""
    return {
        "israel": make_actor(
            slug="israel", name="Israel", aliases="Israeli\nIsraeli military\nIDF"
        ),
        "hamas": make_actor(slug="hamas", name="Hamas", kind="armed-group"),
        "qatar": make_actor(slug="qatar", name="Qatar", aliases="Qatari"),
        "gaza-strip": make_location(
            slug="gaza-strip", name="Gaza Strip", kind="region", aliases="Gaza"
        ),
        "doha": make_location(slug="doha", name="Doha"),
    }


@pytest.fixture
def article(gazetteer_rows):
    return make_article(slug="wire-2025-07-07", text=TEXT, published=date(2025, 7, 7))


def test_gazetteer_holds_every_actor_and_location_name_and_alias(gazetteer_rows):
    gazetteer = build_gazetteer()
    found = {(m.text, m.kind, m.slug) for m in gazetteer.find("The IDF hit Gaza; Qatari envoys")}
    assert found == {
        ("IDF", "actor", "israel"),
        ("Gaza", "location", "gaza-strip"),
        ("Qatari", "actor", "qatar"),
    }


def test_alias_added_by_an_editor_is_used_by_the_next_run(gazetteer_rows):
    text = "The Islamic Jihad said it fired rockets at Israel on Sunday."
    hamas = gazetteer_rows["hamas"]
    assert not [m for m in build_gazetteer().find(text) if m.slug == "hamas"]
    hamas.aliases = "Islamic Resistance Movement\nIslamic Jihad"
    hamas.save()
    [mention] = [m for m in build_gazetteer().find(text) if m.slug == "hamas"]
    assert mention.text == "Islamic Jihad"
    later = make_article(text=text, published=date(2025, 7, 7))
    propose_for_articles(articles=[later])
    event = Event.objects.get(evidence__article=later)
    assert "hamas" in set(event.actors.values_list("slug", flat=True))


def test_proposals_are_written_as_proposed_events_with_exact_offsets(article):
    summary = propose_for_articles(articles=[article])
    events = Event.objects.filter(evidence__article=article).distinct()
    assert summary.events_proposed == events.count() >= 3
    assert summary.evidence_attached == summary.unchanged == 0
    assert {e.type.slug for e in events} >= {"casualty-report", "military-strike", "negotiation"}
    for event in events:
        assert event.status == Event.Status.PROPOSED
        assert 0 < event.confidence <= 1
        assert event.reported_on == article.published
        assert event.slug.endswith(event.date_start.isoformat())
        for evidence in event.evidence.all():
            assert evidence.quote == article.text[evidence.start : evidence.end]
    deaths = events.get(type__slug="casualty-report")
    assert (deaths.date_start, deaths.location.slug) == (date(2025, 7, 6), "gaza-strip")
    figure = deaths.figures.get()
    assert (figure.kind, figure.low, figure.high, figure.qualifier) == (
        "killed",
        30,
        None,
        "more-than",
    )
    assert figure.attributed_to == "Hospital officials in Gaza"
    assert figure.evidence.event == deaths
    assert "killed" in figure.evidence.quote
    strike = events.get(type__slug="military-strike")
    roles = set(strike.event_actors.values_list("actor__slug", "role"))
    assert {("israel", "initiator"), ("hamas", "target")} <= roles
    assert strike.figures.get().kind == "targets-struck"
    talks = events.get(type__slug="negotiation")
    assert ("qatar", "mediator") in set(talks.event_actors.values_list("actor__slug", "role"))


def test_proposed_events_are_hidden_from_the_public_and_shown_to_staff_who_ask(
    article, client, django_user_model
):
    propose_for_articles(articles=[article])
    proposed = Event.objects.filter(status=Event.Status.PROPOSED)
    assert proposed.exists()
    public = client.get("/").content.decode()
    for event in proposed:
        assert f'data-event="{event.slug}"' not in public
    staff = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(staff)
    page = client.get("/", {"status": "proposed"}).content.decode()
    for event in proposed:
        assert f'data-event="{event.slug}"' in page


def test_proposal_of_a_stored_event_adds_evidence_instead_of_a_new_event(gazetteer_rows):
    curated = make_event(
        slug="gaza-hospital-deaths-2025-07-06",
        type="casualty-report",
        date_start=date(2025, 7, 6),
        location=gazetteer_rows["gaza-strip"],
        actors=[(gazetteer_rows["israel"], "initiator")],
    )
    make_evidence(event=curated)  # from another article
    text = "Hospital officials in Gaza said 31 people were killed on Sunday."
    article = make_article(text=text, published=date(2025, 7, 7))
    before = Event.objects.count()

    summary = propose_for_articles(articles=[article])

    assert (summary.events_proposed, summary.evidence_attached) == (0, 1)
    assert Event.objects.count() == before
    evidence = curated.evidence.get(article=article)
    assert evidence.quote == text[evidence.start : evidence.end] == text
    assert curated.evidence.count() == 2
    curated.refresh_from_db()
    assert curated.status == Event.Status.PUBLISHED


def test_span_already_evidence_of_the_stored_event_is_not_attached_again(gazetteer_rows):
    text = "Hospital officials in Gaza said 31 people were killed on Sunday."
    article = make_article(text=text, published=date(2025, 7, 7))
    curated = make_event(type="casualty-report", date_start=date(2025, 7, 6))
    make_evidence(event=curated, article=article, quote=text)

    summary = propose_for_articles(articles=[article])

    assert (summary.events_proposed, summary.evidence_attached, summary.unchanged) == (0, 0, 1)
    assert Evidence.objects.filter(article=article).count() == 1


def test_rerunning_on_the_same_article_writes_nothing(article):
    first = propose_for_articles(articles=[article])
    counts = (Event.objects.count(), Evidence.objects.count(), Figure.objects.count())

    again = propose_for_articles(articles=[article])

    assert (again.events_proposed, again.evidence_attached, again.figures) == (0, 0, 0)
    assert again.unchanged == first.events_proposed
    assert (Event.objects.count(), Evidence.objects.count(), Figure.objects.count()) == counts


def test_a_failure_on_any_article_writes_nothing_for_all_of_them(article):
    other = make_article(text="Israel and Hamas held talks in Doha on Sunday.")
    EventType.objects.filter(slug="casualty-report").delete()
    with pytest.raises(ProposingError, match="casualty-report"):
        propose_for_articles(articles=[other, article])
    assert not Event.objects.exists()
    assert not Evidence.objects.exists()


def test_two_proposals_with_the_same_title_and_date_get_distinct_slugs(gazetteer_rows):
    # Titles stop at about 100 characters, so two sentences that differ later share one.
    text = (
        "Israel and Hamas held talks in Doha on Sunday, the first round of the summer after "
        "weeks of stalled diplomacy in the region, "
    )
    propose_for_articles(articles=[make_article(text=f"{text}officials said.")])
    first = Event.objects.get(type__slug="negotiation")
    # Unlinked from its place and actors, the first event no longer matches the second.
    Event.objects.update(location=None)
    EventActor.objects.all().delete()
    propose_for_articles(articles=[make_article(text=f"{text}diplomats said.")])
    second = Event.objects.exclude(pk=first.pk).get(type__slug="negotiation")
    assert second.title == first.title and second.date_start == first.date_start
    assert second.slug == f"{first.slug}-2"


# --- the propose_events command --------------------------------------------------------


def test_command_names_the_unknown_slug_and_writes_nothing(article, capsys):
    with pytest.raises(CommandError, match="'no-such-article'"):
        call_command("propose_events", article.slug, "no-such-article")
    assert not Event.objects.exists()


def test_command_without_slugs_or_all_is_an_error(db):
    with pytest.raises(CommandError, match="--all"):
        call_command("propose_events")


def test_command_all_proposes_from_every_article_and_prints_a_summary(article, capsys):
    other = make_article(text="Israel and Hamas held talks in Doha on Sunday.")
    call_command("propose_events", "--all")
    out = capsys.readouterr().out
    assert Event.objects.filter(evidence__article=other).exists()
    assert Event.objects.filter(evidence__article=article).exists()
    events = Event.objects.count()
    assert f"Proposed {events} events" in out and "from 2 articles" in out
    call_command("propose_events", "--all")
    assert "Proposed 0 events" in capsys.readouterr().out
    assert Event.objects.count() == events


def test_command_with_a_slug_proposes_from_that_article_only(article, capsys):
    other = make_article(text="Israel and Hamas held talks in Doha on Sunday.")
    call_command("propose_events", other.slug)
    assert Event.objects.filter(evidence__article=other).exists()
    assert not Event.objects.filter(evidence__article=article).exists()
    assert "from 1 article;" in capsys.readouterr().out


# --- JSON Lines articles ---------------------------------------------------------------


def _line(**fields) -> str:
    record = {
        "url": "https://example.org/news/1",
        "title": "Israel and Hamas start indirect ceasefire talks in Qatar",
        "published": "2025-07-07",
        "outlet": "Example Wire",
        "body": "Israel and Hamas have started talks in Doha.\n\nMediators said so.",
    }
    record.update(fields)
    return json.dumps({k: v for k, v in record.items() if v is not None})


def _write(tmp_path, *lines: str, name: str = "articles.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_json_lines_articles_are_imported_with_exact_bodies_and_default_slugs(db, tmp_path):
    body = "Line one.\r\n\r\n  Line “two” — with a tab\t."
    path = _write(
        tmp_path,
        _line(body=body),
        "",
        _line(slug="given-slug", title="Other", dateline="Doha", language="ar", body="B."),
    )
    summary = import_article_lines(paths=[path])
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    first = Article.objects.get(
        slug="israel-and-hamas-start-indirect-ceasefire-talks-in-qatar-2025-07-07"
    )
    assert first.text == body
    assert (first.outlet, first.url, first.published) == (
        "Example Wire",
        "https://example.org/news/1",
        date(2025, 7, 7),
    )
    second = Article.objects.get(slug="given-slug")
    assert (second.dateline, second.language) == ("Doha", "ar")
    again = import_article_lines(paths=[path])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_default_slug_cuts_a_long_title_to_80_characters_then_adds_the_date(tmp_path):
    [spec] = load_article_lines(_write(tmp_path, _line(title="word " * 40)))
    stem, _, day = spec.slug.rpartition("-2025-07-07")
    assert len(stem) <= 80 and day == "" and spec.slug.endswith("-2025-07-07")


def test_a_changed_line_updates_its_article_in_place(db, tmp_path):
    import_article_lines(paths=[_write(tmp_path, _line(slug="a"))])
    summary = import_article_lines(paths=[_write(tmp_path, _line(slug="a", outlet="New"))])
    assert (summary.created, summary.updated) == (0, 1)
    assert Article.objects.get(slug="a").outlet == "New"


def test_bad_lines_are_each_named_with_file_and_line_and_nothing_is_written(db, tmp_path):
    path = _write(
        tmp_path,
        _line(slug="good"),
        "{not json",
        _line(slug="no-date", published="7 July 2025", body="Other text."),
        _line(slug="extra", body="More.")[:-1] + ', "author": "x"}',
        json.dumps({"title": "t"}),
    )
    with pytest.raises(ArticleLinesError) as raised:
        import_article_lines(paths=[path])
    message = str(raised.value)
    assert str(path) in message
    assert [line for line, _ in raised.value.problems] == [2, 3, 4, 5]
    assert "line 2: not valid JSON" in message
    assert "line 3: published '7 July 2025' is not a date" in message
    assert "line 4: unknown key author" in message
    assert "line 5: missing url, published, outlet, body" in message
    assert not Article.objects.exists()


def test_one_bad_line_is_named_in_the_error(tmp_path):
    path = _write(tmp_path, _line(), _line(slug="b", body=""))
    with pytest.raises(FixtureError, match=r"articles\.jsonl: line 2: body is empty"):
        load_article_lines(path)


def test_the_same_body_under_another_slug_is_reported_not_imported_twice(db, tmp_path):
    stored = make_article(slug="stored", text="Same body.\n\nWord for word.")
    path = _write(
        tmp_path,
        _line(slug="copy-of-stored", body=stored.text),
        _line(slug="new", body="Fresh text."),
        _line(slug="copy-of-new", body="Fresh text."),
    )
    summary = import_article_lines(paths=[path])
    assert summary.created == 1
    assert len(summary.duplicates) == 2
    assert "line 1" in summary.duplicates[0] and "'stored'" in summary.duplicates[0]
    assert "line 3" in summary.duplicates[1] and "'new'" in summary.duplicates[1]
    assert set(Article.objects.values_list("slug", flat=True)) == {"stored", "new"}
    assert "2 duplicate bodies skipped" in summary.one_line()


def test_a_dry_run_reports_what_would_be_imported_and_writes_nothing(db, tmp_path):
    summary = import_article_lines(paths=[_write(tmp_path, _line())], dry_run=True)
    assert summary.created == 1
    assert "Dry run" in summary.one_line()
    assert not Article.objects.exists()


def test_body_with_evidence_cannot_be_rewritten_by_a_later_line(db, tmp_path):
    import_article_lines(paths=[_write(tmp_path, _line(slug="a"))])
    article = Article.objects.get(slug="a")
    make_evidence(event=make_event(), article=article, quote="Mediators said so")
    path = _write(tmp_path, _line(slug="a", body="Rewritten body."))
    with pytest.raises(FixtureError, match=r"line 1 \(article \"a\"\): text: Evidence points"):
        import_article_lines(paths=[path])
    assert Article.objects.get(slug="a").text == article.text


def test_a_wire_copy_of_a_statement_is_attached_to_the_first_copys_event(gazetteer_rows):
    text = "Hamas said it had responded to the latest ceasefire proposal in a positive spirit."
    first = make_article(text=text)
    copy = make_article(text=f"By our correspondent.\n\n{text}")
    propose_for_articles(articles=[first])
    statement = Event.objects.get(type__slug="statement")

    summary = propose_for_articles(articles=[copy])

    assert (summary.events_proposed, summary.evidence_attached) == (0, 1)
    assert Event.objects.get(type__slug="statement") == statement
    evidence = statement.evidence.get(article=copy)
    assert copy.text[evidence.start : evidence.end] == evidence.quote
