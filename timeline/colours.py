"""Colour arithmetic for the event-type palette (WCAG 2 relative luminance and contrast)."""

from __future__ import annotations

DARK_BACKGROUND = "#151515"  # --bg in dark mode (static/css/timeline.css)
# Non-text elements (borders, swatches, bars) need 3:1 against their background.
NON_TEXT_CONTRAST = 3.0


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_ink(colour: str) -> str:
    """Black or white text, whichever contrasts more with the colour."""
    return "#000000" if contrast(colour, "#000000") >= contrast(colour, "#ffffff") else "#ffffff"


def for_dark_background(colour: str) -> str:
    """The colour, lightened towards white just enough to stand out on the dark page."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(0, 101, 5):
        share = step / 100
        mixed = "#{:02x}{:02x}{:02x}".format(
            *(round(c + (255 - c) * share) for c in (red, green, blue))
        )
        if contrast(mixed, DARK_BACKGROUND) >= NON_TEXT_CONTRAST:
            return mixed
    return "#ffffff"
