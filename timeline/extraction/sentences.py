"""Split text into sentences that keep their character offsets."""

import re
from dataclasses import dataclass

# Words that end with a full stop without ending the sentence. Lower-cased, without the
# final dot. Month abbreviations only count before a digit ("Jan. 5"), see below.
ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "st", "prof", "gen", "col", "lt", "maj", "capt", "sgt",
        "cpl", "adm", "rev", "sen", "rep", "gov", "pres", "jr", "sr", "mt", "ft", "no",
        "nos", "vs", "approx", "est", "dept", "univ", "inc", "ltd", "co", "corp", "fig",
        "cf", "al",
    }
)  # fmt: skip
MONTH_ABBREVIATIONS = frozenset(
    {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)

# Blank lines separate paragraphs; a sentence never runs across one.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
# Text saved from a web page has one paragraph, heading or caption a line; its lines are
# long (hard-wrapped text never has a line of 200 characters). There a line break ends a
# sentence too: "Europe is involved" (a heading) is not the start of the next sentence.
_LINE_BREAK = re.compile(r"[ \t\r\f\v]*\n\s*")
_LONG_LINE = re.compile(r"[^\n]{200}")


def one_paragraph_a_line(text: str) -> bool:
    """True for text saved from a web page: one paragraph, heading or caption a line."""
    return "\n" in text and _LONG_LINE.search(text) is not None


# A candidate end: terminal punctuation, any closing quotes or brackets, then whitespace.
_CANDIDATE_END = re.compile(
    r"[.!?]+[\"'”’)\]]*(?=\s)|(?<=[a-z)”\"])[.!?]+[\"”]?(?=[\"“]?[A-Z][a-z])|"
    # A heading glued to the text after it when a page was scraped: "… Venezuela’s
    # presidentAnalysis of open source …", "… in AfghanistanKANDAHAR, Afghanistan".
    # (the reading copy blanks the wire dateline between them).
    r"(?<=[a-z]{5})(?=[A-Z][A-Za-z]| {4,}[A-Z])"
)
# Dotted initialisms ("U.N.", "U.S.", "e.g.", "i.e.") and single initials ("J.").
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}$|^[A-Z]\.$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: ``text`` equals the source text's ``[start:end]``."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with exact offsets, never across a paragraph break.

    Boundaries are terminal punctuation followed by whitespace and then something that can
    open a sentence (a capital, a digit or an opening quote). Abbreviations ("Mr.", "Dr.",
    "St."), initialisms ("U.N.", "e.g.") and month abbreviations before a day ("Jan. 5")
    do not end a sentence. Run-on text without a full stop stays one sentence.
    """
    sentences: list[Sentence] = []
    position = 0
    breaks = _PARAGRAPH_BREAK if not one_paragraph_a_line(text) else _LINE_BREAK
    for paragraph_break in [*breaks.finditer(text), None]:
        end = paragraph_break.start() if paragraph_break else len(text)
        sentences.extend(_split_paragraph(text, position, end))
        if paragraph_break:
            position = paragraph_break.end()
    return sentences


def _split_paragraph(text: str, start: int, end: int) -> list[Sentence]:
    sentences = []
    sentence_start = start
    for candidate in _CANDIDATE_END.finditer(text, start, end):
        boundary = candidate.end()
        if _is_boundary(text, candidate.start(), boundary, end):
            sentences.append(_trimmed(text, sentence_start, boundary))
            sentence_start = boundary
    sentences.append(_trimmed(text, sentence_start, end))
    return [sentence for sentence in sentences if sentence.text]


def _is_boundary(text: str, punctuation_start: int, boundary: int, limit: int) -> bool:
    following = re.compile(r"\s*(\S)").match(text, boundary, limit)
    if following is None:
        return False
    next_char = following.group(1)
    if not (next_char.isupper() or next_char.isdigit() or next_char in "\"'“‘([-–—"):
        return False
    if text[punctuation_start] != ".":
        return True
    word_match = re.compile(r"(\S+)$").search(text, 0, punctuation_start + 1)
    word = word_match.group(1) if word_match else ""
    word = word.lstrip("\"'“‘([")
    bare = word.rstrip(".").lower()
    if bare in ABBREVIATIONS:
        return False
    if _INITIALISM.search(word):
        return False
    return not (bare in MONTH_ABBREVIATIONS and next_char.isdigit())


def _trimmed(text: str, start: int, end: int) -> Sentence:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Sentence(start, end, text[start:end])
