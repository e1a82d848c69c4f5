"""The public history of an event: who changed what, when and why, in words; revert."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from timeline.editorial import EditorialError, merge, revert, save_edit, set_status
from timeline.history import event_history
from timeline.history_fields import editorial_change
from timeline.models import Event, Figure
from timeline.roles import make_editor
from timeline.tests.factories import make_article, make_event, make_evidence, make_figure

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    user, _ = make_editor(username="ana", reviewer=True)
    user.first_name, user.last_name = "Ana", "Costa"
    user.save()
    return user


@pytest.fixture
def casualty_report(editor):
    event = make_event(type="casualty-report", title="Killed in Gaza", status=Event.Status.PROPOSED)
    make_evidence(event=event, article=make_article(outlet="BBC"))
    make_figure(event=event, low=30, qualifier=Figure.Qualifier.MORE_THAN)
    set_status(events=[event], status=Event.Status.PUBLISHED, user=editor, reason="Checked")
    event.refresh_from_db()
    return event


def test_a_changed_figure_reads_as_old_to_new_with_claimant_and_reason(
    client, editor, casualty_report
):
    with editorial_change(user=editor, reason="later report"):
        figure = casualty_report.figures.get()
        figure.low, figure.qualifier = 38, Figure.Qualifier.AT_LEAST
        figure.attributed_to = "Gaza health ministry"
        figure.save()
    page = client.get(casualty_report.get_absolute_url()).content.decode()
    assert "Killed: more than 30 → at least 38, per Gaza health ministry" in page
    assert "reason: later report" in page
    assert "<strong>Published</strong>" in page and "reason: Checked" in page


def test_the_creation_entry_names_the_source(client, casualty_report):
    entries = event_history(casualty_report)
    created = entries[-1]
    assert created.headline == "Proposed"
    assert any(
        line.startswith("Source added: “Article") and "(BBC, 7 Jul 2025)" in line
        for line in created.lines
    )


def test_the_editor_is_an_editor_unless_names_are_shown(client, settings, editor, casualty_report):
    page = client.get(casualty_report.get_absolute_url()).content.decode()
    assert "by an editor" in page and "Ana Costa" not in page
    settings.HISTORY_SHOW_EDITOR_NAMES = True
    assert "by Ana Costa" in client.get(casualty_report.get_absolute_url()).content.decode()


def test_a_merge_shows_on_the_surviving_event(client, editor, casualty_report):
    duplicate = make_event(
        type="casualty-report", title="Deaths reported in Gaza", status=Event.Status.PROPOSED
    )
    make_evidence(event=duplicate, article=make_article(outlet="Al Jazeera"))
    merge(event=duplicate, into=casualty_report, user=editor, reason="Same report")
    entries = event_history(casualty_report)
    assert entries[0].headline == "Merged a duplicate into this event"
    assert entries[0].reason == "Same report"
    assert any("Merged in: “Deaths reported in Gaza”" in line for line in entries[0].lines)
    assert any(
        line.startswith("Source added:") and "Al Jazeera" in line for line in entries[0].lines
    )


def test_an_edit_from_a_stale_copy_does_not_change_the_status(editor):
    event = make_event(status=Event.Status.PROPOSED)
    stale = Event.objects.get(pk=event.pk)
    set_status(events=[event], status=Event.Status.PUBLISHED, user=editor, reason="Checked")
    stale.title = "Edited"
    save_edit(event=stale, user=editor, reason="Clearer")
    event.refresh_from_db()
    assert event.status == Event.Status.PUBLISHED and event.title == "Edited"


def test_revert_restores_fields_and_figures_as_a_new_reasoned_change(editor, casualty_report):
    version = casualty_report.history.order_by("-history_date").first()  # as published
    casualty_report.title = "Wrong title"
    save_edit(event=casualty_report, user=editor, reason="Typo")
    with editorial_change(user=editor, reason="Bad number"):
        casualty_report.figures.get().delete()
    with pytest.raises(EditorialError):
        revert(event=casualty_report, history_id=version.history_id, user=editor, reason="")
    revert(event=casualty_report, history_id=version.history_id, user=editor, reason="Undo")
    casualty_report.refresh_from_db()
    assert casualty_report.title == "Killed in Gaza"
    assert casualty_report.figures.get().amount == "more than 30"
    assert event_history(casualty_report)[0].reason == "Undo"


def test_staff_see_a_revert_button_and_the_public_does_not(client, editor, casualty_report):
    casualty_report.title = "Second title"
    save_edit(event=casualty_report, user=editor, reason="Clearer")
    assert (
        "Revert to this version"
        not in client.get(casualty_report.get_absolute_url()).content.decode()
    )
    client.force_login(editor)
    page = client.get(casualty_report.get_absolute_url()).content.decode()
    assert "Revert to this version" in page
    assert reverse("review:revert", args=[casualty_report.pk]) in page


def test_an_event_with_no_history_says_where_it_was_recorded_from(client):
    event = make_event(title="Imported")
    Event.history.filter(id=event.pk).delete()  # as a bulk import leaves it
    make_evidence(event=event, article=make_article(title="ACLED row", outlet="ACLED"))
    Event.history.filter(id=event.pk).delete()
    from timeline.models import Evidence

    Evidence.history.all().delete()
    page = client.get(event.get_absolute_url()).content.decode()
    assert "from “ACLED row” (ACLED); no changes since." in page


def test_the_event_page_takes_the_same_queries_for_2_or_30_versions(
    client, editor, casualty_report, django_assert_num_queries
):
    client.force_login(User.objects.create_user("reader", password="x"))
    url = casualty_report.get_absolute_url()
    response = client.get(url)
    with django_assert_num_queries(11) as few:
        client.get(url)
    for n in range(30):
        casualty_report.title = f"Title {n}"
        save_edit(event=casualty_report, user=editor, reason=f"Edit {n}")
        make_figure(event=casualty_report, low=n)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("reason: Edit") == 30
