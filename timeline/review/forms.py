"""The desk's forms: the queue's filters, the inline edit (the admin's validation: the
model's full_clean), and the reason every publish, rejection, merge and revert needs."""

from __future__ import annotations

import re

from django import forms
from django.db.models import Q

from timeline.history_fields import REASON_MAX_LENGTH
from timeline.models import Article, Event, EventType, Location


class ISODateInput(forms.DateInput):
    """A date input that echoes only a date: a browser's date field cannot hold "nope"
    (the error beside it says what was wrong)."""

    input_type = "date"

    def format_value(self, value):
        value = super().format_value(value)
        return value if isinstance(value, str) and ISO_DATE.match(value) else None


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueueFilterForm(forms.Form):
    article = forms.CharField(
        required=False, max_length=200, label="Article", help_text="Its slug."
    )
    type = forms.ModelChoiceField(
        queryset=EventType.objects.all(),
        required=False,
        to_field_name="slug",
        label="Type",
        empty_label="Any type",
    )
    outlet = forms.CharField(required=False, max_length=200, label="Outlet")
    date_from = forms.DateField(required=False, label="From", widget=ISODateInput)
    date_to = forms.DateField(required=False, label="To", widget=ISODateInput)

    def clean_article(self) -> Article | None:
        slug = self.cleaned_data["article"].strip()
        if not slug:
            return None
        article = Article.objects.defer("text").filter(slug=slug).first()
        if article is None:
            raise forms.ValidationError(f"There is no article “{slug}”.")
        return article

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned


def reason_field(*, required: bool, label: str = "Reason") -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=REASON_MAX_LENGTH,
        label=label,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class EventEditForm(forms.ModelForm):
    """The fields an editor fixes on a proposal. Location is typed (name or slug): the
    gazetteer holds thousands of places, too many for a select."""

    place = forms.CharField(
        required=False, max_length=300, label="Place", help_text="Name or slug; empty for none."
    )
    reason = reason_field(required=False, label="Reason (required for a published event)")

    class Meta:
        model = Event
        fields = [
            "title",
            "type",
            "sub_type",
            "date_start",
            "date_end",
            "date_precision",
            "summary",
        ]
        widgets = {
            "date_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.location_id:
            self.fields["place"].initial = self.instance.location.name
        self.fields["sub_type"].queryset = self.fields["sub_type"].queryset.select_related("type")

    def clean_place(self) -> Location | None:
        value = self.cleaned_data["place"].strip()
        if not value:
            return None
        matches = list(Location.objects.filter(Q(slug=value) | Q(name__iexact=value))[:2])
        if not matches:
            raise forms.ValidationError(f"There is no place “{value}”.")
        if len(matches) > 1:
            raise forms.ValidationError(f"“{value}” names several places; give the slug.")
        return matches[0]

    def _post_clean(self):
        self.instance.location = self.cleaned_data.get("place")
        super()._post_clean()
