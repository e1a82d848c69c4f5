"""The desk's pages are valid HTML (Nu HTML Checker): the queue, the edit form, an event
page with history and sources side by side as staff see it, and the 410 page."""

from __future__ import annotations

from checks.html_validity import describe, errors_in, validate
from timeline.editorial import merge, set_status
from timeline.models import Event
from timeline.roles import make_editor
from timeline.tests.factories import make_article, make_event, make_evidence, make_figure


def test_desk_pages_are_valid_html(client, site_sample, vnu, tmp_path, record_check):
    proposal = make_event(type="casualty-report", status=Event.Status.PROPOSED)
    make_evidence(event=proposal, article=make_article(outlet="Al Jazeera"))
    target = site_sample.event
    make_figure(event=target, low=3, evidence=target.evidence.first())
    duplicate = make_event(type=target.type, status=Event.Status.PROPOSED)
    make_evidence(event=duplicate, article=make_article(outlet="Reuters"))
    merge(event=duplicate, into=target, user=None, reason="Same")
    rejected = make_event(status=Event.Status.PROPOSED)
    set_status(events=[rejected], status=Event.Status.REJECTED, user=None, reason="No")
    gone = client.get(rejected.get_absolute_url())
    assert gone.status_code == 410
    pages = {"gone": gone.content}
    client.force_login(make_editor(username="rita", reviewer=True)[0])
    for name, path in {
        "queue": "/review/",
        "queue-bad": "/review/?date_from=nope",
        "edit": f"/review/{proposal.pk}/edit/",
        "event-staff": target.get_absolute_url(),
        "merged-staff": duplicate.get_absolute_url(),
    }.items():
        response = client.get(path)
        assert response.status_code in (200, 400), path
        pages[name] = response.content
    files = []
    for name, content in pages.items():
        file = tmp_path / f"{name}.html"
        file.write_bytes(content)
        files.append(file)
    errors = errors_in(validate(vnu, files))
    record_check("HTML errors", problems=len(errors), checked=len(files))
    assert errors == [], "vnu found errors:\n" + "\n".join(describe(e) for e in errors)
