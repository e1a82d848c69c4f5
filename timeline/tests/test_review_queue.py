"""The review queue: what a card shows, the actions and their outcomes, paging, filters,
and a query count that does not grow with the number of proposals."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from timeline.models import Event, Evidence, Figure, Outlet
from timeline.review import queue
from timeline.roles import make_editor
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = pytest.mark.django_db

TEXT = (
    "Gaza, July 7 An Israeli strike hit a school in Gaza City on Sunday. "
    "Hospital officials said 12 people were killed. The army said it targeted militants."
)


@pytest.fixture
def reviewer(client):
    user, _ = make_editor(username="rita", reviewer=True)
    client.force_login(user)
    return user


def proposal_with_source(**fields) -> Event:
    article = make_article(text=TEXT, outlet="Gaza Wire")
    event = make_event(
        type="military-strike", status=Event.Status.PROPOSED, title="Strike on a school", **fields
    )
    evidence = make_evidence(
        event=event, article=article, quote="An Israeli strike hit a school in Gaza City"
    )
    make_figure(event=event, low=12, evidence=evidence, attributed_to="Hospital officials")
    return event


def test_a_card_shows_the_quote_in_context_figures_and_likely_duplicates(client, reviewer):
    place = make_location(name="Gaza City")
    israel = make_actor(name="Israel")
    stored = make_event(
        type="military-strike", title="Israeli strike on Gaza City school", location=place,
        actors=[israel], date_start=date(2025, 7, 6),
    )  # fmt: skip
    proposal = proposal_with_source(location=place, actors=[israel], date_start=date(2025, 7, 6))
    page = client.get(reverse("review:queue")).content.decode()
    assert f'id="proposal-{proposal.pk}"' in page
    assert "<mark>An Israeli strike hit a school in Gaza City</mark> on Sunday." in page
    assert "Gaza, July 7 " in page  # the text before the quote
    assert "12 killed — Hospital officials" in page
    assert stored.get_absolute_url() in page
    assert "same place" in page


def test_proposals_come_oldest_first_a_keyset_page_at_a_time(client, reviewer, monkeypatch):
    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    proposals = [make_event(status=Event.Status.PROPOSED, title=f"P{n}") for n in range(5)]
    first = client.get(reverse("review:queue")).context["page"]
    assert [p.pk for p in first.proposals] == [p.pk for p in proposals[:2]]
    second = client.get(reverse("review:queue"), {"after": first.next_after}).context["page"]
    assert [p.pk for p in second.proposals] == [p.pk for p in proposals[2:4]]


def test_a_bad_page_link_or_filter_is_a_message_not_an_error(client, reviewer):
    response = client.get(reverse("review:queue"), {"after": "x'; drop"})
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    response = client.get(reverse("review:queue"), {"date_from": "2025-13-45"})
    assert response.status_code == 400
    response = client.get(reverse("review:queue"), {"article": "no-such-article"})
    assert "There is no article" in response.content.decode()


def test_filters_narrow_the_queue_by_article_type_outlet_and_date(client, reviewer):
    strike = proposal_with_source(date_start=date(2025, 7, 6))
    talks = make_event(
        status=Event.Status.PROPOSED, type="negotiation", date_start=date(2025, 8, 1)
    )
    article = strike.evidence.get().article

    def shown(**params):
        return {p.pk for p in client.get(reverse("review:queue"), params).context["page"].proposals}

    assert shown() == {strike.pk, talks.pk}
    assert shown(article=article.slug) == {strike.pk}
    assert shown(type="negotiation") == {talks.pk}
    assert shown(outlet="gaza wire") == {strike.pk}
    article.outlets.add(Outlet.objects.create(slug="gw", name="GW News"))
    assert shown(outlet="gw") == shown(outlet="GW news") == {strike.pk}
    assert shown(date_from="2025-07-20") == {talks.pk}


def test_publish_needs_a_reason_and_then_counts_as_done_today(client, reviewer):
    proposal = proposal_with_source()
    url = reverse("review:act", args=[proposal.pk])
    client.post(url, {"action": "publish", "reason": "  "})
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PROPOSED
    response = client.post(url, {"action": "publish", "reason": "Matches the source"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PUBLISHED
    assert queue.counters().done_today == 1
    assert queue.counters().waiting == 0
    last = proposal.history.latest()
    assert last.history_user == reviewer and last.history_change_reason == "Matches the source"


def test_under_htmx_an_action_swaps_the_card_and_updates_the_counters(client, reviewer):
    proposal = proposal_with_source()
    response = client.post(
        reverse("review:act", args=[proposal.pk]),
        {"action": "reject", "reason": "Not an event"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'id="proposal-{proposal.pk}"' in body and "Rejected" in body
    assert 'id="review-counters" class="counters" data-hx-swap-oob="true"' in body
    assert "HX-Request" in response["Vary"]


def test_under_htmx_a_missing_reason_is_shown_in_the_card(client, reviewer):
    proposal = proposal_with_source()
    response = client.post(
        reverse("review:act", args=[proposal.pk]), {"action": "reject"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Retarget"] == f"#problem-{proposal.pk}"
    assert "reason" in response.content.decode()


def test_merge_moves_evidence_and_figures_and_keeps_the_duplicate_as_a_redirect(client, reviewer):
    proposal = proposal_with_source()
    stored = make_event(type="military-strike", title="School strike")
    response = client.post(
        reverse("review:act", args=[proposal.pk]),
        {"action": "merge", "into_other": stored.slug, "reason": "Same strike"},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.merged_into == stored and proposal.status == Event.Status.REJECTED
    assert Evidence.objects.get().event == stored
    assert Figure.objects.get().event == stored
    assert not proposal.evidence.exists()


def test_merging_into_an_unknown_event_changes_nothing(client, reviewer):
    proposal = proposal_with_source()
    client.post(
        reverse("review:act", args=[proposal.pk]),
        {"action": "merge", "into_other": "nowhere", "reason": "x"},
    )
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PROPOSED and proposal.evidence.count() == 1


def test_inline_edit_validates_like_the_admin(client, reviewer):
    proposal = proposal_with_source()
    url = reverse("review:edit", args=[proposal.pk])
    data = {
        "title": "Strike on a school",
        "type": proposal.type_id,
        "date_start": "2025-07-06",
        "date_end": "2025-07-01",
        "date_precision": "day",
        "place": "Atlantis",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is no place “Atlantis”." in body
    place = make_location(name="Gaza City")
    response = client.post(url, {**data, "place": "gaza city"}, HTTP_HX_REQUEST="true")
    assert "The end date is before the start date." in response.content.decode()
    response = client.post(
        url, {**data, "place": place.slug, "date_end": ""}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Retarget"] == f"#proposal-{proposal.pk}"
    proposal.refresh_from_db()
    assert proposal.location == place


def test_editing_a_published_event_needs_a_reason(client, reviewer):
    event = make_event(status=Event.Status.PUBLISHED, title="Old title")
    data = {
        "title": "New title",
        "type": event.type_id,
        "date_start": "2025-07-06",
        "date_precision": "day",
    }
    response = client.post(reverse("review:edit", args=[event.pk]), data)
    assert response.status_code == 400
    event.refresh_from_db()
    assert event.title == "Old title"
    client.post(reverse("review:edit", args=[event.pk]), {**data, "reason": "Clearer"})
    event.refresh_from_db()
    assert event.title == "New title"


def test_bulk_publish_moves_only_the_selected_proposals(client, reviewer):
    chosen = [make_event(status=Event.Status.PROPOSED) for _ in range(3)]
    other = make_event(status=Event.Status.PROPOSED)
    client.post(
        reverse("review:bulk"),
        {"action": "publish", "ids": [e.pk for e in chosen], "reason": "Batch checked"},
    )
    assert set(Event.objects.published().values_list("pk", flat=True)) == {e.pk for e in chosen}
    other.refresh_from_db()
    assert other.status == Event.Status.PROPOSED


def test_the_queue_takes_the_same_queries_for_5_or_40_proposals(
    client, reviewer, django_assert_num_queries
):
    def fill(n):
        for _ in range(n):
            proposal_with_source()
            make_event(type="military-strike", title="Stored strike")

    fill(5)
    with django_assert_num_queries(16) as few:
        client.get(reverse("review:queue"))
    fill(35)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("review:queue"))
    assert len(response.context["page"].proposals) == queue.PAGE_SIZE
