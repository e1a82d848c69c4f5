"""The ten event types we code, with their colours and their mappings to ACLED and PLOVER.

Colours are the Okabe–Ito palette (colour-blind safe), extended by two greys; each type
also carries a symbol so that colour is never the only signal. The data migration seeds
these rows; the ACLED export and import read the same table, so there is one mapping.
"""

EVENT_TYPES = [
    # slug, name, colour, symbol, ACLED event_type, ACLED sub_event_type, PLOVER, description
    ("negotiation", "Negotiation", "#0072B2", "⇄", "Strategic developments", "Agreement",
     "CONSULT", "Talks between parties, direct or indirect, including mediated rounds."),
    ("diplomatic-meeting", "Diplomatic meeting", "#56B4E9", "◆", "Strategic developments",
     "Other", "CONSULT", "A meeting or visit between officials of states or organisations."),
    ("statement", "Statement", "#999999", "❝", "Strategic developments", "Other",
     "ACCUSE", "A public statement, position, demand or response by a party."),
    ("military-strike", "Military strike", "#D55E00", "✸", "Explosions/Remote violence",
     "Air/drone strike", "ASSAULT", "Air, drone, missile or artillery strikes."),
    ("armed-clash", "Armed clash", "#E69F00", "⚔", "Battles", "Armed clash", "ASSAULT",
     "Fighting between armed, organised groups."),
    ("casualty-report", "Casualty report", "#000000", "✝", "Violence against civilians",
     "Attack", "ASSAULT", "A report of people killed or injured."),
    ("blockade", "Blockade", "#CC79A7", "▦", "Strategic developments", "Other", "SANCTION",
     "A blockade or siege restricting movement of goods or people."),
    ("humanitarian-aid", "Humanitarian aid", "#009E73", "✚", "Strategic developments",
     "Other", "AID", "Aid deliveries, crossings and their suspension."),
    ("ceasefire", "Ceasefire", "#F0E442", "◯", "Strategic developments", "Agreement",
     "AGREE", "A ceasefire or truce starting, holding or ending."),
    ("hostage-release", "Hostage release", "#5E5E5E", "⚑", "Strategic developments",
     "Other", "CONCEDE",
     "Hostages or prisoners released or exchanged."),
]
