"""The editors' desk at /review/: the queue of proposals and the actions on them.

Staff only. Every action checks its permission here, on the server (timeline/roles.py);
the templates merely leave out buttons a user could not use. Each POST works as a plain
form (redirect back to the queue) and under htmx (the card is swapped for its outcome,
the counters updated out of band).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from timeline import editorial, roles
from timeline.models import Event
from timeline.review import queue
from timeline.review.forms import EventEditForm, QueueFilterForm
from timeline.views import HtmxHttpRequest, is_fragment_request

ACTIONS = {"publish", "reject", "merge", "send-back"}
STATUS_OF = {
    "publish": Event.Status.PUBLISHED,
    "reject": Event.Status.REJECTED,
    "send-back": Event.Status.PROPOSED,
}
DONE = {"publish": "Published", "reject": "Rejected", "send-back": "Sent back for review"}
BULK_ACTIONS = {"publish", "reject"}


def desk_required(view):
    """Anonymous users are sent to log in; logged-in users without a desk role get 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not roles.is_desk_user(request.user):
            raise PermissionDenied("The review desk is for editors.")
        return view(request, *args, **kwargs)

    return wrapped


def _back(request, default: str | None = None) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default or reverse("review:queue")


@require_safe
@desk_required
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    # Field errors show beside their field; the banner names them too, for a screen reader.
    errors = (
        [
            f"{form.fields[name].label if name in form.fields else 'Filters'}: {e}"
            for name, errs in form.errors.items()
            for e in errs
        ]
        if form.is_bound
        else []
    )
    after = request.GET.get("after")
    if after is not None and not after.isdigit():
        errors.append("That page link is not valid; start again from the first page.")
        after = None
    page = queue.QueuePage([], None)
    if not errors:
        page = queue.page_after(queue.proposals(filters), int(after) if after else None)
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "form": form,
        "errors": errors,
        "page": page,
        "counters": queue.counters(),
        "filter_query": query.urlencode(),
        "can_review": roles.can_review(request.user),
        "here": request.get_full_path(),
    }
    template = (
        "review/queue.html#queue-list" if is_fragment_request(request) else "review/queue.html"
    )
    response = render(request, template, context, status=400 if errors else 200)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _outcome(request, event: Event, message: str, *, level=messages.SUCCESS) -> HttpResponse:
    """The answer to an action: under htmx the card's outcome and fresh counters, else a
    redirect back to where the editor was, with the message."""
    if is_fragment_request(request):
        response = render(
            request,
            "review/_outcome.html",
            {"event": event, "message": message, "counters": queue.counters(), "level": level},
        )
        patch_vary_headers(response, ("HX-Request",))
        return response
    messages.add_message(request, level, message)
    return redirect(_back(request))


@require_POST
@desk_required
def act(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One action on one event: publish, reject, merge into another, send back for review."""
    event = get_object_or_404(Event, pk=pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return _outcome(request, event, f"“{action}” is not an action.", level=messages.ERROR)
    # Publishing, rejecting and taking a published event back off the site are reviewers'.
    unpublishing = action == "send-back" and event.status == Event.Status.PUBLISHED
    if (action in {"publish", "reject"} or unpublishing) and not roles.can_review(request.user):
        raise PermissionDenied("Only reviewers publish, reject or unpublish.")
    reason = request.POST.get("reason", "")
    try:
        if action == "merge":
            slug = (request.POST.get("into_other") or request.POST.get("into") or "").strip()
            into = Event.objects.filter(slug=slug).first()
            if into is None:
                raise editorial.EditorialError(
                    f"There is no event “{slug}” to merge into."
                    if slug
                    else "Choose the event to merge into."
                )
            result = editorial.merge(event=event, into=into, user=request.user, reason=reason)
            message = (
                f"Merged “{event.title}” into “{result.into.title}”: {result.evidence_moved} "
                f"quote(s), {result.figures_moved} figure(s) moved."
            )
        else:
            editorial.set_status(
                events=[event], status=STATUS_OF[action], user=request.user, reason=reason
            )
            message = f"{DONE[action]} “{event.title}”."
    except editorial.EditorialError as error:
        if is_fragment_request(request):
            response = HttpResponse(
                str(error), status=200, content_type="text/plain; charset=utf-8"
            )
            response["HX-Retarget"] = f"#problem-{event.pk}"
            response["HX-Reswap"] = "innerHTML"
            return response
        messages.error(request, str(error))
        return redirect(_back(request))
    event.refresh_from_db()
    return _outcome(request, event, message)


@require_POST
@desk_required
def bulk(request: HtmxHttpRequest) -> HttpResponse:
    """Publish or reject the selected proposals, with one reason."""
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, "Choose publish or reject for the selection.")
        return redirect(_back(request))
    if not roles.can_review(request.user):
        raise PermissionDenied("Only reviewers publish and reject.")
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdigit()]
    if not ids:
        messages.error(request, "Select at least one proposal.")
        return redirect(_back(request))
    status = Event.Status.PUBLISHED if action == "publish" else Event.Status.REJECTED
    try:
        moved = editorial.set_status(
            events=list(Event.objects.filter(pk__in=ids, status=Event.Status.PROPOSED)),
            status=status,
            user=request.user,
            reason=request.POST.get("reason", ""),
        )
    except editorial.EditorialError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{moved} proposal(s) {status}.")
    return redirect(_back(request))


@require_http_methods(["GET", "HEAD", "POST"])
@desk_required
def edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The inline edit form of one event (the admin's validation), and its save."""
    event = get_object_or_404(Event.objects.select_related("location"), pk=pk)
    form = EventEditForm(request.POST or None, instance=event)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                editorial.save_edit(
                    event=form.save(commit=False),
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except editorial.EditorialError as error:
                form.add_error("reason", str(error))
            else:
                if is_fragment_request(request):
                    # The card again, as edited, ready to publish.
                    response = render(
                        request,
                        "review/_proposal.html",
                        {
                            "proposal": queue.one_for_review(event.pk),
                            "can_review": roles.can_review(request.user),
                            "here": _back(request),
                        },
                    )
                    response["HX-Retarget"] = f"#proposal-{event.pk}"
                    response["HX-Reswap"] = "outerHTML"
                    return response
                messages.success(request, f"Saved “{event.title}”.")
                return redirect(_back(request))
        # Under htmx a 200 is swapped in; without JavaScript the page says 400.
        status = 200 if is_fragment_request(request) else 400
    context = {"event": event, "form": form, "next": _back(request, request.GET.get("next"))}
    if request.method == "GET" and request.GET.get("next"):
        next_url = request.GET["next"]
        if url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            context["next"] = next_url
    template = "review/edit.html#edit-form" if is_fragment_request(request) else "review/edit.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@desk_required
def revert(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Put an event back as it was at a version of its history (a new, reasoned change)."""
    event = get_object_or_404(Event, pk=pk)
    history_id = request.POST.get("version", "")
    try:
        if not history_id.isdigit():
            raise editorial.EditorialError("Choose a version to revert to.")
        editorial.revert(
            event=event,
            history_id=int(history_id),
            user=request.user,
            reason=request.POST.get("reason", ""),
        )
    except editorial.EditorialError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Reverted to that version.")
    return redirect(event.get_absolute_url() + "#history")
