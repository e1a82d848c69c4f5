"""Who says so: the source of a sentence's claim and the outlet that carried it.

"Hospital officials in Gaza said more than 30 people were killed on Sunday, the BBC
reported." has source "Hospital officials in Gaza" via "BBC".
"""

import re
from dataclasses import dataclass

_SPEECH = r"(?:said|says|say|told|tells|reported|reports|stated|states|announced|announces|claimed|claims|confirmed|confirms|added|noted|insisted|warned)"  # noqa: E501
_AUX = r"(?:(?:has|have|had)\s+(?:also\s+)?|also\s+)?"
# A speaker noun phrase of up to seven words, opening the sentence or a clause after a
# comma; "The Israeli Prime Minister said", "Hospital officials in Gaza said",
# "Just in the past 24 hours, the Israeli military says".
_LEADING = re.compile(
    rf"(?:^|(?<=,)\s+)(?P<source>(?:[Tt]he\s+)?[A-Z][\w'’.&-]*(?:\s+[\w'’.&-]+){{0,6}}?)"
    rf"\s+{_AUX}(?P<verb>{_SPEECH})\b"
)
_ACCORDING_TO = re.compile(
    r"\b[Aa]ccording to\s+(?P<source>[^,.;:()\[\]]{2,80}?)(?=\s*[,.;:)\]]|$)"
)
# A closing reporting clause: ", the BBC reported." / ", officials said."
_TRAILING = re.compile(
    rf",\s+(?P<source>(?:the\s+|The\s+)?[\w'’.&-]+(?:\s+[\w'’.&-]+){{0,5}}?)\s+"
    rf"{_AUX}(?P<verb>{_SPEECH})(?:\s+\w+)?\s*[.!?\"”]*\s*$"
)
# Outlets carry a report rather than make the claim; a trailing "reported" from one is
# the channel ("via"), and any earlier speaker stays the source.
_CARRIER_VERBS = frozenset({"reported", "reports"})
_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you", "this", "that"})


@dataclass(frozen=True, slots=True)
class Attribution:
    """A claim's source: ``source`` equals the text's ``[start:end]``.

    ``via`` names the outlet that carried the claim ("BBC"), with ``via_article`` set when
    the text calls it "the BBC".
    """

    start: int
    end: int
    source: str
    via: str | None = None
    via_article: bool = False

    def attribution_text(self) -> str:
        """Render for display: "Hospital officials in Gaza, via the BBC"."""
        if self.via is None:
            return self.source
        article = "the " if self.via_article else ""
        return f"{self.source}, via {article}{self.via}"


def find_attribution(sentence: str) -> Attribution | None:
    """Return who a sentence attributes its claim to, or None when it names nobody.

    Recognises a leading speaker ("Hospital officials in Gaza said …", "the Israeli
    military says it …"), "according to X", "X told …" and a closing reporting clause
    ("…, the BBC reported."). When both a speaker and a closing "reported" clause are
    present, the speaker is the source and the reporter the ``via``.
    """
    trailing = _TRAILING.search(sentence)
    trailing_source = None
    if trailing and trailing.group("source").split()[0].lower() not in _PRONOUNS:
        trailing_source = trailing
    speaker = _speaker(sentence, trailing_source.start() if trailing_source else len(sentence))
    if speaker is None:
        according = _ACCORDING_TO.search(sentence)
        if according:
            speaker = (according.start("source"), according.end("source"))
    if speaker is None and trailing_source is None:
        return None
    if speaker is None:
        assert trailing_source is not None
        return _attribution(
            sentence, trailing_source.start("source"), trailing_source.end("source")
        )
    via = via_article = None
    if trailing_source and trailing_source.group("verb") in _CARRIER_VERBS:
        via_text = trailing_source.group("source")
        via_article = via_text.lower().startswith("the ")
        via = via_text[4:] if via_article else via_text
    return _attribution(sentence, *speaker, via=via, via_article=bool(via_article))


def _speaker(sentence: str, limit: int) -> tuple[int, int] | None:
    for match in _LEADING.finditer(sentence, 0, limit):
        source = match.group("source")
        first = source.split()[0].lower()
        if first in _PRONOUNS or first in {"as", "but", "and", "just", "when", "while"}:
            continue
        return match.start("source"), match.end("source")
    return None


def _attribution(
    sentence: str, start: int, end: int, *, via: str | None = None, via_article: bool = False
) -> Attribution:
    return Attribution(start, end, sentence[start:end], via, via_article)
