"""Every desk action × every role: anonymous, logged-in non-staff, editor, reviewer.

The server decides: anonymous users are sent to log in, others without the role get 403,
and a refused action changes nothing.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from timeline.editorial import set_status
from timeline.models import Event
from timeline.roles import make_editor
from timeline.tests.factories import make_event, make_evidence, make_figure

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "non-staff", "staff-without-role", "editor", "reviewer"]


def login(client, role: str) -> User | None:
    if role == "anonymous":
        return None
    if role == "non-staff":
        user = User.objects.create_user("reader", password="x")
    elif role == "staff-without-role":
        user = User.objects.create_user("clerk", password="x", is_staff=True)
    else:
        user, _ = make_editor(username=role, reviewer=role == "reviewer")
    client.force_login(user)
    return user


@pytest.fixture
def events():
    proposal = make_event(title="Strike on a school", status=Event.Status.PROPOSED)
    make_evidence(event=proposal)
    make_figure(event=proposal)
    published = make_event(title="A strike on a school", status=Event.Status.PUBLISHED)
    return proposal, published


def refused(response, role: str) -> bool:
    if role == "anonymous":
        return response.status_code == 302 and "/admin/login/" in response["Location"]
    return response.status_code == 403


# (name, allowed roles, request, did-it-happen)
def do_publish(client, proposal, published):
    return client.post(
        reverse("review:act", args=[proposal.pk]), {"action": "publish", "reason": "Checked"}
    )


def do_reject(client, proposal, published):
    return client.post(
        reverse("review:act", args=[proposal.pk]), {"action": "reject", "reason": "Not news"}
    )


def do_merge(client, proposal, published):
    return client.post(
        reverse("review:act", args=[proposal.pk]),
        {"action": "merge", "into": published.slug, "reason": "Same strike"},
    )


def do_unpublish(client, proposal, published):
    return client.post(
        reverse("review:act", args=[published.pk]), {"action": "send-back", "reason": "Recheck"}
    )


def do_edit(client, proposal, published):
    return client.post(
        reverse("review:edit", args=[proposal.pk]),
        {
            "title": "Strike on a school in Gaza",
            "type": proposal.type_id,
            "date_start": "2025-07-06",
            "date_precision": "day",
        },
    )


def do_bulk_publish(client, proposal, published):
    return client.post(
        reverse("review:bulk"), {"action": "publish", "ids": [proposal.pk], "reason": "Checked"}
    )


def do_revert(client, proposal, published):
    first = published.history.order_by("history_date").first()
    return client.post(
        reverse("review:revert", args=[published.pk]),
        {"version": first.history_id, "reason": "Back to the first wording"},
    )


def happened(name: str, proposal: Event, published: Event) -> bool:
    proposal.refresh_from_db()
    published.refresh_from_db()
    return {
        "publish": proposal.status == Event.Status.PUBLISHED,
        "reject": proposal.status == Event.Status.REJECTED and proposal.merged_into is None,
        "merge": proposal.merged_into_id == published.pk,
        "unpublish": published.status == Event.Status.PROPOSED,
        "edit": proposal.title == "Strike on a school in Gaza",
        "bulk-publish": proposal.status == Event.Status.PUBLISHED,
        "revert": published.history.filter(history_change_reason__startswith="Back to").exists(),
    }[name]


ACTIONS = {
    "publish": (do_publish, {"reviewer"}),
    "reject": (do_reject, {"reviewer"}),
    "merge": (do_merge, {"editor", "reviewer"}),
    "unpublish": (do_unpublish, {"reviewer"}),
    "edit": (do_edit, {"editor", "reviewer"}),
    "bulk-publish": (do_bulk_publish, {"reviewer"}),
    "revert": (do_revert, {"editor", "reviewer"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_is_allowed_only_to_its_roles(client, events, action, role):
    proposal, published = events
    if action == "revert":
        set_status(events=[published], status=Event.Status.PUBLISHED, user=None, reason="x")
        published.title = "Changed wording"
        published.save()
    login(client, role)
    request, allowed = ACTIONS[action]
    response = request(client, proposal, published)
    if role in allowed:
        assert response.status_code == 302, response.content[:500]
        assert happened(action, proposal, published)
    else:
        assert refused(response, role), (response.status_code, response.get("Location"))
        assert not happened(action, proposal, published)


@pytest.mark.parametrize("role", ROLES)
def test_the_queue_and_the_edit_form_open_only_for_the_desk(client, events, role):
    proposal, _ = events
    login(client, role)
    for url in (reverse("review:queue"), reverse("review:edit", args=[proposal.pk])):
        response = client.get(url)
        if role in {"editor", "reviewer"}:
            assert response.status_code == 200
        else:
            assert refused(response, role)


def test_an_editor_sees_no_publish_or_reject_buttons(client, events):
    login(client, "editor")
    page = client.get(reverse("review:queue")).content.decode()
    assert 'value="merge"' in page
    assert 'value="publish"' not in page and 'value="reject"' not in page


def test_superusers_are_both_editor_and_reviewer(client, events):
    proposal, _ = events
    client.force_login(User.objects.create_superuser("boss", password="x"))
    assert do_publish(client, proposal, None).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PUBLISHED


def test_a_post_without_the_csrf_token_is_refused(events):
    from django.test import Client

    proposal, published = events
    client = Client(enforce_csrf_checks=True)
    login(client, "reviewer")
    response = do_publish(client, proposal, published)
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == Event.Status.PROPOSED


def test_createeditor_makes_editors_and_reviewers(capsys):
    from django.core.management import call_command

    call_command("createeditor", "ana")
    call_command("createeditor", "ben", "--reviewer")
    ana, ben = User.objects.get(username="ana"), User.objects.get(username="ben")
    assert ana.is_staff and ana.has_perm("timeline.change_event")
    assert not ana.has_perm("timeline.review_event")
    assert ben.has_perm("timeline.review_event")
    assert not ana.has_usable_password()
    call_command("createeditor", "ben")  # demoted: no longer a reviewer
    ben = User.objects.get(username="ben")
    assert not ben.has_perm("timeline.review_event")
    assert "changepassword ana" in capsys.readouterr().out
