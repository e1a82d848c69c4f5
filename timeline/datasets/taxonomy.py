"""The taxonomy table of the README (ours ↔ ACLED ↔ UCDP), made from timeline/event_types.py.

    .venv/bin/python -m timeline.datasets.taxonomy   # prints the Markdown table

A test checks that the README holds exactly this table, so the two cannot drift apart.
"""

from __future__ import annotations

from timeline.datasets.acled import SUB_EVENT_TYPES
from timeline.datasets.ucdp import VIOLENCE_TYPES
from timeline.event_types import EVENT_TYPES, SUB_TYPES


def markdown_table() -> str:
    """One line per (type, sub-type); a type without sub-types gets one line of its own,
    with the ACLED pair an event of that type is exported as (in brackets)."""
    lines = [
        "| Type (`type`) | Sub-type (`sub_type`) | ACLED event_type / sub_event_type "
        "| UCDP type_of_violence |",
        "| --- | --- | --- | --- |",
    ]
    for slug, name, _, _, acled_type, acled_sub, _, _ in EVENT_TYPES:
        subs = [row for row in SUB_TYPES if row[0] == slug]
        if not subs:
            lines.append(f"| {name} (`{slug}`) | — | ({acled_type} / {acled_sub}) | — |")
        for _, sub_slug, sub_name, sub_acled, violence, _ in subs:
            acled = f"{SUB_EVENT_TYPES[sub_acled]} / {sub_acled}" if sub_acled else "—"
            ucdp = f"{violence} ({VIOLENCE_TYPES[violence]})" if violence else "—"
            lines.append(f"| {name} (`{slug}`) | {sub_name} (`{sub_slug}`) | {acled} | {ucdp} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
