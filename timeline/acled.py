"""ACLED's vocabulary and how it maps onto ours: the one place for the ACLED mapping.

Import (ACLED row -> our Event) and export (our Event -> ACLED row) both read from here.
Our type -> ACLED event_type/sub_event_type lives on the EventType rows themselves
(seeded from timeline/event_types.py), so editors can change it in the admin; the other
direction, every ACLED sub_event_type -> one of our types, is SUB_EVENT_TYPE_TO_OURS below.

Our ten types are narrower than ACLED's 25 sub-event types, so the import is lossy:
- Agreement -> negotiation (ACLED's agreements are the outcome of talks; an editor may
  retype one as ceasefire or hostage-release).
- Looting/property destruction -> military-strike (in conflict data these are mostly
  demolitions and arson by armed forces: force used against property).
- Disrupted weapons use -> armed-clash (interceptions, drones shot down, seizures in raids:
  one armed party acting against another's weapons).
- Peaceful protest, Protest with intervention -> statement (the substance is the demand).
- Excessive force against protesters -> casualty-report (ACLED's violence against civilians).
- Violent demonstration, Mob violence -> armed-clash (violent confrontation; we have no
  riot type).
- Arrests, Change to group/activity, Headquarters or base established, Non-violent transfer
  of territory, Other -> statement, our catch-all for non-violent developments.
The original sub_event_type stays in the event's notes (see importing/acled.py).
"""

from __future__ import annotations

from datetime import date

# ACLED's export columns, in ACLED's order (the 31 of the standard export).
ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]

# The columns the importer reads; other ACLED columns (and extras such as data_id) are ignored.
REQUIRED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    "timestamp",
]

# ACLED sub_event_type -> (ACLED event_type, our EventType slug). Every sub_event_type of
# ACLED's codebook has an entry; the module docstring explains the lossy ones.
SUB_EVENT_TYPES: dict[str, tuple[str, str]] = {
    # Battles
    "Armed clash": ("Battles", "armed-clash"),
    "Government regains territory": ("Battles", "armed-clash"),
    "Non-state actor overtakes territory": ("Battles", "armed-clash"),
    # Explosions/Remote violence
    "Air/drone strike": ("Explosions/Remote violence", "military-strike"),
    "Shelling/artillery/missile attack": ("Explosions/Remote violence", "military-strike"),
    "Remote explosive/landmine/IED": ("Explosions/Remote violence", "military-strike"),
    "Grenade": ("Explosions/Remote violence", "military-strike"),
    "Suicide bomb": ("Explosions/Remote violence", "military-strike"),
    "Chemical weapon": ("Explosions/Remote violence", "military-strike"),
    # Violence against civilians
    "Attack": ("Violence against civilians", "casualty-report"),
    "Abduction/forced disappearance": ("Violence against civilians", "casualty-report"),
    "Sexual violence": ("Violence against civilians", "casualty-report"),
    # Protests
    "Peaceful protest": ("Protests", "statement"),
    "Protest with intervention": ("Protests", "statement"),
    "Excessive force against protesters": ("Protests", "casualty-report"),
    # Riots
    "Violent demonstration": ("Riots", "armed-clash"),
    "Mob violence": ("Riots", "armed-clash"),
    # Strategic developments
    "Agreement": ("Strategic developments", "negotiation"),
    "Arrests": ("Strategic developments", "statement"),
    "Change to group/activity": ("Strategic developments", "statement"),
    "Disrupted weapons use": ("Strategic developments", "armed-clash"),
    "Headquarters or base established": ("Strategic developments", "statement"),
    "Looting/property destruction": ("Strategic developments", "military-strike"),
    "Non-violent transfer of territory": ("Strategic developments", "statement"),
    "Other": ("Strategic developments", "statement"),
}

SUB_EVENT_TYPE_TO_OURS: dict[str, str] = {sub: ours for sub, (_, ours) in SUB_EVENT_TYPES.items()}

DISORDER_TYPES = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}

# inter1/inter2: ACLED's current labels, and the numeric codes of older exports.
ACTOR_TYPE_CODES = {
    "1": "State forces",
    "2": "Rebel group",
    "3": "Political militia",
    "4": "Identity militia",
    "5": "Rioters",
    "6": "Protesters",
    "7": "Civilians",
    "8": "External/Other forces",
}
# Older exports and the codebook use plural labels; they mean the same types.
_ACTOR_TYPE_SYNONYMS = {
    "rebel groups": "Rebel group",
    "political militias": "Political militia",
    "identity militias": "Identity militia",
    "rioter": "Rioters",
    "protester": "Protesters",
    "civilian": "Civilians",
    "state force": "State forces",
    "external/other force": "External/Other forces",
}
ACTOR_TYPE_TO_KIND = {
    "State forces": "state",
    "External/Other forces": "state",
    "Rebel group": "armed-group",
    "Political militia": "armed-group",
    "Identity militia": "armed-group",
    "Civilians": "civilians",
    "Protesters": "other",
    "Rioters": "other",
}


def our_type_for(sub_event_type: str) -> str | None:
    """Our EventType slug for an ACLED sub_event_type (None when ACLED has no such type)."""
    return SUB_EVENT_TYPE_TO_OURS.get(sub_event_type.strip())


def actor_type_label(value: str) -> str | None:
    """ACLED's label for an inter1/inter2 value (a label or a code 1–8); '' and '0' -> ''.

    None means the value is not an ACLED actor type.
    """
    value = value.strip()
    if value in {"", "0"}:
        return ""
    if value in ACTOR_TYPE_CODES:
        return ACTOR_TYPE_CODES[value]
    for label in ACTOR_TYPE_TO_KIND:
        if value.casefold() == label.casefold():
            return label
    return _ACTOR_TYPE_SYNONYMS.get(value.casefold())


def actor_kind_for(acled_type: str) -> str:
    """Our Actor.kind for an ACLED actor type label ('other' when unknown or blank)."""
    return ACTOR_TYPE_TO_KIND.get(acled_type, "other")


def acled_types_for(event_type) -> tuple[str, str]:
    """(event_type, sub_event_type) for one of our EventType rows, as the export writes them."""
    return event_type.acled_event_type, event_type.acled_sub_event_type


TIME_PRECISION_FOR = {"day": 1, "week": 2}  # anything coarser is ACLED's 3


def export_row(event) -> dict[str, str]:
    """One of our events as an ACLED-style row (keys = ACLED_COLUMNS).

    Reads the type mapping from the EventType row. Expects the relations that
    Event.objects.for_timeline() prefetches (type, location, event_actors, figures,
    evidence). Events imported from ACLED keep their event_id_cnty and timestamp.
    """
    acled_event_type, sub_event_type = acled_types_for(event.type)
    external = event.external_id or ""
    event_id = external.split(":", 1)[1] if external.startswith("acled:") else event.slug
    roles: dict[str, list] = {"initiator": [], "target": [], "party": []}
    for link in event.event_actors.all():
        roles.setdefault(link.role, []).append(link.actor)
    # ACLED has two sides: initiators (else the first party) and targets (else the next).
    parties = roles["party"] + roles.get("mediator", [])
    side1 = roles["initiator"] or parties[:1]
    parties = [a for a in parties if a not in side1]
    side2 = roles["target"] or parties[:1]
    parties = [a for a in parties if a not in side2]
    killed = [f.low for f in event.figures.all() if f.kind == "killed"]
    sources = sorted({e.attributed_to for e in event.evidence.all() if e.attributed_to})
    quotes = [e.quote for e in event.evidence.all()]
    notes = quotes[0] if quotes else event.summary
    chain = _location_chain(event.location)
    when: date = event.date_start
    return {
        "event_id_cnty": event_id,
        "event_date": when.isoformat(),
        "year": str(when.year),
        "time_precision": str(TIME_PRECISION_FOR.get(event.date_precision, 3)),
        "disorder_type": DISORDER_TYPES.get(acled_event_type, ""),
        "event_type": acled_event_type,
        "sub_event_type": sub_event_type,
        "actor1": side1[0].name if side1 else "",
        "assoc_actor_1": "; ".join(a.name for a in side1[1:] + parties),
        "inter1": side1[0].acled_type if side1 else "",
        "actor2": side2[0].name if side2 else "",
        "assoc_actor_2": "; ".join(a.name for a in side2[1:]),
        "inter2": side2[0].acled_type if side2 else "",
        "interaction": "",
        "civilian_targeting": "",
        "iso": "",
        "region": "",
        "country": chain.get("country", ""),
        "admin1": chain.get("region", ""),
        "admin2": chain.get("district", ""),
        "admin3": "",
        "location": event.location.name if event.location else "",
        "latitude": _coordinate(event.location, "latitude"),
        "longitude": _coordinate(event.location, "longitude"),
        "geo_precision": str(event.location.geo_precision or "") if event.location else "",
        "source": "; ".join(sources),
        "source_scale": "",
        "notes": notes,
        # ACLED's rule for contested counts: the lowest reported number killed.
        "fatalities": str(min(killed, default=0)),
        "tags": "",
        "timestamp": str(event.external_timestamp or int(event.updated.timestamp())),
    }


def _location_chain(location) -> dict[str, str]:
    """kind -> name for the location and its ancestors (walks parents already loaded)."""
    chain: dict[str, str] = {}
    node = location
    while node is not None:
        chain.setdefault(node.kind, node.name)
        node = node.parent
    return chain


def _coordinate(location, name: str) -> str:
    value = getattr(location, name, None) if location is not None else None
    return "" if value is None else f"{value:.4f}"
