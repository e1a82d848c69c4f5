"""Only news is read by the extractor: never a dataset record's note."""

import pytest
from django.core.management import call_command

from timeline.models import Article, DatasetRecord, Event
from timeline.tests.factories import make_article, make_event

NOTE = "This event occurred following the expiration of the first phase of the ceasefire. Total fatalities coded as 4."  # noqa: E501


@pytest.mark.django_db
def test_news_leaves_out_articles_holding_a_dataset_records_note():
    news = make_article(slug="wire-story")
    note = make_article(slug="some-note", text=NOTE)
    DatasetRecord.objects.create(
        event=make_event(), dataset="acled", record_id="PSE1", row={}, article=note
    )
    assert list(Article.objects.news()) == [news]


@pytest.mark.django_db
def test_news_leaves_out_acled_and_ucdp_note_slugs_until_importers_link_their_records():
    news = make_article(slug="acled-analysis-of-the-war")
    make_article(slug="acled-pse12345", text=NOTE)
    make_article(slug="ucdp-98765", text=NOTE)
    assert list(Article.objects.news()) == []
    news.slug = "analysis-of-the-war"
    news.save()
    assert list(Article.objects.news()) == [news]


@pytest.mark.django_db
def test_propose_events_all_proposes_nothing_from_dataset_notes():
    make_article(slug="acled-pse1", text=NOTE)
    note = make_article(slug="note-with-record", text=NOTE)
    DatasetRecord.objects.create(
        event=make_event(), dataset="acled", record_id="PSE2", row={}, article=note
    )
    before = Event.objects.count()
    call_command("propose_events", "--all")
    assert Event.objects.count() == before
