"""What the public may see: published events only, everywhere. A rejected event's URL
answers 410, a merged one's redirects (301) to the event it was merged into, and both
stay visible to staff."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User

from timeline.editorial import merge, set_status
from timeline.models import Event
from timeline.roles import make_editor
from timeline.tests.factories import (
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_location,
)

pytestmark = pytest.mark.django_db

SECRET = "Zebracorn"
TEXT = "A published strike hit Rafah. Zebracorn officials proposed something unconfirmed."


@pytest.fixture
def hidden():
    """A published event and, sharing its article, place and actor, a proposal and a
    rejected event whose titles and quotes carry SECRET."""
    place = make_location(name="Rafah", latitude=31.3, longitude=34.25)
    actor = make_actor(name="Israel")
    article = make_article(text=TEXT)
    shown = make_event(title="Strike in Rafah", location=place, actors=[actor])
    make_evidence(event=shown, article=article, quote="A published strike hit Rafah")
    hidden = []
    for status in (Event.Status.PROPOSED, Event.Status.REJECTED):
        event = make_event(
            title=f"{SECRET} {status}", status=status, location=place, actors=[actor],
            date_start=date(2025, 7, 6),
        )  # fmt: skip
        hidden.append(event)
    evidence = make_evidence(event=hidden[0], article=article, quote=f"{SECRET} officials proposed")
    return {
        "shown": shown,
        "hidden": hidden,
        "evidence": evidence,
        "article": article,
        "place": place,
        "actor": actor,
    }


def public_urls(objects) -> list[str]:
    return [
        "/",
        f"/?q={SECRET}",
        "/?status=proposed",
        "/?status=rejected",
        "/events.json",
        f"/events.json?q={SECRET}&status=proposed",
        "/events.csv",
        "/events.geojson",
        "/events.timelinejs.json",
        "/events.acled.csv",
        "/map/",
        "/map/data.json",
        objects["actor"].get_absolute_url(),
        objects["place"].get_absolute_url(),
        objects["article"].get_absolute_url(),
    ]


@pytest.mark.parametrize("who", ["anonymous", "non-staff"])
def test_no_proposal_or_rejected_event_is_visible_to_the_public_anywhere(client, hidden, who):
    if who == "non-staff":
        client.force_login(User.objects.create_user("reader", password="x"))
    for url in public_urls(hidden):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code in (200, 400), url
        # The search word is echoed and the article's own text is public: what must not
        # show is either event (title, slug) or the hidden evidence's mark.
        for event in hidden["hidden"]:
            assert event.title.encode() not in body, url
            assert event.slug.encode() not in body, url
        assert f'id="ev-{hidden["evidence"].pk}"'.encode() not in body, url
    assert hidden["shown"].title.encode() in client.get("/").content


def test_staff_see_proposals_on_the_timeline_and_the_event_pages(client, hidden):
    user, _ = make_editor(username="ed")
    client.force_login(user)
    assert SECRET in client.get("/?status=proposed").content.decode()
    for event in hidden["hidden"]:
        assert client.get(event.get_absolute_url()).status_code == 200


def test_a_proposal_is_not_found_by_the_public(client, hidden):
    assert client.get(hidden["hidden"][0].get_absolute_url()).status_code == 404


def test_a_rejected_event_answers_410_gone_to_the_public_and_200_to_staff(client, hidden):
    rejected = hidden["hidden"][1]
    response = client.get(rejected.get_absolute_url())
    assert response.status_code == 410
    assert rejected.title not in response.content.decode()
    client.force_login(make_editor(username="ed")[0])
    response = client.get(rejected.get_absolute_url())
    assert response.status_code == 200
    assert "The public gets “gone” (410)" in response.content.decode()


def test_a_merged_event_redirects_permanently_to_the_event_it_was_merged_into(client, hidden):
    proposal = hidden["hidden"][0]
    target = make_event(title="Final", date_start=proposal.date_start, type=proposal.type)
    middle = make_event(title="Middle", status=Event.Status.PROPOSED, type=proposal.type)
    merge(event=proposal, into=middle, user=None, reason="Same")
    merge(event=middle, into=target, user=None, reason="Same again")
    response = client.get(proposal.get_absolute_url())
    assert response.status_code == 301
    assert response["Location"] == target.get_absolute_url()  # the end of the chain
    client.force_login(make_editor(username="ed")[0])
    response = client.get(proposal.get_absolute_url())
    assert response.status_code == 200 and "Merged into" in response.content.decode()


def test_nothing_is_hard_deleted_by_rejecting_or_merging(hidden):
    proposal, rejected = hidden["hidden"]
    set_status(events=[proposal], status=Event.Status.REJECTED, user=None, reason="No")
    assert Event.objects.filter(pk__in=[proposal.pk, rejected.pk]).count() == 2
