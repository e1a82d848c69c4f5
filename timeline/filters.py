"""One EventFilter, used by the timeline page, its htmx partial, the map and every export.

The query parameters are a stable interface (DESIGN.md): type, sub_type and actor (slugs,
repeatable: several values of one parameter mean any of them, different parameters all
apply), location (slug, includes places inside it), from and to (ISO dates, inclusive,
matched against the event's date span), q (text), outlet, sort.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Q, QuerySet

from timeline import facet_summary, search
from timeline.models import (
    Actor,
    ActorRedirect,
    Article,
    Event,
    EventActor,
    EventSubType,
    EventType,
    Evidence,
    Figure,
    Location,
    LocationRedirect,
    Outlet,
    SearchDocument,
)
from timeline.outlets import OutletIndex

CASUALTY_KINDS = [Figure.Kind.KILLED, Figure.Kind.INJURED]
# Below this many matches a text search is run once and its ids reused (SQLite allows
# 32,766 bound parameters in a statement, PostgreSQL 65,535).
SEARCH_IDS_LIMIT = 20_000
CORROBORATION_CHOICES = [("single", "Single source"), ("multiple", "Several outlets")]
# "-date" (newest first) is the default. The killed and outlets orders serve the table view
# (and the cards alike); exports keep date order for them.
SORT_CHOICES = [
    ("-date", "Newest first"),
    ("date", "Oldest first"),
    ("-killed", "Most killed first"),
    ("killed", "Fewest killed first"),
    ("-outlets", "Most outlets first"),
    ("outlets", "Fewest outlets first"),
    ("relevance", "Most relevant (with a search)"),
]
DEFAULT_SORT = "-date"
VIEW_CHOICES = [("list", "Cards"), ("table", "Table")]
# The comparison chart (timeline/chart.py): what splits the bars, what they measure, the
# bucket width, and whether to draw one small chart per split value side by side.
SPLIT_CHOICES = [
    ("type", "Event type"),
    ("sub_type", "Sub-type"),
    ("actor", "Actor"),
    ("location", "Place"),
    ("outlet", "Outlet"),
]
MEASURE_CHOICES = [("count", "Events"), ("killed", "Killed")]
BUCKET_CHOICES = [("day", "Day"), ("week", "Week"), ("month", "Month"), ("year", "Year")]
GROUP_CHOICES = [("stacked", "Stacked"), ("multiples", "Side by side")]
# "Load more" keeps how many pages are shown in the URL; a link may ask for this many.
MAX_PAGES = 20
# The outlet facet lists the most cited outlets (and the chosen one).
OUTLET_OPTIONS = 25
STATUS_CHOICES = Event.Status.choices


class EventFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            raise forms.ValidationError(
                f"The start date ({start:%-d %b %Y}) is after the end date ({end:%-d %b %Y})."
            )
        return cleaned


class SlugMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    """Repeatable ?type=a&type=b by slug; several values mean any of them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


class RedirectedSlugsField(django_filters.fields.ModelMultipleChoiceField):
    """Slugs, where the old slug of a merged actor stands for the actor it was merged into.

    Redirects are looked up only when a slug is not found, so a current slug costs no
    extra query. `given` maps each chosen row's pk to the value the URL gave for it.
    """

    redirect_model = ActorRedirect
    redirect_field = "actor"

    def _check_values(self, value):
        values = [str(v) for v in value]
        try:
            chosen = super()._check_values(values)
            moved: dict[str, str] = {}
        except forms.ValidationError:
            moved = dict(
                self.redirect_model.objects.filter(old_slug__in=values).values_list(
                    "old_slug", f"{self.redirect_field}__slug"
                )
            )
            if not moved:
                raise
            chosen = super()._check_values([moved.get(v, v) for v in values])
        by_slug = {row.slug: row.pk for row in chosen}
        self.given = {by_slug.get(moved.get(v, v)): v for v in values}
        return chosen


class RedirectedSlugMultipleChoiceFilter(SlugMultipleChoiceFilter):
    field_class = RedirectedSlugsField


class RedirectedSlugField(django_filters.fields.ModelChoiceField):
    """One slug, where a merged place's old slug stands for the place it was merged into."""

    def to_python(self, value):
        self.given = value
        if value in self.empty_values:
            return None
        try:
            return self.queryset.get(slug=value)
        except (self.queryset.model.DoesNotExist, ValueError, TypeError):
            redirect = (
                LocationRedirect.objects.filter(old_slug=value).select_related("location").first()
            )
            if redirect is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": value},
                ) from None
            return redirect.location


class RedirectedSlugFilter(django_filters.ModelChoiceFilter):
    field_class = RedirectedSlugField


class OutletField(forms.CharField):
    """An outlet by name, alias or slug (any case), among the outlets articles cite.

    Cleans to the Outlet; a name no article cites is an error naming close matches.
    """

    def clean(self, value):
        text = super().clean(value)
        self.given = text
        if not text or not text.strip():
            return None
        found = OutletIndex.cited().match(text)
        if found.outlet is not None:
            return found.outlet
        hint = (
            f" Did you mean {', '.join(f'“{name}”' for name in found.suggestions)}?"
            if found.suggestions
            else " Outlets are matched by name, alias or slug."
        )
        raise forms.ValidationError(f"no article cites an outlet called “{text.strip()}”.{hint}")


class OutletFilter(django_filters.Filter):
    field_class = OutletField


class EventFilter(django_filters.FilterSet):
    type = SlugMultipleChoiceFilter(
        queryset=EventType.objects.all(),
        label="Event type",
        method="filter_type",
        error_messages={"invalid_choice": "there is no event type “%(value)s”."},
    )
    sub_type = SlugMultipleChoiceFilter(
        queryset=EventSubType.objects.select_related("type"),
        label="Event sub-type",
        method="filter_sub_type",
        error_messages={"invalid_choice": "there is no event sub-type “%(value)s”."},
    )
    actor = RedirectedSlugMultipleChoiceFilter(
        queryset=Actor.objects.all(),
        label="Actor",
        method="filter_actor",
        error_messages={"invalid_choice": "there is no actor “%(value)s”."},
    )
    location = RedirectedSlugFilter(
        queryset=Location.objects.all(),
        to_field_name="slug",
        label="Location",
        method="filter_location",
        error_messages={"invalid_choice": "there is no location “%(value)s”."},
    )
    date_from = django_filters.DateFilter(label="From", method="filter_from")
    date_to = django_filters.DateFilter(label="To", method="filter_to")
    q = django_filters.CharFilter(label="Search", method="filter_text", max_length=200)
    outlet = OutletFilter(label="Outlet", method="filter_outlet", max_length=200)
    casualties = django_filters.BooleanFilter(
        label="Only events with casualty figures",
        method="filter_casualties",
        widget=forms.CheckboxInput,
    )
    corroboration = django_filters.ChoiceFilter(
        choices=CORROBORATION_CHOICES,
        method="filter_corroboration",
        label="Corroboration",
        error_messages={"invalid_choice": "“%(value)s” is not a choice; use single or multiple."},
    )
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        label="Status",
        error_messages={"invalid_choice": "“%(value)s” is not a status."},
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES,
        method="filter_nothing",
        label="Order",
        error_messages={
            "invalid_choice": "“%(value)s” is not an order; use -date, date, -killed, "
            "killed, -outlets, outlets or relevance."
        },
    )
    # Not filters: how the same filtered events are shown. Validated here so that a bad
    # value reads as a message like any other, and kept in every permalink.
    view = django_filters.ChoiceFilter(
        choices=VIEW_CHOICES,
        method="filter_nothing",
        label="View",
        error_messages={"invalid_choice": "“%(value)s” is not a view; use list or table."},
    )
    pages = django_filters.NumberFilter(
        method="filter_nothing",
        label="Pages shown",
        min_value=1,
        max_value=MAX_PAGES,
    )
    split = django_filters.ChoiceFilter(
        choices=SPLIT_CHOICES,
        method="filter_nothing",
        label="Chart split",
        error_messages={
            "invalid_choice": "“%(value)s” is not a split; use type, sub_type, actor, "
            "location or outlet."
        },
    )
    measure = django_filters.ChoiceFilter(
        choices=MEASURE_CHOICES,
        method="filter_nothing",
        label="Chart measure",
        error_messages={"invalid_choice": "“%(value)s” is not a measure; use count or killed."},
    )
    bucket = django_filters.ChoiceFilter(
        choices=BUCKET_CHOICES,
        method="filter_nothing",
        label="Chart bucket",
        error_messages={
            "invalid_choice": "“%(value)s” is not a bucket; use day, week, month or year."
        },
    )
    group = django_filters.ChoiceFilter(
        choices=GROUP_CHOICES,
        method="filter_nothing",
        label="Chart layout",
        error_messages={
            "invalid_choice": "“%(value)s” is not a chart layout; use stacked or multiples."
        },
    )

    class Meta:
        model = Event
        fields: list[str] = []
        form = EventFilterForm

    # Facets are counted with every active filter but their own (Datasette's semantics).
    FACETS = ("type", "sub_type", "actor", "location", "outlet")

    def __init__(self, data=None, *args, user=None, summary=False, **kwargs):
        """`summary`: the queryset is Event.objects.visible_to(user), so counts may come
        from timeline.facet_summary when the filter is expressible on it."""
        self.user = user
        self._matches: dict[str, object] = {}
        self._summary_allowed = summary
        self._summary_usable: bool | None = None
        super().__init__(data, *args, **kwargs)

    @property
    def is_staff(self) -> bool:
        return bool(self.user and self.user.is_active and self.user.is_staff)

    # -- the filters -------------------------------------------------------------------
    def filter_type(self, queryset, name, value):
        return queryset.filter(type__in=value) if value else queryset

    def filter_sub_type(self, queryset, name, value):
        return queryset.filter(sub_type__in=value) if value else queryset

    def filter_actor(self, queryset, name, value):
        if not value:
            return queryset
        # A subquery rather than a join, so an event with two chosen actors appears once.
        return queryset.filter(pk__in=EventActor.objects.filter(actor__in=value).values("event"))

    def filter_location(self, queryset, name, value):
        return queryset.within(value) if value else queryset

    def filter_from(self, queryset, name, value):
        return queryset.overlapping(value, None)

    def filter_to(self, queryset, name, value):
        return queryset.overlapping(None, value)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(pk__in=self._text_matches(value)) if value else queryset

    def _text_matches(self, text: str):
        """The events matching `text`, searched once per request.

        The page, its count, the chart and every facet filter by the text; as a subquery
        the search ran in each of them. A selective search (most are) is run once and
        its ids reused, as one array parameter (thousands of literals in every facet
        query cost more to parse and plan than to run); one matching more than
        SEARCH_IDS_LIMIT events stays a subquery.
        """
        if text not in self._matches:
            using = self.queryset.db
            matches = search.document_matches(text, using=using)
            if matches is None:
                self._matches[text] = []
            else:
                ids = list(matches[: SEARCH_IDS_LIMIT + 1])
                fits = len(ids) <= SEARCH_IDS_LIMIT
                self._matches[text] = search.id_set(ids, using=using) if fits else matches
        return self._matches[text]

    def filter_outlet(self, queryset, name, value):
        """Events whose evidence comes from an article citing the outlet."""
        if value is None:
            return queryset
        return queryset.filter(
            pk__in=Evidence.objects.filter(article__outlets=value).values("event")
        )

    def filter_casualties(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=Figure.objects.filter(kind__in=CASUALTY_KINDS).values("event")
        )

    def filter_corroboration(self, queryset, name, value):
        # Event.outlet_count: distinct outlets, wire copies once (timeline/corroboration.py).
        if value == "single":
            return queryset.filter(outlet_count__lte=1)
        if value == "multiple":
            return queryset.filter(outlet_count__gte=2)
        return queryset

    def filter_status(self, queryset, name, value):
        # Only staff see anything but published events; for them the filter narrows.
        return queryset.filter(status=value) if value and self.is_staff else queryset

    def filter_nothing(self, queryset, name, value):
        return queryset

    # -- the summary ---------------------------------------------------------------------
    def summary_selection(self, skip: str | None = None) -> facet_summary.Selection | None:
        """What the filter (less `skip`) selects, when the facet summary can count it:
        only type, sub-type, dates and status are active, and the summary is current
        (PostgreSQL; checked once per filter). None: count the exact way."""
        if not self._summary_allowed or not self.is_bound or not self.form.is_valid():
            return None
        data = self.form.cleaned_data
        active = {
            name
            for name, value in data.items()
            if name != skip and name not in facet_summary.NOT_FILTERS and self._in_use(value)
        }
        if not self.is_staff:
            active.discard("status")  # the filter does nothing for the public
        if active - facet_summary.EXPRESSIBLE:
            return None
        if self._summary_usable is None:
            self._summary_usable = facet_summary.usable(using=self.queryset.db)
        if not self._summary_usable:
            return None
        if self.is_staff:
            status = data.get("status") if skip != "status" and data.get("status") else None
        else:
            status = Event.Status.PUBLISHED
        return facet_summary.Selection(
            status=status,
            types=tuple(t.pk for t in data.get("type") or []) if skip != "type" else (),
            sub_types=tuple(t.pk for t in data.get("sub_type") or []) if skip != "sub_type" else (),
            date_from=data.get("from") if skip != "from" else None,
            date_to=data.get("to") if skip != "to" else None,
        )

    def count(self) -> int:
        """How many events the filter matches (from the summary when it can)."""
        selection = self.summary_selection()
        if selection is not None:
            return facet_summary.total(selection, using=self.queryset.db)
        return self.qs.count()

    # -- what the views need -----------------------------------------------------------
    def filter_queryset_except(self, skip: str) -> QuerySet:
        """The base queryset with every valid filter applied but `skip`."""
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name == skip:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def _base(self, skip: str) -> QuerySet:
        """What a facet counts over: every filter but its own (all events when the
        filter is invalid)."""
        return (
            self.filter_queryset_except(skip)
            if self.is_bound and self.form.is_valid()
            else self.queryset
        )

    def choice(self, name: str, default: str = "") -> str:
        """A valid display parameter's value (sort, view, split, …), or its default."""
        if self.is_bound and self.form.is_valid():
            return self.form.cleaned_data.get(name) or default
        return default

    @property
    def sort_order(self) -> str:
        """The list's order: relevance is the default with a search, and only with one."""
        sort = self.choice("sort")
        searching = bool(self.choice("q").strip())
        if searching and sort in {"", "relevance"}:
            return "relevance"
        if not sort or sort == "relevance":
            return DEFAULT_SORT
        return sort

    @property
    def newest_first(self) -> bool:
        """Date order for lists by date and for exports: newest first unless sort=date."""
        return self.sort_order != "date"

    @property
    def pages_shown(self) -> int:
        value = self.choice("pages")
        return int(value) if value else 1

    @property
    def error_messages(self) -> list[str]:
        """Every problem with the query, in words an analyst can act on."""
        if not self.is_bound or self.form.is_valid():
            return []
        messages = []
        for field, errors in self.form.errors.items():
            label = self.form.fields[field].label if field in self.form.fields else None
            for error in errors:
                messages.append(f"{label}: {error}" if label else error)
        return messages

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(parameter, value, label) for each active filter, for removable chips."""
        if not self.is_bound or not self.form.is_valid():
            return []
        data = self.form.cleaned_data
        chips = []
        for event_type in data.get("type") or []:
            chips.append(("type", event_type.slug, f"Type: {event_type.name}"))
        for sub_type in data.get("sub_type") or []:
            chips.append(("sub_type", sub_type.slug, f"Sub-type: {sub_type.name}"))
        given = self._given
        for actor in data.get("actor") or []:
            value = given("actor", {}).get(actor.pk, actor.slug)
            chips.append(("actor", value, f"Actor: {actor.name}"))
        if data.get("location"):
            value = given("location", data["location"].slug)
            chips.append(("location", value, f"In: {data['location'].name}"))
        if data.get("from"):
            chips.append(("from", data["from"].isoformat(), f"From {data['from']:%-d %b %Y}"))
        if data.get("to"):
            chips.append(("to", data["to"].isoformat(), f"To {data['to']:%-d %b %Y}"))
        if data.get("q"):
            chips.append(("q", data["q"], f"Text: “{data['q']}”"))
        if data.get("outlet"):
            value = given("outlet", data["outlet"].slug)
            chips.append(("outlet", value, f"Outlet: {data['outlet'].name}"))
        if data.get("casualties"):
            chips.append(("casualties", "on", "With casualty figures"))
        if data.get("corroboration"):
            label = dict(CORROBORATION_CHOICES)[data["corroboration"]]
            chips.append(("corroboration", data["corroboration"], label))
        if data.get("status") and self.is_staff:
            chips.append(("status", data["status"], f"Status: {data['status']}"))
        return chips

    def _given(self, name: str, default):
        """The value the URL gave for a filter (an old slug, an outlet's alias)."""
        return getattr(self.form.fields[name], "given", None) or default

    def facets(self) -> dict[str, list[dict]]:
        """Options for each facet with the count the *other* active filters leave for it."""
        valid = self.is_bound and self.form.is_valid()
        data = self.form.cleaned_data if valid else {}

        using = self.queryset.db
        self._shared = self._shared_counts() if valid else {}
        shared = self._shared
        by_type = self.summary_selection("type")
        by_sub_type = self.summary_selection("sub_type")
        if by_type is not None and by_sub_type is not None:
            type_counts, sub_type_counts = facet_summary.type_and_sub_type_counts(
                by_type, using=using
            )
            if by_sub_type != by_type:
                sub_type_counts = facet_summary.type_and_sub_type_counts(by_sub_type, using=using)[
                    1
                ]
        else:
            type_counts = shared.get("type")
            if type_counts is None:
                type_counts = dict(
                    self._base("type")
                    .values_list("type")
                    .annotate(n=Count("id"))
                    .values_list("type", "n")
                )
            # Sub-types are nested under their type; each list shows the sub-types with
            # events under the other filters, and any chosen one (so that it can be
            # unticked).
            sub_type_counts = shared.get("sub_type")
            if sub_type_counts is None:
                sub_type_counts = dict(
                    self._base("sub_type")
                    .exclude(sub_type=None)
                    .values_list("sub_type")
                    .annotate(n=Count("id"))
                    .values_list("sub_type", "n")
                )
        chosen_types = {t.pk for t in data.get("type") or []}
        chosen_sub_types = {s.pk for s in data.get("sub_type") or []}
        sub_types_by_type: dict[int, list[dict]] = {}
        for sub_type in EventSubType.objects.all():
            count = sub_type_counts.get(sub_type.pk, 0)
            selected = sub_type.pk in chosen_sub_types
            if count or selected:
                sub_types_by_type.setdefault(sub_type.type_id, []).append(
                    {
                        "value": sub_type.slug,
                        "label": sub_type.name,
                        "count": count,
                        "selected": selected,
                    }
                )
        types = [
            {
                "value": t.slug,
                "label": t.name,
                "count": type_counts.get(t.pk, 0),
                "selected": t.pk in chosen_types,
                "type": t,
                "sub_types": sub_types_by_type.get(t.pk, []),
            }
            for t in EventType.objects.all()
        ]

        actor_counts = self._counts_of("actor")
        chosen_actors = {a.pk for a in data.get("actor") or []}
        shown_actor_ids = set(sorted(actor_counts, key=actor_counts.get, reverse=True)[:25])
        shown_actor_ids |= chosen_actors
        actors = [
            {
                "value": a.slug,
                "label": a.name,
                "count": actor_counts.get(a.pk, 0),
                "selected": a.pk in chosen_actors,
            }
            for a in Actor.objects.filter(pk__in=shown_actor_ids).only("slug", "name")
        ]
        actors.sort(key=lambda o: (-o["count"], o["label"]))

        location_counts = self._location_counts(self._counts_of("location"))
        chosen_location = data.get("location")
        locations = [
            {
                "value": loc.slug,
                "label": loc.name,
                "count": count,
                "selected": chosen_location is not None and loc.pk == chosen_location.pk,
                "depth": loc.tree_path.count("/") - 2,
            }
            for loc, count in location_counts
        ]

        # How many options each facet has in all, for its "all N …" link.
        self.facet_sizes = {
            "actor": sum(1 for n in actor_counts.values() if n),
            "location": self._place_count,
        }
        return {
            "type": types,
            "actor": actors,
            "location": locations,
            "outlet": self._outlet_options(data.get("outlet")),
        }

    # The facets counted from the event rows alone: one statement counts them together.
    ROW_FACETS = ("type", "sub_type", "location")

    def _shared_counts(self) -> dict[str, dict[int, int]]:
        """{facet: {id: events}} for each facet of the event row (type, sub-type, place;
        with a text search actor and outlet too) whose own filter is not in use, from one
        statement that finds the matching events once (PostgreSQL); {} when fewer than two
        such facets are left to count, or on SQLite (each is then counted by its own
        query).

        Such facets all count what the whole filter matches. Counted one query each, a
        broad search ("Gaza", in nearly every event) was run again by each; here the
        matches are a MATERIALIZED common table expression read by one GROUP BY per
        facet, UNION ALL. Read-only, so it runs on a replica too (a per-request temporary
        table could not: a hot standby is read-only).

        Without a text search the actor and outlet facets keep their own queries: they
        join a million or more link rows, and as branches of this statement they lost
        PostgreSQL's parallel workers and spilled their distinct (event, actor) pairs to
        disk: at 1,000,000 events, "Gaza" took 27 s a page that way against 21 s with
        every facet apart.
        Facets the summary counts (timeline.facet_summary) are left to it.

        With a text search, the actor and outlet facets are branches here too: every
        match has a search document, which keeps its event's actor and outlet ids
        (timeline.search_documents), so they are counted from the matches' arrays in the
        same pass, not by joining the link tables again (at 100,000 events, "killed"
        (12,530 matches) spent 0.2-0.5 s on each of those two facets, most of it finding
        the matches again and scanning the link tables; "Gaza" 0.5-0.65 s each).
        """
        self._shared_outlets = None
        connection = connections[self.queryset.db]
        if connection.vendor != "postgresql":
            return {}
        data = self.form.cleaned_data
        names = [
            name
            for name in self.ROW_FACETS
            if not self._in_use(data.get(name)) and self.summary_selection(name) is None
        ]
        searching = bool((data.get("q") or "").strip())
        if searching:
            names += [name for name in ("actor", "outlet") if not self._in_use(data.get(name))]
        if len(names) < 2:
            return {}
        matches = self.filter_queryset_except("").order_by()
        matches = matches.values_list("pk", "type", "sub_type", "location", "date_start")
        try:
            inner, params = matches.query.sql_with_params()
        except EmptyResultSet:
            # Nothing can match (a search with no words in it, "<>"): every count is 0.
            self._matched_total = 0
            return {name: {} for name in names}
        quote = connection.ops.quote_name
        columns = "e.*"
        documents = ""
        if searching:
            columns += ", d.actor_ids, d.outlet_ids"
            documents = f" LEFT JOIN {quote(SearchDocument._meta.db_table)} d ON d.event_id = e.id"
        branches = {
            "type": "SELECT 'type', m.type_id, COUNT(*), NULL, NULL FROM m GROUP BY m.type_id",
            "sub_type": (
                "SELECT 'sub_type', m.sub_type_id, COUNT(*), NULL, NULL FROM m "
                "WHERE m.sub_type_id IS NOT NULL GROUP BY m.sub_type_id"
            ),
            "location": (
                "SELECT 'location', m.location_id, COUNT(*), NULL, NULL FROM m "
                "WHERE m.location_id IS NOT NULL GROUP BY m.location_id"
            ),
            # Each array holds distinct ids, so a row per (event, id): events per id.
            # (unnest() in the select list: as a lateral function scan, one call per
            # row, it took three times as long.)
            "actor": (
                "SELECT 'actor', a.id, COUNT(*), NULL, NULL "
                "FROM (SELECT unnest(m.actor_ids) AS id FROM m) AS a GROUP BY a.id"
            ),
            # As _outlet_counts, the outlets' names join the few grouped rows.
            "outlet": (
                "SELECT 'outlet', o.id, c.n, o.slug, o.name FROM ("
                "SELECT x.id, COUNT(*) AS n "
                "FROM (SELECT unnest(m.outlet_ids) AS id FROM m) AS x GROUP BY x.id"
                f") c JOIN {quote(Outlet._meta.db_table)} o ON o.id = c.id"
            ),
        }
        # The matches' own number too: the page's total (matched_total).
        extra = ["SELECT 'total', NULL, COUNT(*), NULL, NULL FROM m"]
        extra_params: list = []
        split = self._chart_split()
        if split is not None:
            # And the chart's rows, as timeline.chart counts them (counts_by_day,
            # killed_by_day): events per start day and type (or sub-type), and the killed
            # figure counted per event with its source, summed per start day and source.
            column = f"m.{split}_id"
            low = facet_summary.LOW_DIGITS
            figure = quote(Figure._meta.db_table)
            extra += [
                f"SELECT 'day', {column}, COUNT(*), CAST(m.date_start AS text), NULL FROM m "
                f"GROUP BY m.date_start, {column}",
                f"SELECT 'killed', COUNT(*), SUM(CAST(SUBSTR(d.pick, 1, {low}) AS INTEGER)), "
                f"CAST(d.date_start AS text), SUBSTR(d.pick, {low + 1}) FROM ("
                "SELECT k.date_start, x.pick FROM ("
                f"SELECT f.event_id, MIN({facet_summary.killed_sort_key('%s')}) AS pick "
                f"FROM {figure} f JOIN m ON m.id = f.event_id WHERE f.kind = %s "
                "GROUP BY f.event_id) x JOIN m k ON k.id = x.event_id"
                f") d GROUP BY d.date_start, SUBSTR(d.pick, {low + 1})",
            ]
            extra_params += [Figure.Basis.CODING, Figure.Kind.KILLED]
        sql = (
            f"WITH m AS MATERIALIZED (SELECT {columns} FROM ({inner}) "
            f"AS e (id, type_id, sub_type_id, location_id, date_start){documents}) "
            + " UNION ALL ".join(f"({branch})" for branch in [*map(branches.get, names), *extra])
        )
        counts: dict[str, dict[int, int]] = {name: {} for name in names}
        outlets: list[tuple[int, str, str, int]] = []
        by_day: list[tuple[date, int | None, int]] = []
        killed: list[tuple[date, str, int, int]] = []
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *extra_params])
            for name, pk, n, slug, label in cursor.fetchall():
                if name == "total":
                    self._matched_total = n
                elif name == "day":
                    by_day.append((date.fromisoformat(slug), pk, n))
                elif name == "killed":
                    killed.append((date.fromisoformat(slug), label, int(n), pk))
                else:
                    counts[name][pk] = n
                    if name == "outlet":
                        outlets.append((pk, slug, label, n))
        if split is not None:
            self._chart_rows = (split, by_day, killed)
        if "outlet" in names:
            self._shared_outlets = outlets
        return counts

    def _chart_split(self) -> str | None:
        """The chart's split when the shared statement can count its rows: by type or
        sub-type, counting events (the timeline's chart; timeline.chart)."""
        split = self.choice("split", "type")
        if split in ("type", "sub_type") and self.choice("measure", "count") == "count":
            return split
        return None

    def chart_rows(self, split: str):
        """(rows by day, killed rows by day) for a chart split by `split`, when facets()
        has counted them on the way (timeline.chart.events_chart's `counted`); None when
        it has not."""
        counted = getattr(self, "_chart_rows", None)
        if counted is None or counted[0] != split:
            return None
        return counted[1], counted[2]

    def matched_total(self) -> int | None:
        """How many events the whole filter matches, when facets() has counted them on
        the way (the shared statement's matches); None when it has not."""
        return getattr(self, "_matched_total", None)

    @staticmethod
    def _in_use(value) -> bool:
        """Whether a cleaned filter value filters anything (an empty queryset does not)."""
        return value not in (None, "", [], False) and not (hasattr(value, "exists") and not value)

    def _counts_of(self, name: str) -> dict[int, int]:
        """{actor or place id: events} under every filter but `name`'s; a place's own
        events only (_location_counts rolls them up)."""
        shared = getattr(self, "_shared", {})
        if name in shared:
            return shared[name]
        selection = self.summary_selection(name)
        if selection is not None:
            facet = {"actor": "a", "location": "l", "outlet": "o"}[name]
            return facet_summary.value_counts(selection, facet, using=self.queryset.db)
        queryset = self._base(name)
        if name == "actor":
            return self._actor_counts(queryset)
        if name == "location":
            return dict(
                queryset.exclude(location=None)
                .values_list("location")
                .annotate(n=Count("id"))
                .values_list("location", "n")
            )
        return {pk: n for pk, _, _, n in self._outlet_counts(queryset)}

    @staticmethod
    def _outlet_counts(queryset: QuerySet) -> list[tuple[int, str, str, int]]:
        """(outlet id, slug, name, distinct events) over the events of `queryset`.

        Evidence joins the article-outlet links directly (not through the articles: a
        dataset's row has an article of its own, so that join was a million rows more at
        a million events), and the outlets' names join the few grouped rows.
        """
        try:
            inner, params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            return []  # nothing can match (a search with no words in it)
        connection = connections[queryset.db]
        quote = connection.ops.quote_name
        evidence = quote(Evidence._meta.db_table)
        links = quote(Article.outlets.through._meta.db_table)
        outlet = quote(Outlet._meta.db_table)
        sql = (
            f"SELECT o.id, o.slug, o.name, c.n FROM ("
            f"SELECT ao.outlet_id AS outlet_id, COUNT(DISTINCT ev.event_id) AS n "
            f"FROM {evidence} ev JOIN {links} ao ON ao.article_id = ev.article_id "
            f"WHERE ev.event_id IN ({inner}) GROUP BY ao.outlet_id"
            f") c JOIN {outlet} o ON o.id = c.outlet_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _outlet_options(self, chosen) -> list[dict]:
        """Distinct events per Outlet, most cited first, in one grouped query."""
        selection = self.summary_selection("outlet")
        if selection is not None:
            rows = facet_summary.named_value_counts(
                selection, "o", "timeline_outlet", using=self.queryset.db
            )
        elif getattr(self, "_shared_outlets", None) is not None:
            rows = self._shared_outlets
        else:
            rows = self._outlet_counts(self._base("outlet"))
        counted = sorted(rows, key=lambda row: (-row[3], row[2].casefold()))
        self.facet_sizes["outlet"] = len(counted)
        shown = counted[:OUTLET_OPTIONS]
        if chosen is not None and chosen.pk not in {row[0] for row in shown}:
            count = next((row[3] for row in counted if row[0] == chosen.pk), 0)
            shown.append((chosen.pk, chosen.slug, chosen.name, count))
        return [
            {
                "value": slug,
                "label": name,
                "count": count,
                "selected": chosen is not None and pk == chosen.pk,
            }
            for pk, slug, name, count in shown
        ]

    def _actor_counts(self, queryset: QuerySet) -> dict[int, int]:
        return dict(
            EventActor.objects.filter(event__in=queryset.values("pk"))
            .values_list("actor")
            .annotate(n=Count("event", distinct=True))
            .values_list("actor", "n")
        )

    def facet_options(self, name: str, find: str = "") -> list[dict]:
        """Every option of one facet (actor, location or outlet) whose name or alias
        contains `find`, with the count the other active filters leave it, busiest first.

        The same counts as the facet beside the timeline: its "all N …" list and the
        form's type-ahead read from here.
        """
        valid = self.is_bound and self.form.is_valid()
        data = self.form.cleaned_data if valid else {}
        find = find.strip().lower()

        if name == "actor":
            counts = self._counts_of("actor")
            chosen = {a.pk for a in data.get("actor") or []}
            actors = Actor.objects.filter(
                pk__in=[pk for pk, n in counts.items() if n] + list(chosen)
            )
            if find:
                actors = actors.filter(Q(name__icontains=find) | Q(aliases__icontains=find))
            options = [
                {
                    "value": a.slug,
                    "label": a.name,
                    "count": counts.get(a.pk, 0),
                    "selected": a.pk in chosen,
                }
                for a in actors.only("slug", "name")
            ]
        elif name == "location":
            chosen_place = data.get("location")
            options = [
                {
                    "value": loc.slug,
                    "label": loc.name,
                    "count": count,
                    "selected": chosen_place is not None and loc.pk == chosen_place.pk,
                }
                for loc, count in self._location_counts(self._counts_of("location"), limit=None)
                if not find or find in loc.name.lower()
            ]
        elif name == "outlet":
            counts = self._counts_of("outlet")
            chosen_outlet = data.get("outlet")
            outlets = Outlet.objects.filter(pk__in=list(counts))
            if find:
                outlets = outlets.filter(Q(name__icontains=find) | Q(aliases__icontains=find))
            options = [
                {
                    "value": outlet.slug,
                    "label": outlet.name,
                    "count": counts[outlet.pk],
                    "selected": chosen_outlet is not None and outlet.pk == chosen_outlet.pk,
                }
                for outlet in outlets.only("slug", "name")
            ]
        else:
            raise ValueError(f"{name} is not a facet with a list")
        options.sort(key=lambda o: (not o["selected"], -o["count"], o["label"].lower()))
        return options

    def _location_counts(
        self, direct: dict[int, int], *, limit: int | None = 30
    ) -> list[tuple[Location, int]]:
        """Counts per place from each place's own (`direct`), each place's count
        including the places inside it."""
        chosen = self.form.cleaned_data.get("location") if self.form.is_valid() else None
        paths = {
            loc.pk: loc
            for loc in Location.objects.filter(
                Q(pk__in=direct.keys()) | Q(pk=getattr(chosen, "pk", None))
            ).only("slug", "name", "tree_path", "parent")
        }
        # Roll counts up to every ancestor named in the tree paths.
        totals: Counter[str] = Counter()
        for pk, n in direct.items():
            if pk in paths:
                for slug in paths[pk].tree_path.strip("/").split("/"):
                    totals[slug] += n
        ancestors = {
            loc.slug: loc
            for loc in Location.objects.filter(slug__in=totals.keys()).only(
                "slug", "name", "tree_path", "parent"
            )
        }
        if chosen is not None:
            ancestors.setdefault(chosen.slug, chosen)
        self._place_count = sum(1 for n in totals.values() if n)
        places = sorted(ancestors.values(), key=lambda loc: (-totals[loc.slug], loc.name))[:limit]
        if chosen is not None and chosen not in places:
            places.append(chosen)
        # Show them as a tree (parents before children) so "Gaza Strip" sits under its country.
        places.sort(key=lambda loc: loc.tree_path)
        return [(loc, totals[loc.slug]) for loc in places]


# "from" is a Python keyword; the public parameter names are "from" and "to".
EventFilter.base_filters["from"] = EventFilter.base_filters.pop("date_from")
EventFilter.base_filters["to"] = EventFilter.base_filters.pop("date_to")
