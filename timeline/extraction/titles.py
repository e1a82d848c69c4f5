"""Short titles cut from a sentence at a word boundary."""


def short_title(text: str, limit: int = 100) -> str:
    """Return ``text`` collapsed to one line and trimmed to at most ``limit`` characters.

    The cut falls at a word boundary so a title never ends mid-word; trailing punctuation
    that would dangle (commas, colons, dashes) is dropped. A final full stop is removed
    because titles read as headlines.
    """
    collapsed = " ".join(text.split())
    if len(collapsed) > limit:
        cut = collapsed[: limit + 1]
        space = cut.rfind(" ")
        collapsed = cut[:space] if space > 0 else collapsed[:limit]
    return collapsed.rstrip(" ,;:-–—").removesuffix(".")
