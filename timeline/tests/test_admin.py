"""The editors' admin: access, changelists, the event form with its inlines, actions."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from timeline.models import (
    Actor,
    Article,
    Event,
    EventActor,
    EventSubType,
    EventType,
    Evidence,
    Figure,
    Location,
    content_hash,
)
from timeline.tests.factories import (
    make_acled_event,
    make_actor,
    make_article,
    make_event,
    make_evidence,
    make_figure,
    make_location,
)

pytestmark = pytest.mark.django_db

ARTICLE_TEXT = (
    "Israel and Hamas have started indirect talks in Qatar. "
    "Hospital officials in Gaza said more than 30 people were killed on Sunday. "
    "The talks continue on Monday."
)


def changelist(model) -> str:
    return reverse(f"admin:timeline_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:timeline_{obj._meta.model_name}_change", args=[obj.pk])


def management(prefix: str, total: int, initial: int = 0) -> dict[str, int]:
    return {
        f"{prefix}-TOTAL_FORMS": total,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }


def event_form(*, title: str = "Talks open in Doha", slug: str = "talks-open-in-doha", **fields):
    """POST data for the event add/change form with empty inlines (override to add rows)."""
    data = {
        "title": title,
        "slug": slug,
        "type": EventType.objects.get(slug="negotiation").pk,
        "status": Event.Status.PROPOSED,
        "location": "",
        "date_start": "2025-07-06",
        "date_end": "",
        "date_precision": "day",
        "reported_on": "",
        "summary": "",
        "notes": "",
        "external_id": "",
        "external_timestamp": "",
        "confidence": "",
        **management("event_actors", 0),
        **management("evidence", 0),
        **management("figures", 0),
    }
    data.update(fields)
    return data


def evidence_row(index: int, *, article: Article, quote: str, start="", end="", **fields):
    row = {
        "article": article.pk,
        "quote": quote,
        "start": start,
        "end": end,
        "attributed_to": "",
        **fields,
    }
    return {f"evidence-{index}-{key}": value for key, value in row.items()}


def inline_errors(response, prefix: str) -> list:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset.errors
    raise AssertionError(f"no inline {prefix!r} on the page")


# --- Access ---------------------------------------------------------------------------


def test_anonymous_user_is_redirected_to_the_admin_login(client):
    make_event()

    for url in ["/admin/", changelist(Event), changelist(Evidence)]:
        response = client.get(url)

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_a_logged_in_user_who_is_not_staff_cannot_get_in(client):
    user = User.objects.create_user("reader", password="pw-for-tests-only")
    # Even holding the model permissions does not open the admin without is_staff.
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="timeline"))
    client.force_login(user)

    for url in ["/admin/", changelist(Event)]:
        response = client.get(url)

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_staff_user_with_view_permission_sees_events_but_cannot_change_status(client):
    event = make_event(status=Event.Status.PROPOSED)
    user = User.objects.create_user("viewer", password="pw-for-tests-only", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_event"))
    client.force_login(user)

    response = client.get(changelist(Event))
    assert response.status_code == 200
    assert event.title in response.text

    response = client.post(changelist(Event), {"action": "publish", "_selected_action": [event.pk]})
    event.refresh_from_db()
    assert event.status == Event.Status.PROPOSED


def test_admin_pages_carry_the_editors_site_header(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    assert "Conflict-events timeline — editors" in response.text


# --- Changelists ----------------------------------------------------------------------


@pytest.fixture
def populated():
    """One of everything, linked, so that every changelist and filter has rows."""
    gaza = make_location(slug="gaza-strip", name="Gaza Strip", kind=Location.Kind.REGION)
    city = make_location(slug="gaza-city", name="Gaza City", parent=gaza)
    israel = make_actor(slug="israel", name="Israel", aliases="IDF\nIsraeli military")
    qatar = make_actor(slug="qatar", name="Qatar")
    article = make_article(slug="doha-talks", title="Talks start in Qatar", text=ARTICLE_TEXT)
    event = make_event(
        slug="gaza-deaths",
        title="More than 30 killed in Gaza",
        type="casualty-report",
        location=city,
        actors=[(israel, EventActor.Role.INITIATOR), qatar],
        status=Event.Status.PROPOSED,
    )
    evidence = make_evidence(
        event=event,
        article=article,
        quote="Hospital officials in Gaza said more than 30 people were killed on Sunday",
        attributed_to="Hospital officials in Gaza",
    )
    make_figure(event=event, low=30, qualifier="more-than", evidence=evidence)
    return {"event": event, "article": article, "evidence": evidence}


# (model, query string, rows expected) over `populated` and the unrelated rows made below.
CHANGELIST_QUERIES = [
    (Event, "", 2),
    (Event, "?q=killed&status__exact=proposed", 1),
    (Event, "?q=Israel&has_evidence=yes&type__id__exact={casualty_report}", 1),
    (Event, "?place=gaza-strip&date_start__year=2025&o=-8", 1),
    (Event, "?has_evidence=no", 1),
    (Article, "", 2),
    (Article, "?q=Hospital+officials&published__year=2025&o=6", 1),
    (EventType, "?q=casualty&o=9", 1),
    (Actor, "?q=IDF&kind__exact=state&o=5", 1),
    (Location, "?q=gaza&kind__exact=city", 1),
    (EventActor, "?q=Israel&role__exact=initiator", 1),
    (Evidence, "?q=hospital&event__status__exact=proposed", 1),
    (Evidence, "?article__id__exact={article}", 1),
    (Figure, "?q=killed&kind__exact=killed&qualifier__exact=more-than", 1),
]


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    CHANGELIST_QUERIES,
    ids=[f"{model.__name__}{query}" for model, query, _ in CHANGELIST_QUERIES],
)
def test_every_changelist_renders_with_search_and_filters(
    admin_client, populated, model, query, expected
):
    unrelated = make_event(title="Envoys meet in Cairo", status=Event.Status.PUBLISHED)
    make_figure(event=unrelated, kind="injured", evidence=make_evidence(event=unrelated))
    make_event(title="Aid convoy waits at Rafah", status=Event.Status.PROPOSED)  # no evidence
    make_location(slug="cairo", name="Cairo")
    make_actor(slug="egypt", name="Egypt", kind=Actor.Kind.STATE)
    EventActor.objects.create(event=unrelated, actor=Actor.objects.get(slug="egypt"))
    ids = {
        "casualty_report": EventType.objects.get(slug="casualty-report").pk,
        "article": populated["article"].pk,
    }

    response = admin_client.get(changelist(model) + query.format(**ids))

    # A lookup the admin does not allow would redirect with ?e=1 instead of filtering.
    assert response.status_code == 200
    if not query:
        expected = model.objects.count()
    assert response.context["cl"].result_count == expected


def test_event_search_finds_by_actor_name_without_duplicate_rows(admin_client, populated):
    make_event(title="Unrelated meeting")

    response = admin_client.get(changelist(Event) + "?q=Israel")

    assert [event.slug for event in response.context["cl"].result_list] == ["gaza-deaths"]


def test_event_status_filter_shows_how_many_await_review(admin_client):
    make_event(status=Event.Status.PROPOSED)
    make_event(status=Event.Status.PROPOSED)
    make_event(status=Event.Status.PUBLISHED)

    response = admin_client.get(changelist(Event))

    assert "Proposed (2)" in response.text
    assert "Published (1)" in response.text
    proposed = admin_client.get(changelist(Event) + "?status__exact=proposed")
    assert proposed.context["cl"].result_count == 2


def test_event_changelist_shows_title_type_date_place_status_and_source_count(
    admin_client, populated
):
    response = admin_client.get(changelist(Event))

    row = response.context["cl"].result_list[0]
    assert row._evidence_count == 1
    for column in ("title", "type", "date", "place", "status", "source_count"):
        assert f"column-{column}" in response.text
    assert "css/admin_events.css" in response.text


def test_event_search_finds_by_outlet(admin_client, populated):
    event = populated["event"]
    outlet = event.evidence.first().article.outlet
    response = admin_client.get(changelist(Event), {"q": outlet})
    assert event in response.context["cl"].result_list


def test_publish_action_without_a_reason_changes_nothing(admin_client):
    event = make_event(status=Event.Status.PROPOSED)
    messages = run_action(admin_client, "publish", [event], reason="")
    assert messages == ["Give a short reason to publish. Nothing was changed."]
    event.refresh_from_db()
    assert event.status == Event.Status.PROPOSED


def test_an_editor_cannot_publish_from_the_admin(client):
    from timeline.roles import make_editor

    editor, _ = make_editor(username="ed")
    client.force_login(editor)
    event = make_event(status=Event.Status.PROPOSED)
    response = client.post(
        changelist(Event),
        {"action": "publish", "_selected_action": [event.pk], "reason": "x"},
    )
    assert response.status_code in (200, 302)
    event.refresh_from_db()
    assert event.status == Event.Status.PROPOSED
    form = client.get(change_url(event))
    assert "status" not in form.context["adminform"].form.fields


def test_changing_a_published_event_in_the_admin_needs_a_reason_and_is_recorded(admin_client):
    event = make_event(status=Event.Status.PUBLISHED, title="Talks open in Doha", slug="t")
    data = event_form(title="Talks opened in Doha", slug="t", status="published")
    response = admin_client.post(change_url(event), data)
    assert response.status_code == 200  # the form again, with the error
    event.refresh_from_db()
    assert event.title == "Talks open in Doha"
    admin_client.post(change_url(event), {**data, "change_reason": "Tense"})
    event.refresh_from_db()
    assert event.title == "Talks opened in Doha"
    assert event.history.latest().history_change_reason == "Tense"


def test_article_evidence_count_links_to_its_evidence(admin_client, populated):
    article = populated["article"]
    other = make_article()
    make_evidence(event=make_event(), article=other)

    response = admin_client.get(change_url(article))
    link = f"{changelist(Evidence)}?article__id__exact={article.pk}"
    assert link in response.text

    listed = admin_client.get(link)
    assert [evidence.pk for evidence in listed.context["cl"].result_list] == [
        populated["evidence"].pk
    ]


def test_article_changelist_does_not_load_article_bodies(admin_client, populated):
    response = admin_client.get(changelist(Article))

    (row,) = response.context["cl"].result_list
    assert "text" in row.get_deferred_fields()
    assert row._evidence_count == 1


def make_rows(count: int) -> None:
    actor = make_actor()
    place = make_location(parent=make_location(kind=Location.Kind.REGION))
    for _ in range(count):
        event = make_event(actors=[actor, (make_actor(), "target")], location=place)
        evidence = make_evidence(event=event)
        make_figure(event=event, evidence=evidence)


def changelist_queries(admin_client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("rows", [5, 25])
def test_event_changelist_query_count_is_pinned(admin_client, django_assert_max_num_queries, rows):
    make_rows(rows)

    with django_assert_max_num_queries(25):
        response = admin_client.get(changelist(Event))

    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("rows", [5, 25])
def test_evidence_changelist_query_count_is_pinned(
    admin_client, django_assert_max_num_queries, rows
):
    make_rows(rows)

    with django_assert_max_num_queries(10):
        response = admin_client.get(changelist(Evidence))

    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("model", [Event, Evidence, Article, Actor, Location, Figure, EventActor])
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    make_rows(5)
    few = changelist_queries(admin_client, changelist(model))
    make_rows(20)
    many = changelist_queries(admin_client, changelist(model))

    assert many == few


# --- The event form and its inlines ---------------------------------------------------


def test_event_with_a_quote_not_in_the_article_is_rejected_and_nothing_is_saved(admin_client):
    article = make_article(text=ARTICLE_TEXT)
    data = event_form(
        **management("evidence", 1),
        **evidence_row(0, article=article, quote="Ceasefire agreed in Cairo"),
    )

    response = admin_client.post(reverse("admin:timeline_event_add"), data)

    assert response.status_code == 200
    assert inline_errors(response, "evidence")[0] == {
        "quote": ["This quote is not in the article."]
    }
    assert "This quote is not in the article." in response.text
    assert not Event.objects.exists()
    assert not Evidence.objects.exists()


def test_changing_an_event_with_a_bad_quote_leaves_the_event_untouched(admin_client):
    article = make_article(text=ARTICLE_TEXT)
    event = make_event(title="Old title", status=Event.Status.PROPOSED)
    data = event_form(
        title="New title",
        slug=event.slug,
        **management("evidence", 1),
        **evidence_row(0, article=article, quote="talks"),  # "talks" occurs twice
    )

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 200
    assert inline_errors(response, "evidence")[0] == {
        "quote": ["This quote occurs more than once in the article; give offsets."]
    }
    event.refresh_from_db()
    assert event.title == "Old title"
    assert not Evidence.objects.exists()


def test_offsets_that_do_not_match_the_quote_are_reported_on_the_quote(admin_client):
    article = make_article(text=ARTICLE_TEXT)
    data = event_form(
        **management("evidence", 1),
        **evidence_row(0, article=article, quote="Israel and Hamas", start=1, end=17),
    )

    response = admin_client.post(reverse("admin:timeline_event_add"), data)

    assert inline_errors(response, "evidence")[0] == {
        "quote": ["The quote does not match the article text at these offsets."]
    }
    assert not Event.objects.exists()


def test_blank_offsets_are_found_from_the_quote(admin_client):
    article = make_article(text=ARTICLE_TEXT)
    quote = "Hospital officials in Gaza said more than 30 people were killed on Sunday"
    actor = make_actor()
    data = event_form(
        **management("evidence", 1),
        **evidence_row(0, article=article, quote=quote, attributed_to="Hospital officials"),
        **management("event_actors", 1),
        **{"event_actors-0-actor": actor.pk, "event_actors-0-role": "initiator"},
        **management("figures", 1),
        **{
            "figures-0-kind": "killed",
            "figures-0-basis": "claim",
            "figures-0-qualifier": "more-than",
            "figures-0-low": 30,
            "figures-0-high": "",
            "figures-0-attributed_to": "Hospital officials in Gaza",
            "figures-0-evidence": "",
        },
    )

    response = admin_client.post(reverse("admin:timeline_event_add"), data)

    assert response.status_code == 302, response.context and inline_errors(response, "evidence")
    event = Event.objects.get(slug="talks-open-in-doha")
    evidence = event.evidence.get()
    assert (evidence.start, evidence.end) == (
        ARTICLE_TEXT.index(quote),
        ARTICLE_TEXT.index(quote) + len(quote),
    )
    assert article.text[evidence.start : evidence.end] == quote
    assert evidence.attributed_to == "Hospital officials"
    assert list(event.event_actors.values_list("actor__slug", "role")) == [
        (actor.slug, "initiator")
    ]
    assert event.figures.get().display == "more than 30 killed"


def test_figure_inline_offers_only_this_events_evidence(admin_client):
    event = make_event()
    own = make_evidence(event=event)
    others = make_evidence(event=make_event())

    response = admin_client.get(change_url(event))

    figure_forms = next(
        inline
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "figures"
    )
    choices = figure_forms.formset.empty_form.fields["evidence"].queryset
    assert list(choices) == [own]
    assert others not in choices


def test_figure_cannot_be_linked_to_another_events_evidence(admin_client):
    event = make_event()
    others = make_evidence(event=make_event())
    data = event_form(
        title=event.title,
        slug=event.slug,
        **management("figures", 1),
        **{
            "figures-0-kind": "killed",
            "figures-0-basis": "claim",
            "figures-0-qualifier": "exact",
            "figures-0-low": 3,
            "figures-0-evidence": others.pk,
        },
    )

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 200
    assert "evidence" in inline_errors(response, "figures")[0]
    assert not Figure.objects.exists()


# --- Status actions -------------------------------------------------------------------


def run_action(admin_client, action: str, events, reason: str = "Checked") -> list[str]:
    response = admin_client.post(
        changelist(Event),
        {"action": action, "_selected_action": [event.pk for event in events], "reason": reason},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_publish_action_publishes_the_selected_events_and_says_how_many(admin_client):
    proposed = [make_event(status=Event.Status.PROPOSED) for _ in range(2)]
    already = make_event(status=Event.Status.PUBLISHED)
    untouched = make_event(status=Event.Status.PROPOSED)
    make_evidence(event=proposed[0])

    messages = run_action(admin_client, "publish", [*proposed, already])

    assert messages == [
        "2 events published. 1 was already published.",
        "1 published event has no evidence yet.",
    ]
    statuses = dict(Event.objects.values_list("pk", "status"))
    assert statuses == {
        proposed[0].pk: "published",
        proposed[1].pk: "published",
        already.pk: "published",
        untouched.pk: "proposed",
    }
    logged = LogEntry.objects.filter(action_flag=CHANGE)
    assert sorted(int(entry.object_id) for entry in logged) == sorted(e.pk for e in proposed)


def test_reject_action_rejects_and_reports_the_count(admin_client):
    events = [make_event(status=Event.Status.PROPOSED) for _ in range(3)]

    messages = run_action(admin_client, "reject", events)

    assert messages == ["3 events rejected."]
    assert set(Event.objects.values_list("status", flat=True)) == {"rejected"}


def test_mark_proposed_action_sends_events_back_for_review(admin_client):
    event = make_event(status=Event.Status.REJECTED)
    before = event.updated

    messages = run_action(admin_client, "mark_proposed", [event])

    assert messages == ["1 event marked as proposed."]
    event.refresh_from_db()
    assert event.status == Event.Status.PROPOSED
    assert event.updated > before


def test_actions_on_a_filtered_searched_changelist_touch_only_the_selection(admin_client):
    actor = make_actor(name="Hamas")
    chosen = make_event(status=Event.Status.PROPOSED, actors=[actor, (actor, "target")])
    other = make_event(status=Event.Status.PROPOSED, actors=[actor])

    response = admin_client.post(
        changelist(Event) + "?q=Hamas&status__exact=proposed",
        {"action": "publish", "_selected_action": [chosen.pk], "reason": "Checked"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "1 event published.",
        "1 published event has no evidence yet.",
    ]
    assert Event.objects.get(pk=chosen.pk).status == "published"
    assert Event.objects.get(pk=other.pk).status == "proposed"


def test_delete_selected_events_still_works_on_the_annotated_changelist(admin_client):
    event = make_event()
    make_figure(event=event, evidence=make_evidence(event=event))

    response = admin_client.post(
        changelist(Event),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Event.objects.exists()


# --- Articles -------------------------------------------------------------------------


def article_form(article: Article, **fields) -> dict:
    data = {
        "title": article.title,
        "slug": article.slug,
        "outlet": article.outlet,
        "published": article.published.isoformat(),
        "dateline": article.dateline,
        "url": article.url,
        "text": article.text,
        "language": article.language,
    }
    data.update(fields)
    return data


def test_article_page_shows_text_area_record_fields_and_reader_link(admin_client, populated):
    article = populated["article"]

    response = admin_client.get(change_url(article))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.fields["text"].widget.attrs["rows"] == 30
    assert "content_hash" not in form.fields
    assert "imported_at" not in form.fields
    assert article.content_hash in response.text
    assert f'<a href="/articles/{article.slug}/">View in reader</a>' in response.text
    assert article.get_absolute_url() == f"/articles/{article.slug}/"


def test_editing_the_text_of_an_article_with_evidence_is_refused(admin_client, populated):
    article = populated["article"]

    response = admin_client.post(
        change_url(article), article_form(article, text=ARTICLE_TEXT + " Added.")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["text"] == [
        "Evidence points into this text; it cannot be rewritten."
    ]
    article.refresh_from_db()
    assert article.text == ARTICLE_TEXT


def test_editing_the_text_of_an_article_without_evidence_updates_its_hash(admin_client):
    article = make_article(text="First version.")

    response = admin_client.post(change_url(article), article_form(article, text="Second version."))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.text == "Second version."
    assert article.content_hash == content_hash("Second version.")


def test_other_article_fields_stay_editable_when_evidence_exists(admin_client, populated):
    article = populated["article"]

    response = admin_client.post(change_url(article), article_form(article, outlet="Reuters"))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.outlet == "Reuters"


def test_article_autocomplete_for_the_evidence_inline_finds_by_title(admin_client, populated):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "timeline",
            "model_name": "evidence",
            "field_name": "article",
            "term": "Qatar",
        },
    )

    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["Talks start in Qatar"]


# --- Actors, locations, view on site --------------------------------------------------


def test_actor_aliases_are_a_textarea_stored_one_per_line(admin_client):
    response = admin_client.get(reverse("admin:timeline_actor_add"))
    assert "<textarea" in str(response.context["adminform"].form["aliases"])

    response = admin_client.post(
        reverse("admin:timeline_actor_add"),
        {
            "slug": "israel",
            "name": "Israel",
            "kind": "state",
            "aliases": "  IDF \r\n\r\nIsraeli military\r\n",
            "country": "Israel",
            "acled_type": "",
            "description": "",
        },
    )

    assert response.status_code == 302
    actor = Actor.objects.get(slug="israel")
    assert actor.aliases == "IDF\nIsraeli military"
    assert actor.alias_list == ["IDF", "Israeli military"]


def test_location_parent_is_an_autocomplete_and_tree_path_is_kept(admin_client):
    gaza = make_location(slug="gaza-strip", name="Gaza Strip")

    page = admin_client.get(reverse("admin:timeline_location_add"))
    form = page.context["adminform"].form
    assert "tree_path" not in form.fields
    assert "admin-autocomplete" in str(form["parent"])

    response = admin_client.post(
        reverse("admin:timeline_location_add"),
        {
            "name": "Khan Younis",
            "slug": "khan-younis",
            "kind": "city",
            "parent": gaza.pk,
            "latitude": "31.34",
            "longitude": "34.30",
            "geo_precision": "",
            "aliases": "Khan Yunis",
        },
    )

    assert response.status_code == 302
    assert Location.objects.get(slug="khan-younis").tree_path == "/gaza-strip/khan-younis/"


def test_location_with_only_a_latitude_is_refused(admin_client):
    response = admin_client.post(
        reverse("admin:timeline_location_add"),
        {"name": "Rafah", "slug": "rafah", "kind": "city", "parent": "", "latitude": "31.2"},
    )

    assert response.status_code == 200
    assert "Give both latitude and longitude, or neither." in response.text
    assert not Location.objects.exists()


@pytest.mark.parametrize("kind", ["event", "article", "actor", "location"])
def test_view_on_site_leads_to_the_public_page(admin_client, populated, kind):
    obj = {
        "event": populated["event"],
        "article": populated["article"],
        "actor": Actor.objects.get(slug="israel"),
        "location": Location.objects.get(slug="gaza-city"),
    }[kind]

    page = admin_client.get(change_url(obj))
    on_site = page.context["original"] and page.context["has_absolute_url"]
    assert on_site
    response = admin_client.get(
        reverse("admin:view_on_site", args=[page.context["content_type_id"], obj.pk])
    )

    assert response.status_code == 302
    assert response.url.endswith(obj.get_absolute_url())
    assert obj.get_absolute_url().endswith(f"/{obj.slug}/")


def test_event_add_page_renders_every_inline(admin_client):
    response = admin_client.get(reverse("admin:timeline_event_add"))

    assert response.status_code == 200
    prefixes = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert prefixes == ["event_actors", "evidence", "figures"]


# --- Sub-types, sides, figure basis, dataset records -------------------------------------


def test_sub_type_changelist_lists_sub_types_by_type_with_event_counts(admin_client):
    make_event(sub_type="air-drone-strike")
    make_event(sub_type="air-drone-strike")

    response = admin_client.get(changelist(EventSubType))
    rows = list(response.context["cl"].result_list)

    assert [row.type.order for row in rows] == sorted(row.type.order for row in rows)
    air = next(row for row in rows if row.slug == "air-drone-strike")
    assert air._event_count == 2
    assert f'{changelist(Event)}?sub_type=air-drone-strike">2</a>' in response.text


def test_sub_type_changelist_query_count_does_not_grow_with_events(
    admin_client, django_assert_max_num_queries
):
    for slug in ["air-drone-strike", "grenade", "arrests", "peaceful-protest"]:
        make_event(sub_type=slug)

    with django_assert_max_num_queries(8):
        response = admin_client.get(changelist(EventSubType))
    assert response.context["cl"].result_count == EventSubType.objects.count()


def test_the_event_form_saves_a_sub_type_of_its_type(admin_client):
    strike = EventType.objects.get(slug="military-strike")
    grenade = EventSubType.objects.get(slug="grenade")

    response = admin_client.post(
        reverse("admin:timeline_event_add"),
        event_form(type=strike.pk, sub_type=grenade.pk),
    )

    assert response.status_code == 302
    assert Event.objects.get(slug="talks-open-in-doha").sub_type == grenade


def test_the_event_form_refuses_a_sub_type_of_another_type_and_saves_nothing(admin_client):
    protest = EventSubType.objects.get(slug="peaceful-protest")

    response = admin_client.post(
        reverse("admin:timeline_event_add"), event_form(sub_type=protest.pk)
    )

    assert response.status_code == 200
    assert "“Peaceful protest” is not a kind of Negotiation." in response.text
    assert not Event.objects.filter(slug="talks-open-in-doha").exists()


def test_the_event_changelist_filters_by_sub_type_and_by_dataset(admin_client):
    acled = make_acled_event()
    shelling = make_event(sub_type="shelling-artillery-missile")
    talks = make_event()

    def listed(query: str) -> set[str]:
        response = admin_client.get(changelist(Event) + query)
        assert response.status_code == 200
        return {event.slug for event in response.context["cl"].result_list}

    assert listed("?sub_type=air-drone-strike") == {acled.slug}
    assert listed("?dataset=acled") == {acled.slug}
    assert listed("?dataset=ucdp") == set()
    assert listed("?dataset=none") == {shelling.slug, talks.slug}
    page = admin_client.get(changelist(Event))
    assert "Military strike: Air or drone strike" in page.text
    assert "None (curated or proposed)" in page.text


def test_the_event_page_shows_the_dataset_record_read_only_and_escaped(admin_client):
    event = make_acled_event(notes="Notes <b>bold</b> & more.")

    response = admin_client.get(change_url(event))

    assert response.status_code == 200
    assert "ACLED <strong>PSE75473</strong> (revision 1749511122)" in response.text
    assert "<code>assoc_actor_2</code></th><td>Civilians (Palestine); Journalists" in (
        response.text
    )
    assert "Notes &lt;b&gt;bold&lt;/b&gt; &amp; more." in response.text
    assert "dataset_record" not in response.context["adminform"].form.fields


def test_the_inlines_show_sides_and_figure_basis(admin_client):
    event = make_acled_event()

    response = admin_client.get(change_url(event))
    inlines = {
        inline.formset.prefix: inline for inline in response.context["inline_admin_formsets"]
    }

    actor_fields = set(inlines["event_actors"].formset.form.base_fields)
    figure_fields = set(inlines["figures"].formset.form.base_fields)
    assert {"side", "associated", "source_name"} <= actor_fields
    assert {"basis", "best"} <= figure_fields
    sides = [form.instance.side for form in inlines["event_actors"].formset.forms]
    assert sorted(sides) == ["a", "b", "b", "b"]
    assert [form.instance.basis for form in inlines["figures"].formset.forms] == ["coding"]
