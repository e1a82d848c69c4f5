"""The data model: articles, the events coded from them, and how we know.

Every Event points back at the exact characters of an Article through Evidence;
every number an event carries is a Figure with the source that claimed it.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import (
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.urls import reverse
from simple_history.models import HistoricalRecords

from timeline.history_fields import ChangeBatch

HEX_COLOUR = RegexValidator(r"^#[0-9A-Fa-f]{6}$", "Give a colour as #RRGGBB.")


def content_hash(text: str) -> str:
    """The hash used to spot the same article text imported twice."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def split_aliases(value: str) -> list[str]:
    """Aliases are stored one per line (editors type them in a textarea)."""
    return [line.strip() for line in value.splitlines() if line.strip()]


class Outlet(models.Model):
    """A news outlet or other source that articles and dataset records cite.

    One row per outlet whatever it is called: its other spellings are aliases, so
    "Quds News Network" and "QNN" filter and count as one.
    """

    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(max_length=300)
    aliases = models.TextField(blank=True, help_text="One per line.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)


# Slug prefixes of the articles the ACLED and UCDP importers make from a row's notes.
DATASET_NOTE_SLUG_PREFIXES = ("acled-", "ucdp-")


class ArticleQuerySet(models.QuerySet):
    def news(self) -> ArticleQuerySet:
        """Articles that are news, not a dataset record's note.

        A dataset's note is coded data ("Total fatalities coded as 4"), so the extractor
        never proposes from it: articles with a dataset record are left out, and so are
        those whose slug the ACLED and UCDP importers give their notes (``acled-…``,
        ``ucdp-…``), until every importer links its records to the note's article.
        """
        queryset = self.filter(dataset_records__isnull=True)
        for prefix in DATASET_NOTE_SLUG_PREFIXES:
            queryset = queryset.exclude(slug__startswith=prefix)
        return queryset


class Article(models.Model):
    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=500)
    # The outlet as the source names it ("BBC (via wire)", or a dataset row's whole source
    # list); `outlets` are the Outlet rows it cites, one per outlet, for filters and facets.
    # A text, not a 200-character field: ACLED's and UCDP's source lists run longer, and
    # are kept whole rather than cut.
    outlet = models.TextField(blank=True)
    outlets = models.ManyToManyField(Outlet, blank=True, related_name="articles")
    published = models.DateField(db_index=True)
    dateline = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    # The exact body. Evidence offsets point into it, so it is never rewritten once
    # evidence exists (Article.clean refuses that).
    text = models.TextField()
    language = models.CharField(max_length=16, default="en")
    content_hash = models.CharField(max_length=64, db_index=True, editable=False)
    imported_at = models.DateTimeField(auto_now_add=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "slug"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.content_hash = content_hash(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("timeline:article", args=[self.slug])

    def clean(self) -> None:
        super().clean()
        if self.pk:
            stored = Article.objects.filter(pk=self.pk).values_list("text", flat=True).first()
            if stored is not None and stored != self.text and self.evidence.exists():
                raise ValidationError(
                    {"text": "Evidence points into this text; it cannot be rewritten."}
                )


class EventType(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    colour = models.CharField(max_length=7, validators=[HEX_COLOUR])
    # A short mark drawn beside the colour so that colour is never the only signal.
    symbol = models.CharField(max_length=4, blank=True)
    description = models.TextField(blank=True)
    acled_event_type = models.CharField("ACLED event_type", max_length=100, blank=True)
    acled_sub_event_type = models.CharField("ACLED sub_event_type", max_length=100, blank=True)
    plover_category = models.CharField("PLOVER category", max_length=30, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class EventSubType(models.Model):
    """The second level of the taxonomy: an ACLED sub_event_type, a UCDP type of violence,
    or a finer cut of one of our types. Each belongs to exactly one EventType."""

    type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="sub_types")
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    acled_sub_event_type = models.CharField(
        "ACLED sub_event_type", max_length=100, blank=True, db_index=True
    )
    ucdp_type_of_violence = models.PositiveSmallIntegerField(
        "UCDP type_of_violence", null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["type__order", "order", "name"]
        verbose_name = "event sub-type"

    def __str__(self) -> str:
        return f"{self.type.name}: {self.name}"


class Actor(models.Model):
    class Kind(models.TextChoices):
        STATE = "state", "State"
        ARMED_GROUP = "armed-group", "Armed group"
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"
        CIVILIANS = "civilians", "Civilians"
        OTHER = "other", "Other"

    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    aliases = models.TextField(blank=True, help_text="One per line; the extractor uses them.")
    country = models.CharField(max_length=100, blank=True)
    acled_type = models.CharField("ACLED actor type", max_length=100, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("timeline:actor", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)


class Location(models.Model):
    class Kind(models.TextChoices):
        COUNTRY = "country", "Country"
        REGION = "region", "Region"
        DISTRICT = "district", "District"
        CITY = "city", "City"
        PLACE = "place", "Place"

    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PLACE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geo_precision = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="ACLED's 1 (exact) to 3 (region)."
    )
    aliases = models.TextField(blank=True, help_text="One per line; the extractor uses them.")
    # Materialised path of slugs ("/palestine/gaza-strip/"), kept by save(), so that
    # "events in this place or anywhere inside it" is one indexed prefix match.
    tree_path = models.CharField(max_length=2000, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            old_path = self.tree_path
            self.tree_path = self.compute_tree_path()
            super().save(*args, **kwargs)
            if old_path and old_path != self.tree_path:
                # Rewrite every place inside by prefix, without save(): save() would
                # recompute a path from a parent not yet rewritten.
                inside = list(
                    Location.objects.filter(tree_path__startswith=old_path).exclude(pk=self.pk)
                )
                for place in inside:
                    place.tree_path = self.tree_path + place.tree_path[len(old_path) :]
                Location.objects.bulk_update(inside, ["tree_path"], batch_size=1000)

    def get_absolute_url(self) -> str:
        return reverse("timeline:location", args=[self.slug])

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)

    def clean(self) -> None:
        super().clean()
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError("Give both latitude and longitude, or neither.")
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            raise ValidationError({"latitude": "Latitude must be between -90 and 90."})
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            raise ValidationError({"longitude": "Longitude must be between -180 and 180."})
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "A place cannot be inside itself."})
            ancestor = ancestor.parent

    def compute_tree_path(self) -> str:
        prefix = self.parent.tree_path if self.parent_id else "/"
        return f"{prefix}{self.slug}/"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"
    APPROXIMATE = "approximate", "Approximate"


class EventQuerySet(models.QuerySet):
    def published(self) -> EventQuerySet:
        """What the public may see."""
        return self.filter(status=Event.Status.PUBLISHED)

    def visible_to(self, user) -> EventQuerySet:
        """Published events for everybody; staff also see proposed and rejected ones."""
        if user is not None and user.is_active and user.is_staff:
            return self.all()
        return self.published()

    def overlapping(self, start: date | None, end: date | None) -> EventQuerySet:
        """Events whose date span overlaps [start, end] (either side may be open)."""
        qs = self
        if start is not None:
            qs = qs.filter(date_last__gte=start)
        if end is not None:
            qs = qs.filter(date_start__lte=end)
        return qs

    def within(self, location: Location) -> EventQuerySet:
        """Events at this place or anywhere inside it."""
        return self.filter(location__tree_path__startswith=location.tree_path)

    def in_timeline_order(self, newest_first: bool = False) -> EventQuerySet:
        # id breaks ties so that paging is stable for events on the same day.
        if newest_first:
            return self.order_by("-date_start", "-id")
        return self.order_by("date_start", "id")

    def with_sort_keys(self) -> EventQuerySet:
        """Annotate `killed_order`, the table's numeric sort key beside the stored
        `outlet_count` (kept by timeline/corroboration.py: distinct outlets, wire copies
        once, so the table's count and the card's badge agree).

        killed_order is the lowest low bound of the event's killed figures (the chart's
        conservative rule), -1 when it has none.
        """
        killed = (
            Figure.objects.filter(event=OuterRef("pk"), kind=Figure.Kind.KILLED)
            .order_by()
            .values("event")
            .annotate(lowest=Min("low"))
            .values("lowest")
        )
        return self.annotate(
            # A signed field: -1 is outside a PositiveIntegerField's range, and Django
            # turns a lookup out of a field's range into "matches nothing".
            killed_order=Coalesce(Subquery(killed), Value(-1), output_field=IntegerField()),
        )

    def for_table(self) -> EventQuerySet:
        """Everything a table row shows, in a fixed number of queries (no quotes)."""
        return (
            self.select_related("type", "sub_type", "location", "dataset_record")
            .defer("dataset_record__row", "summary", "notes")
            .prefetch_related(
                Prefetch(
                    "event_actors",
                    queryset=EventActor.objects.select_related("actor").order_by(
                        "side", "associated", "role", "id"
                    ),
                ),
                Prefetch(
                    "figures",
                    queryset=Figure.objects.filter(
                        kind__in=[Figure.Kind.KILLED, Figure.Kind.INJURED]
                    ).order_by("kind", "low", "id"),
                ),
            )
        )

    def for_timeline(self) -> EventQuerySet:
        """Everything a list of event cards shows, in a fixed number of queries."""
        return self.select_related("type", "location").prefetch_related(
            Prefetch(
                "event_actors",
                queryset=EventActor.objects.select_related("actor").order_by("role", "id"),
            ),
            Prefetch("figures", queryset=Figure.objects.order_by("kind", "id")),
            # Cards and exports show the quote and the article's title, never its text:
            # without defer every evidence row would carry its whole article.
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related("article")
                .defer("article__text")
                .order_by("id"),
            ),
        )

    def for_cards(self) -> EventQuerySet:
        """for_timeline, plus what an event card says of where it came from: the sub-type,
        and the outlets its dataset record cites (`coded_from`; never the whole row)."""
        return (
            self.for_timeline()
            .select_related("sub_type")
            .annotate(
                coded_from=Coalesce(
                    KeyTextTransform("source", "dataset_record__row"),
                    KeyTextTransform("source_office", "dataset_record__row"),
                ),
            )
        )


class Event(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"

    slug = models.SlugField(max_length=200, unique=True)
    type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="events")
    sub_type = models.ForeignKey(
        EventSubType, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True)
    date_start = models.DateField()
    date_end = models.DateField(null=True, blank=True, help_text="Empty for a single day.")
    # date_end, or date_start for a single day: kept by save() so overlap is indexable.
    date_last = models.DateField(editable=False, db_index=True)
    date_precision = models.CharField(
        max_length=12, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    reported_on = models.DateField(null=True, blank=True)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    actors = models.ManyToManyField(Actor, through="EventActor", related_name="events")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    notes = models.TextField(blank=True)
    # Where a row came from in another dataset ("acled:PSE75457", "ucdp:12345").
    external_id = models.CharField(max_length=100, blank=True, db_index=True)
    external_timestamp = models.BigIntegerField(null=True, blank=True)
    confidence = models.FloatField(
        null=True, blank=True, help_text="The extractor's confidence, for proposals."
    )
    # A duplicate merged into another event keeps its row (status rejected) and its URL,
    # which redirects to this one.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_events"
    )
    # When an editor published, rejected or merged it (the review queue's "done today").
    reviewed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Distinct outlets among its sources, wire copies counted once (timeline/corroboration.py
    # keeps it): the badge and the corroboration filter read it without a join.
    outlet_count = models.PositiveSmallIntegerField(default=0, editable=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(
        bases=[ChangeBatch],
        excluded_fields=["updated", "date_last", "outlet_count", "reviewed_at"],
    )

    class Meta:
        ordering = ["date_start", "id"]
        permissions = [("review_event", "Can publish and reject events")]
        indexes = [
            models.Index(fields=["status", "date_start", "id"], name="event_status_date"),
            models.Index(fields=["date_start", "id"], name="event_date_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_end__isnull=True) | Q(date_end__gte=models.F("date_start")),
                name="event_date_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.date_last = self.date_end or self.date_start
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"date_start", "date_end"} & set(update_fields):
            kwargs["update_fields"] = set(update_fields) | {"date_last"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("timeline:event", args=[self.slug])

    @property
    def lead_evidence(self) -> Evidence | None:
        """The quote a card shows first (uses the prefetched evidence when there is one)."""
        evidence = list(self.evidence.all())
        return evidence[0] if evidence else None

    def figure_bounds(self, kind: str) -> tuple[int | None, int | None]:
        """(lowest low, highest high) over this event's figures of one kind, as numbers.

        Contested figures give their whole range; an open-ended one ("more than 30")
        leaves the high empty. (None, None) when there is no such figure. Uses the
        prefetched figures.
        """
        figures = [figure for figure in self.figures.all() if figure.kind == kind]
        if not figures:
            return None, None
        highs = [figure.high_bound for figure in figures]
        return min(figure.low for figure in figures), (None if None in highs else max(highs))

    @property
    def killed_bounds(self) -> tuple[int | None, int | None]:
        return self.figure_bounds(Figure.Kind.KILLED)

    @property
    def injured_bounds(self) -> tuple[int | None, int | None]:
        return self.figure_bounds(Figure.Kind.INJURED)

    @property
    def actors_by_side(self) -> list[tuple[str, list]]:
        """[("Side A", links), ("Side B", links), ("Other", links)] from the prefetched links.

        Sides as the dataset coded them; where an event has none, initiators stand on
        side A and targets on side B, and parties and mediators are "Other".
        """
        links = list(self.event_actors.all())
        coded = any(link.side for link in links)
        groups: dict[str, list] = {"Side A": [], "Side B": [], "Other": []}
        for link in links:
            if coded:
                side = {"a": "Side A", "b": "Side B"}.get(link.side, "Other")
            else:
                side = {"initiator": "Side A", "target": "Side B"}.get(link.role, "Other")
            groups[side].append(link)
        return [(name, members) for name, members in groups.items() if members]

    def clean(self) -> None:
        super().clean()
        if self.date_start and self.date_end and self.date_end < self.date_start:
            raise ValidationError({"date_end": "The end date is before the start date."})
        if self.sub_type_id and self.type_id and self.sub_type.type_id != self.type_id:
            raise ValidationError(
                {"sub_type": f"“{self.sub_type.name}” is not a kind of {self.type.name}."}
            )


class EventActor(models.Model):
    class Role(models.TextChoices):
        PARTY = "party", "Party"
        INITIATOR = "initiator", "Initiator"
        TARGET = "target", "Target"
        MEDIATOR = "mediator", "Mediator"

    class Side(models.TextChoices):
        # As a dataset codes them: ACLED actor1 + assoc_actor_1 are side A, actor2 +
        # assoc_actor_2 side B; UCDP side_a / side_b. Blank: no sides (talks, statements).
        NONE = "", "No side"
        A = "a", "Side A"
        B = "b", "Side B"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="event_actors")
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="event_roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PARTY)
    side = models.CharField(max_length=1, choices=Side.choices, blank=True, default="")
    # ACLED's assoc_actor_N: with its side's primary actor, not one itself.
    associated = models.BooleanField(default=False)
    # The name the source used, when it differs from the actor's ("Military Forces of
    # Israel (2022-)" for Israel's forces): exports give the source's name back.
    source_name = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords(bases=[ChangeBatch])

    class Meta:
        ordering = ["side", "associated", "id"]
        constraints = [
            # associated too: ACLED may list one actor as a side's primary and again among
            # its associates (PSE42309: Hamas Movement, actor2 and assoc_actor_2).
            models.UniqueConstraint(
                fields=["event", "actor", "role", "side", "associated", "source_name"],
                name="event_actor_role_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor} ({self.get_role_display()})"

    @property
    def name_as_given(self) -> str:
        return self.source_name or self.actor.name


class Evidence(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="evidence")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="evidence")
    # Character offsets into article.text; quote == article.text[start:end] always.
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    quote = models.TextField()
    attributed_to = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords(bases=[ChangeBatch])

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"“{self.quote[:80]}”"

    def get_absolute_url(self) -> str:
        return f"{self.article.get_absolute_url()}#ev-{self.pk}"

    def clean(self) -> None:
        """Check the quote against the article; find its offsets when they are blank."""
        super().clean()
        if not self.article_id or not self.quote:
            return
        text = self.article.text
        if self.start is None and self.end is None:
            first = text.find(self.quote)
            if first < 0:
                raise ValidationError({"quote": "This quote is not in the article."})
            if text.find(self.quote, first + 1) >= 0:
                raise ValidationError(
                    {"quote": "This quote occurs more than once in the article; give offsets."}
                )
            self.start, self.end = first, first + len(self.quote)
            return
        if self.start is None or self.end is None:
            raise ValidationError("Give both offsets, or neither to have them found.")
        if not 0 <= self.start < self.end <= len(text):
            raise ValidationError(
                f"Offsets {self.start}–{self.end} are outside the article (0–{len(text)})."
            )
        if text[self.start : self.end] != self.quote:
            raise ValidationError(
                {"quote": "The quote does not match the article text at these offsets."}
            )


class Figure(models.Model):
    class Kind(models.TextChoices):
        KILLED = "killed", "killed"
        INJURED = "injured", "injured"
        TARGETS_STRUCK = "targets-struck", "targets struck"
        HOSTAGES_RELEASED = "hostages-released", "hostages released"
        PRISONERS_RELEASED = "prisoners-released", "prisoners released"
        MISSING = "missing", "missing"
        DISPLACED = "displaced", "displaced"
        ARRESTED = "arrested", "arrested"
        AID_TRUCKS = "aid-trucks", "aid trucks"

    class Qualifier(models.TextChoices):
        EXACT = "exact", "exactly"
        ABOUT = "about", "about"
        AT_LEAST = "at-least", "at least"
        MORE_THAN = "more-than", "more than"
        UP_TO = "up-to", "up to"

    class Basis(models.TextChoices):
        # A claim is a number a named source stated ("hospital officials, via the BBC");
        # a coding is a dataset's own count (ACLED's fatalities, UCDP's best/low/high),
        # which the outlets it read never stated as such.
        CLAIM = "claim", "claim"
        CODING = "coding", "dataset coding"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="figures")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    basis = models.CharField(max_length=6, choices=Basis.choices, default=Basis.CLAIM)
    low = models.PositiveIntegerField()
    # A dataset's best estimate inside low..high (UCDP's best); empty for claims.
    best = models.PositiveIntegerField(null=True, blank=True)
    high = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: open-ended.")
    qualifier = models.CharField(max_length=10, choices=Qualifier.choices, default=Qualifier.EXACT)
    attributed_to = models.CharField(max_length=300, blank=True)
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="figures"
    )

    history = HistoricalRecords(bases=[ChangeBatch])

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(high__isnull=True) | Q(high__gte=models.F("low")),
                name="figure_low_not_above_high",
            ),
        ]

    def __str__(self) -> str:
        return self.display

    def clean(self) -> None:
        super().clean()
        if self.high is not None and self.low is not None and self.low > self.high:
            raise ValidationError({"high": "The high figure is below the low one."})
        if self.evidence_id and self.event_id and self.evidence.event_id != self.event_id:
            raise ValidationError({"evidence": "That evidence belongs to another event."})

    @property
    def high_bound(self) -> int | None:
        """The highest number this figure allows; None when open-ended ("more than 30")."""
        if self.high is not None:
            return self.high
        if self.qualifier in (self.Qualifier.AT_LEAST, self.Qualifier.MORE_THAN):
            return None
        return self.low

    @property
    def amount(self) -> str:
        """'more than 30', 'at least 12', '10–15', '130': the number as claimed."""
        if self.qualifier == self.Qualifier.UP_TO:
            return f"up to {(self.high if self.high is not None else self.low):,}"
        if self.high is not None and self.high != self.low:
            number = f"{self.low:,}–{self.high:,}"
        else:
            number = f"{self.low:,}"
        if self.qualifier == self.Qualifier.EXACT:
            return number
        return f"{self.get_qualifier_display()} {number}"

    @property
    def display(self) -> str:
        return f"{self.amount} {self.get_kind_display()}"


class DatasetRecord(models.Model):
    """The row of an external dataset an event was imported from, kept whole.

    `row` holds every column as read (strings, the dataset's own spelling), so nothing the
    importer does not model is lost and the exports can give the row back unchanged.
    """

    class Dataset(models.TextChoices):
        ACLED = "acled", "ACLED"
        UCDP = "ucdp", "UCDP GED"

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="dataset_record")
    dataset = models.CharField(max_length=20, choices=Dataset.choices)
    record_id = models.CharField(max_length=100)
    # ACLED's timestamp (its revision); UCDP has none.
    revision = models.BigIntegerField(null=True, blank=True)
    row = models.JSONField()
    # The article holding the row's notes (ACLED) or source text (UCDP), quoted as evidence.
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="dataset_records"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "record_id"], name="dataset_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_dataset_display()} {self.record_id}"


class ActorRedirect(models.Model):
    """An old slug of an actor merged into another: its URLs redirect for good."""

    old_slug = models.SlugField(max_length=200, unique=True)
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="redirects")

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.actor.slug}"


class LocationRedirect(models.Model):
    """An old slug of a place merged into another: its URLs redirect for good."""

    old_slug = models.SlugField(max_length=200, unique=True)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="redirects")

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.location.slug}"


class SearchDocument(models.Model):
    """The one stored, indexed text-search document of an event (timeline.search_documents).

    Its words: the title, summary, type and sub-type names, place and actor names with
    their aliases, and every evidence quote. On PostgreSQL `vector` holds them (a GIN
    index, migration 0006); on SQLite the document lives in the FTS5 table
    `timeline_search_fts` (rowid = event id) and this table stays empty.
    """

    # No database constraint and no cascade: search_documents drops the document when
    # its event is deleted (and search joins from events, so a stale one never matches).
    event = models.OneToOneField(
        Event,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="search_document",
    )
    vector = SearchVectorField(null=True)

    def __str__(self) -> str:
        return f"Search document of event {self.event_id}"


class DataVersion(models.Model):
    """One row whose token changes with every write to what the timeline counts.

    Database triggers bump it in the writing transaction (timeline.count_cache); cached
    counts are keyed on the token, so none outlives the data it counted.
    """

    version = models.BigIntegerField(default=0)
    token = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"Data version {self.version}"


class LoginFailures(models.Model):
    """Failed sign-ins to the admin per user name, for the throttle (login_throttle.py).

    Kept in the database, not a per-process cache, so every gunicorn worker counts the
    same failures.
    """

    username = models.CharField(max_length=150, unique=True)
    count = models.PositiveIntegerField(default=0)
    first_failed = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "login failures"

    def __str__(self) -> str:
        return f"{self.username}: {self.count} failed"
