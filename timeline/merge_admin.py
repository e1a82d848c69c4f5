"""The admin's "Merge selected into …" action, for actors, places and outlets.

The action opens a confirmation page listing the selection, where the editor picks the
one to keep; posting it (with its CSRF token) runs the merge service. Merging deletes the
others, so it needs both the change and the delete permission (the admin's own
`permissions=` on an action accepts any one of those listed, hence `has_merge_permission`).
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.template.response import TemplateResponse

from timeline.merging import MergeError, MergeResult


class MergeTargetForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        label="Keep",
        error_messages={"required": "Choose the one to keep."},
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = queryset


class MergeAdminMixin:
    """For a ModelAdmin with a merge action: who may merge."""

    def has_merge_permission(self, request: HttpRequest) -> bool:
        return self.has_change_permission(request) and self.has_delete_permission(request)


def merge_action(merge: Callable[..., MergeResult], noun: str):
    """An admin action merging the selected rows into the one the editor picks.

    The ModelAdmin using it needs MergeAdminMixin.
    """

    @admin.action(description=f"Merge selected {noun}s into …", permissions=["merge"])
    def merge_selected(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset):
        if not modeladmin.has_merge_permission(request):
            raise PermissionDenied
        selected = list(queryset.order_by("name"))
        if len(selected) < 2:
            modeladmin.message_user(
                request, f"Select at least two {noun}s to merge.", messages.WARNING
            )
            return None
        form = MergeTargetForm(
            request.POST if "confirm" in request.POST else None,
            queryset=queryset.order_by("name"),
        )
        if form.is_valid():
            into = form.cleaned_data["into"]
            sources = [row for row in selected if row.pk != into.pk]
            try:
                with transaction.atomic():
                    modeladmin.log_deletions(request, queryset.exclude(pk=into.pk))
                    result = merge(sources=sources, into=into)
                    modeladmin.log_change(request, into, result.one_line())
            except MergeError as error:
                modeladmin.message_user(request, f"Nothing was merged: {error}.", messages.ERROR)
                return None
            modeladmin.message_user(request, result.one_line(), messages.SUCCESS)
            return None
        opts = modeladmin.model._meta
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"Merge {len(selected)} {noun}s",
            "noun": noun,
            "opts": opts,
            "form": form,
            "selected": selected,
            "action_name": request.POST.get("action", "merge_selected"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": modeladmin.media,
        }
        return TemplateResponse(request, "admin/timeline/merge_confirmation.html", context)

    return merge_selected
