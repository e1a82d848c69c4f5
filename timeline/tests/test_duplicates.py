"""One duplicate score for the queue and find_duplicates; merging pairs above a score."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from timeline.duplicates import likely_pairs, score, sketches
from timeline.models import DatasetRecord, Event
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_location,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def strikes():
    gaza = make_location(slug="gaza", name="Gaza")
    israel = make_actor(name="Israel")
    first = make_event(
        type="military-strike", title="Israeli strike on Gaza school", location=gaza,
        actors=[israel], date_start=date(2025, 7, 6),
    )  # fmt: skip
    second = make_event(
        type="military-strike", title="Strike hits school in Gaza", location=gaza,
        actors=[israel], date_start=date(2025, 7, 6), status=Event.Status.PROPOSED,
    )  # fmt: skip
    return first, second


def match(a: Event, b: Event):
    drawn = sketches(Event.objects.select_related("location").filter(pk__in=[a.pk, b.pk]))
    return score(drawn[a.pk], drawn[b.pk])


def test_same_type_day_place_and_actors_score_high(strikes):
    result = match(*strikes)
    assert result.score >= 0.8
    assert "same place" in result.reasons


def test_different_types_or_dates_never_match(strikes):
    first, _ = strikes
    other_day = make_event(
        type="military-strike", date_start=date(2025, 7, 9), location=first.location
    )
    other_type = make_event(
        type="armed-clash", date_start=first.date_start, location=first.location
    )
    assert match(first, other_day).score == 0
    assert match(first, other_type).score == 0


def test_the_same_quote_is_certain_and_statements_need_one():
    article = make_article(text="Hamas said it accepted. Israel said it refused.")
    a = make_event(type="statement", title="Hamas accepts")
    b = make_event(type="statement", title="Hamas accepts offer")
    c = make_event(type="statement", title="Hamas accepts the offer")
    make_evidence(event=a, article=article, quote="Hamas said it accepted")
    make_evidence(
        event=b,
        article=make_article(text="Hamas said it accepted. More."),
        quote="Hamas said it accepted",
    )
    assert match(a, b).score == 1.0
    assert match(a, c).score == 0  # two statements on one day are two utterances


def test_two_rows_of_one_dataset_are_never_paired(strikes):
    for event in strikes:
        DatasetRecord.objects.create(event=event, dataset="acled", record_id=str(event.pk), row={})
    assert match(*strikes).score == 0


def test_two_imported_rows_of_one_dataset_are_never_paired_even_without_records(strikes):
    for event in strikes:
        event.external_id = f"acled:PSE{event.pk}"
        event.save()
    assert match(*strikes).score == 0


def test_find_duplicates_lists_pairs_with_the_queue_score(strikes):
    out = StringIO()
    call_command("find_duplicates", stdout=out)
    first, second = strikes
    text = out.getvalue()
    assert f"{match(first, second).score:.2f}  {first.slug}  ←  {second.slug}" in text
    assert "1 likely duplicate pair(s)" in text


def test_merge_above_merges_into_the_published_event_and_records_it(strikes):
    first, second = strikes
    make_evidence(event=second)
    call_command("find_duplicates", "--merge-above", "0.7", stdout=StringIO())
    second.refresh_from_db()
    assert second.merged_into == first and second.status == Event.Status.REJECTED
    assert first.evidence.count() == 1
    assert second.history.latest().history_change_reason.startswith("Duplicate (find_duplicates")
    assert likely_pairs() == []


def test_merge_above_a_higher_score_merges_nothing(strikes):
    out = StringIO()
    call_command("find_duplicates", "--merge-above", "0.99", stdout=out)
    assert "Merged 0" in out.getvalue()
    assert not Event.objects.filter(merged_into__isnull=False).exists()


def test_a_bad_score_is_a_clear_error():
    with pytest.raises(CommandError, match="not a score"):
        call_command("find_duplicates", "--merge-above", "high")
    with pytest.raises(CommandError, match="from 0 to 1"):
        call_command("find_duplicates", "--min", "3")
