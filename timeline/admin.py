"""The editors' admin: review proposed events, fix them, attach evidence, publish.

Every changelist loads its rows in a fixed number of queries (select_related, prefetches
and counts as subqueries); test_admin pins those numbers.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.views.main import ChangeList
from django.db import models
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import ngettext

from timeline import editorial, provenance
from timeline.date_display import describe_span
from timeline.history_fields import REASON_MAX_LENGTH, current_change, editorial_change
from timeline.merge_admin import MergeAdminMixin, merge_action
from timeline.merging import merge_actors, merge_locations, merge_outlets
from timeline.models import (
    Actor,
    Article,
    DatasetRecord,
    Event,
    EventActor,
    EventSubType,
    EventType,
    Evidence,
    Figure,
    Location,
    LoginFailures,
    Outlet,
)
from timeline.outlets import link_article_outlets
from timeline.proposing import propose_for_articles

admin.site.site_header = "Conflict-events timeline — editors"
admin.site.site_title = "Conflict-events timeline"
admin.site.index_title = "Editors"
# The app list on every page took a quarter of a 1280 px screen from the changelists; the
# breadcrumbs and the index page navigate instead.
admin.site.enable_nav_sidebar = False


def count_of(model: type[models.Model], field: str) -> Coalesce:
    """How many `model` rows point at the outer row through `field`, as a subquery.

    A subquery rather than Count() over a join: no GROUP BY, so the admin's search,
    facets, update() and delete() work on the annotated queryset unchanged.
    """
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)


def changelist_link(model: type[models.Model], text: str, **filters) -> str:
    url = reverse(f"admin:timeline_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), text)


class ReasonActionForm(ActionForm):
    """The action bar with a reason: publishing and rejecting record one in history."""

    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        label="Reason",
        widget=forms.TextInput(attrs={"placeholder": "Reason (to publish or reject)"}),
    )


# --- Articles -------------------------------------------------------------------------


class DeferredTextChangeList(ChangeList):
    """The article list never shows the body, so it does not fetch it (articles are long)."""

    def get_queryset(self, request, exclude_parameters=None):
        return super().get_queryset(request, exclude_parameters).defer("text")


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "published", "dateline", "language", "evidence_count"]
    list_filter = ["outlet", "language", "published"]
    search_fields = ["title", "=slug", "outlet", "dateline", "url", "text"]
    date_hierarchy = "published"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["content_hash", "imported_at", "evidence_count", "reader_link"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "outlet", "outlets", "published", "dateline", "url"]},
        ),
        ("Text", {"fields": ["text", "language"]}),
        (
            "Record",
            {"fields": ["reader_link", "evidence_count", "content_hash", "imported_at"]},
        ),
    ]
    actions = ["propose_events"]
    autocomplete_fields = ["outlets"]

    @admin.action(description="Propose events from the selected articles", permissions=["change"])
    def propose_events(self, request: HttpRequest, queryset) -> None:
        summary = propose_for_articles(articles=queryset.news())
        self.message_user(request, summary.one_line(), messages.SUCCESS)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_evidence_count=count_of(Evidence, "article"))

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # An article given outlet text but no outlet row cites the one the text names.
        link_article_outlets(articles=[form.instance])

    def get_changelist(self, request: HttpRequest, **kwargs):
        return DeferredTextChangeList

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "text":
            kwargs["widget"] = forms.Textarea(
                attrs={"rows": 30, "cols": 100, "class": "vLargeTextField"}
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="Evidence", ordering="_evidence_count")
    def evidence_count(self, obj: Article) -> str:
        if obj.pk is None:
            return "—"
        count = getattr(obj, "_evidence_count", None)
        if count is None:
            count = obj.evidence.count()
        if not count:
            return "0"
        return changelist_link(Evidence, str(count), article__id__exact=obj.pk)

    @admin.display(description="Reader")
    def reader_link(self, obj: Article) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">View in reader</a>', obj.get_absolute_url())


# --- Event types, actors, locations ---------------------------------------------------


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "colour",
        "symbol",
        "acled_event_type",
        "acled_sub_event_type",
        "plover_category",
        "order",
        "event_count",
    ]
    list_editable = ["order"]
    list_filter = ["acled_event_type", "plover_category"]
    search_fields = ["name", "slug", "description", "acled_event_type", "plover_category"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_event_count=count_of(Event, "type"))

    @admin.display(description="Events", ordering="_event_count")
    def event_count(self, obj: EventType) -> int:
        return obj._event_count


@admin.register(EventSubType)
class EventSubTypeAdmin(admin.ModelAdmin):
    """Sub-types listed by their type (the model's ordering), with how many events each has."""

    list_display = [
        "name",
        "type",
        "slug",
        "acled_sub_event_type",
        "ucdp_type_of_violence",
        "order",
        "event_count",
    ]
    list_editable = ["order"]
    list_filter = ["type"]
    list_select_related = ["type"]
    search_fields = ["name", "slug", "type__name", "acled_sub_event_type", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("type")
            .annotate(_event_count=count_of(Event, "sub_type"))
        )

    @admin.display(description="Events", ordering="_event_count")
    def event_count(self, obj: EventSubType) -> str:
        if not obj._event_count:
            return "0"
        return changelist_link(Event, str(obj._event_count), sub_type=obj.slug)


class AliasesForm(forms.ModelForm):
    """Aliases are one per line; a textarea sized for a list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["aliases"].widget = forms.Textarea(attrs={"rows": 6, "cols": 40})

    def clean_aliases(self) -> str:
        # Store one clean alias per line whatever the editor pasted.
        lines = [line.strip() for line in self.cleaned_data["aliases"].splitlines()]
        return "\n".join(line for line in lines if line)


@admin.register(Actor)
class ActorAdmin(MergeAdminMixin, admin.ModelAdmin):
    form = AliasesForm
    list_display = ["name", "kind", "country", "acled_type", "event_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "=slug", "aliases", "country"]
    prepopulated_fields = {"slug": ["name"]}
    actions = [merge_action(merge_actors, "actor")]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(_event_count=count_of(EventActor, "actor"))

    @admin.display(description="Event roles", ordering="_event_count")
    def event_count(self, obj: Actor) -> int:
        return obj._event_count


@admin.register(Location)
class LocationAdmin(MergeAdminMixin, admin.ModelAdmin):
    form = AliasesForm
    list_display = ["name", "kind", "parent", "tree_path", "latitude", "longitude"]
    list_filter = ["kind", "geo_precision"]
    list_select_related = ["parent"]
    search_fields = ["name", "=slug", "aliases", "tree_path"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["tree_path"]
    actions = [merge_action(merge_locations, "location")]
    fields = [
        "name",
        "slug",
        "kind",
        "parent",
        "tree_path",
        ("latitude", "longitude"),
        "geo_precision",
        "aliases",
    ]


@admin.register(Outlet)
class OutletAdmin(MergeAdminMixin, admin.ModelAdmin):
    form = AliasesForm
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "=slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    actions = [merge_action(merge_outlets, "outlet")]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(_article_count=count_of(Article.outlets.through, "outlet"))
        )

    @admin.display(description="Articles citing it", ordering="_article_count")
    def article_count(self, obj: Outlet) -> int:
        return obj._article_count


# --- Events and what hangs off them ---------------------------------------------------


class EventActorInline(admin.TabularInline):
    model = EventActor
    fields = ["actor", "role", "side", "associated", "source_name"]
    autocomplete_fields = ["actor"]
    extra = 0


class EvidenceInline(admin.StackedInline):
    """Quote checked against the article by Evidence.clean(), which the inline form runs."""

    model = Evidence
    fields = ["article", "quote", ("start", "end"), "attributed_to"]
    autocomplete_fields = ["article"]
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "quote":
            field.widget = forms.Textarea(attrs={"rows": 3, "cols": 100})
            field.help_text = "Copied exactly from the article."
        elif db_field.name == "start":
            field.help_text = (
                "Character offsets; leave both empty to have them found from the quote "
                "(clear them when you change the quote)."
            )
        return field


class FigureInline(admin.TabularInline):
    model = Figure
    fields = ["kind", "basis", "qualifier", "low", "best", "high", "attributed_to", "evidence"]
    extra = 0

    def get_formset(self, request: HttpRequest, obj: Event | None = None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Only this event's evidence may back its figures (Figure.clean checks it too).
        evidence = formset.form.base_fields["evidence"]
        if obj is None:
            evidence.queryset = Evidence.objects.none()
            evidence.help_text = "Save the event first to link its evidence."
        else:
            evidence.queryset = Evidence.objects.filter(event=obj).order_by("id")
        return formset


class EvidencePresenceFilter(admin.SimpleListFilter):
    title = "evidence"
    parameter_name = "has_evidence"

    def lookups(self, request, model_admin):
        return [("yes", "With evidence"), ("no", "Without evidence")]

    def queryset(self, request, queryset):
        has_evidence = Evidence.objects.filter(event=OuterRef("pk"))
        if self.value() == "yes":
            return queryset.filter(models.Exists(has_evidence))
        if self.value() == "no":
            return queryset.filter(~models.Exists(has_evidence))
        return queryset


class LookupsOncePerRequest(admin.SimpleListFilter):
    """A list filter whose choices come from the database, read once per request.

    The changelist builds its filters again for each facet count, and each build asks
    every filter for its choices: without this, a query per filter per build.
    """

    def lookups(self, request, model_admin):
        return self.read_once(request)

    def read_once(self, request) -> list[tuple]:
        cache = request.__dict__.setdefault("_list_filter_lookups", {})
        key = type(self)
        if key not in cache:
            cache[key] = self.read_lookups()
        return cache[key]

    def read_lookups(self) -> list[tuple]:
        raise NotImplementedError


class SubTypeFilter(LookupsOncePerRequest):
    """Sub-types by slug, labelled with their type ("Military strike: Air or drone strike").

    Its own filter rather than the field's: that one would fetch each sub-type's type to
    label it, a query per sub-type.
    """

    title = "sub-type"
    parameter_name = "sub_type"

    def read_lookups(self) -> list[tuple[str, str]]:
        sub_types = EventSubType.objects.select_related("type")
        return [(sub.slug, f"{sub.type.name}: {sub.name}") for sub in sub_types]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(sub_type__slug=self.value())
        return queryset


class DatasetFilter(admin.SimpleListFilter):
    """Imported from ACLED, from UCDP, or from neither (curated and proposed events)."""

    title = "dataset"
    parameter_name = "dataset"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [*DatasetRecord.Dataset.choices, (self.NONE, "None (curated or proposed)")]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(dataset_record__isnull=True)
        if self.value() in DatasetRecord.Dataset.values:
            return queryset.filter(dataset_record__dataset=self.value())
        return queryset


class PlaceFilter(LookupsOncePerRequest):
    """Countries and regions, each including every place inside it (by tree path).

    Not a filter per location or per actor: with hundreds of them the sidebar and its
    facet counts would be unusable; search covers place and actor names.
    """

    title = "country or region"
    parameter_name = "place"

    def read_lookups(self) -> list[tuple]:
        areas = Location.objects.filter(
            kind__in=[Location.Kind.COUNTRY, Location.Kind.REGION]
        ).order_by("tree_path")
        return list(areas.values_list("slug", "name", "tree_path"))

    def lookups(self, request, model_admin):
        areas = self.read_once(request)
        self.tree_paths = {slug: tree_path for slug, _, tree_path in areas}
        return [(slug, name) for slug, name, _ in areas]

    def queryset(self, request, queryset):
        tree_path = self.tree_paths.get(self.value() or "")
        if tree_path is None:
            return queryset
        return queryset.filter(location__tree_path__startswith=tree_path)


class EventAdminForm(forms.ModelForm):
    """The event form plus the reason history records; required to change a published
    event, or to publish or reject one here."""

    change_reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_LENGTH,
        label="Reason for this change",
        help_text="Shown in the event's public history. Required for a published event "
        "and when publishing or rejecting.",
    )

    # No Meta: the admin builds the form for Event with its fieldsets' fields.

    def clean(self):
        cleaned = super().clean()
        stored = self.instance.status if self.instance.pk else None
        new = cleaned.get("status", stored)
        needs = stored == Event.Status.PUBLISHED or (
            new != stored and new in {Event.Status.PUBLISHED, Event.Status.REJECTED}
        )
        if needs and not (cleaned.get("change_reason") or "").strip():
            self.add_error("change_reason", "Give a short reason: it goes in the public history.")
        return cleaned


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    form = EventAdminForm
    action_form = ReasonActionForm
    # What fits at 1280 px without clipping (admin_events.css keeps titles readable);
    # actors and outlets are found by search.
    list_display = [
        "title",
        "type",
        "date",
        "place",
        "status",
        "source_count",
    ]
    list_display_links = ["title"]
    # Status first: editors review the proposals from here (counts always shown).
    list_filter = [
        "status",
        EvidencePresenceFilter,
        "type",
        SubTypeFilter,
        DatasetFilter,
        "date_precision",
        PlaceFilter,
    ]
    show_facets = admin.ShowFacets.ALWAYS
    list_select_related = ["type", "sub_type", "location"]
    search_fields = [
        "title",
        "=slug",
        "summary",
        "notes",
        "external_id",
        "location__name",
        "actors__name",
        "evidence__article__outlet",
    ]
    search_help_text = "Title, slug, summary, notes, external id, place, actor or outlet."
    date_hierarchy = "date_start"
    ordering = ["-date_start", "-id"]
    autocomplete_fields = ["type", "location"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created", "updated", "dataset_record_view"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "type",
                    "sub_type",
                    "status",
                    "location",
                    "change_reason",
                ]
            },
        ),
        ("When", {"fields": [("date_start", "date_end"), "date_precision", "reported_on"]}),
        ("Details", {"fields": ["summary", "notes"]}),
        (
            "Provenance",
            {
                "classes": ["collapse"],
                "fields": [
                    "external_id",
                    "external_timestamp",
                    "confidence",
                    "created",
                    "updated",
                ],
            },
        ),
        (
            "As coded by the dataset",
            {
                "description": "The dataset's own row, every column as read; not edited here.",
                "fields": ["dataset_record_view"],
            },
        ),
    ]
    inlines = [EventActorInline, EvidenceInline, FigureInline]
    actions = ["publish", "reject", "mark_proposed"]

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _evidence_count=count_of(Evidence, "event"),
                _figure_count=count_of(Figure, "event"),
            )
            .prefetch_related(
                Prefetch(
                    "event_actors",
                    queryset=EventActor.objects.select_related("actor").order_by("role", "id"),
                )
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "sub_type":
            # Labelled "Type: sub-type" from one query; the model checks it fits the type.
            kwargs["queryset"] = EventSubType.objects.select_related("type")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="Dataset record")
    def dataset_record_view(self, obj: Event) -> str:
        record = provenance.dataset_record_of(obj) if obj.pk else None
        if record is None:
            return "None: this event was not imported from a dataset."
        rows = format_html_join(
            "",
            "<tr><th scope='row'><code>{}</code></th><td>{}</td></tr>",
            provenance.record_columns(record),
        )
        return format_html(
            "<p>{} <strong>{}</strong>{}</p><table>{}</table>",
            record.get_dataset_display(),
            record.record_id,
            f" (revision {record.revision})" if record.revision is not None else "",
            rows,
        )

    class Media:
        css = {"all": ["css/admin_events.css"]}

    @admin.display(description="Date", ordering="date_start")
    def date(self, obj: Event) -> str:
        return describe_span(obj.date_start, obj.date_end, obj.date_precision)

    @admin.display(description="Place", ordering="location__name")
    def place(self, obj: Event) -> str:
        return obj.location.name if obj.location_id else "—"

    @admin.display(description="Sources", ordering="_evidence_count")
    def source_count(self, obj: Event) -> int:
        return obj._evidence_count

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("timeline.review_event")

    def get_readonly_fields(self, request: HttpRequest, obj: Event | None = None):
        # Only reviewers publish and reject, here as at the desk.
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_review_permission(request):
            fields.append("status")
        return fields

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Every row the form and its inlines save is one change in history, by this user.
        with editorial_change(user=request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        current = current_change()
        if current is not None:
            current.reason = form.cleaned_data.get("change_reason", "")
        if "status" in form.changed_data and obj.status != Event.Status.PROPOSED:
            obj.reviewed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def set_status(self, request: HttpRequest, queryset, status: str, verb: str) -> None:
        """Move the selected events to `status` (recorded in history with the reason typed
        beside the action), log it per event and say how many moved."""
        # Counted first: the changelist's own filter (?status__exact=…) may not match after.
        selected = queryset.count()
        changing = list(
            Event.objects.filter(pk__in=queryset.values("pk")).exclude(status=status).only("pk")
        )
        try:
            changed = editorial.set_status(
                events=changing,
                status=status,
                user=request.user,
                reason=request.POST.get("reason", ""),
            )
        except editorial.EditorialError as error:
            self.message_user(request, f"{error} Nothing was changed.", messages.ERROR)
            return
        if changing:
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=Event.objects.filter(pk__in=[event.pk for event in changing]),
                action_flag=CHANGE,
                change_message=f"Status set to {status} (admin action).",
            )
        unchanged = selected - changed
        message = ngettext("%(count)d event %(verb)s.", "%(count)d events %(verb)s.", changed) % {
            "count": changed,
            "verb": verb,
        }
        if unchanged:
            message += " " + ngettext(
                "%(count)d was already %(status)s.",
                "%(count)d were already %(status)s.",
                unchanged,
            ) % {"count": unchanged, "status": status}
        self.message_user(request, message, messages.SUCCESS)
        if status == Event.Status.PUBLISHED:
            bare = (
                Event.objects.filter(pk__in=[event.pk for event in changing])
                .filter(~models.Exists(Evidence.objects.filter(event=OuterRef("pk"))))
                .count()
            )
            if bare:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d published event has no evidence yet.",
                        "%(count)d published events have no evidence yet.",
                        bare,
                    )
                    % {"count": bare},
                    messages.WARNING,
                )

    @admin.action(description="Publish selected events", permissions=["review"])
    def publish(self, request: HttpRequest, queryset) -> None:
        self.set_status(request, queryset, Event.Status.PUBLISHED, "published")

    @admin.action(description="Reject selected events", permissions=["review"])
    def reject(self, request: HttpRequest, queryset) -> None:
        self.set_status(request, queryset, Event.Status.REJECTED, "rejected")

    @admin.action(description="Mark selected events as proposed", permissions=["review"])
    def mark_proposed(self, request: HttpRequest, queryset) -> None:
        self.set_status(request, queryset, Event.Status.PROPOSED, "marked as proposed")


@admin.register(EventActor)
class EventActorAdmin(admin.ModelAdmin):
    list_display = ["event", "actor", "role"]
    list_filter = ["role", "actor__kind"]
    list_select_related = ["event", "actor"]
    search_fields = ["event__title", "actor__name"]
    autocomplete_fields = ["event", "actor"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["short_quote", "event", "article", "attributed_to", "start", "end"]
    list_filter = ["event__status", "event__type", "article__outlet"]
    list_select_related = ["event", "article"]
    search_fields = ["quote", "attributed_to", "event__title", "article__title", "=article__slug"]
    autocomplete_fields = ["event", "article"]
    fields = ["event", "article", "quote", ("start", "end"), "attributed_to"]

    def get_queryset(self, request: HttpRequest):
        # The article body is not shown here; do not fetch it for every row.
        return (
            super().get_queryset(request).select_related("event", "article").defer("article__text")
        )

    @admin.display(description="Quote", ordering="quote")
    def short_quote(self, obj: Evidence) -> str:
        return Truncator(obj.quote).chars(90)


@admin.register(Figure)
class FigureAdmin(admin.ModelAdmin):
    list_display = ["amount_and_kind", "kind", "event", "attributed_to"]
    list_filter = ["kind", "qualifier", "event__status"]
    list_select_related = ["event"]
    search_fields = ["attributed_to", "event__title"]
    autocomplete_fields = ["event", "evidence"]

    @admin.display(description="Figure", ordering="low")
    def amount_and_kind(self, obj: Figure) -> str:
        return obj.display


@admin.register(LoginFailures)
class LoginFailuresAdmin(admin.ModelAdmin):
    """Who is locked out of the admin; deleting a row lifts its lock."""

    list_display = ["username", "count", "first_failed", "locked_until"]
    readonly_fields = ["username", "count", "first_failed", "locked_until"]
    search_fields = ["username"]

    def has_add_permission(self, request) -> bool:
        return False
