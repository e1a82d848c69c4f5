"""Score proposed events against an analyst's answer key.

A proposal matches a key event when the type is the same, the dates overlap and one of
its evidence spans lies in the same sentence as one of the key's. Matching is greedy and
one-to-one, best pairs first. The management command that loads answer keys from fixtures
builds ``KeyEvent`` values and calls ``evaluate``; this module knows nothing of Django.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from timeline.extraction.figures import fatality_total
from timeline.extraction.propose import Proposal
from timeline.extraction.sentences import split_sentences
from timeline.extraction.triggers import EVENT_TYPES


@dataclass(frozen=True, slots=True)
class KeyEvent:
    """One curated event: evidence spans are (start, end) offsets into the document text;
    figures are (kind, low) pairs."""

    event_type: str
    date_start: date
    date_end: date | None
    evidence_spans: tuple[tuple[int, int], ...]
    figures: tuple[tuple[str, int], ...] = ()

    @property
    def date_last(self) -> date:
        """The last day the event may cover."""
        return self.date_end or self.date_start


@dataclass(frozen=True, slots=True)
class TypeScore:
    """Counts for one event type (or all of them) and the scores they give."""

    event_type: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """Share of proposals that match a key event (1.0 when nothing was proposed)."""
        proposed = self.true_positives + self.false_positives
        return self.true_positives / proposed if proposed else 1.0

    @property
    def recall(self) -> float:
        """Share of key events matched by a proposal (1.0 when the key is empty)."""
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Match:
    """A matched pair: the document, the proposal and the key event."""

    document: str
    proposal: Proposal
    key: KeyEvent


@dataclass(frozen=True, slots=True)
class Report:
    """Scores per type and overall, with figure and date accuracy on matched pairs."""

    per_type: tuple[TypeScore, ...]
    overall: TypeScore
    matches: tuple[Match, ...]
    unmatched_proposals: tuple[tuple[str, Proposal], ...]
    unmatched_keys: tuple[tuple[str, KeyEvent], ...]
    figure_pairs: int
    figure_agreements: int
    date_pairs: int
    date_agreements: int

    @property
    def figure_accuracy(self) -> float | None:
        """Share of matched pairs whose key figures (kind, low) all appear in the proposal;
        None when no matched key event has figures."""
        return self.figure_agreements / self.figure_pairs if self.figure_pairs else None

    @property
    def date_accuracy(self) -> float | None:
        """Share of matched pairs with the same ``date_start``; None without matches."""
        return self.date_agreements / self.date_pairs if self.date_pairs else None

    def format(self) -> str:
        """Return a printable table of the scores."""
        lines = [f"{'type':<20} {'TP':>4} {'FP':>4} {'FN':>4} {'P':>6} {'R':>6} {'F1':>6}"]
        for score in (*self.per_type, self.overall):
            lines.append(
                f"{score.event_type:<20} {score.true_positives:>4} {score.false_positives:>4} "
                f"{score.false_negatives:>4} {score.precision:>6.2f} {score.recall:>6.2f} "
                f"{score.f1:>6.2f}"
            )
        lines.append(
            f"figure accuracy: {_ratio(self.figure_agreements, self.figure_pairs)}   "
            f"date accuracy: {_ratio(self.date_agreements, self.date_pairs)}"
        )
        for document, proposal in self.unmatched_proposals:
            lines.append(
                f"unmatched proposal [{document}] {proposal.event_type} "
                f"{proposal.date_start}: {proposal.title}"
            )
        for document, key in self.unmatched_keys:
            lines.append(f"unmatched key event [{document}] {key.event_type} {key.date_start}")
        return "\n".join(lines)


def evaluate(
    proposals_by_doc: Mapping[str, Sequence[Proposal]],
    answer_key_by_doc: Mapping[str, Sequence[KeyEvent]],
    *,
    texts_by_doc: Mapping[str, str] | None = None,
) -> Report:
    """Compare proposals with the answer key, document by document.

    Give ``texts_by_doc`` (document text by the same keys) so that "same sentence" means
    the sentence; without it, evidence must overlap a key span instead.
    """
    matches: list[Match] = []
    unmatched_proposals: list[tuple[str, Proposal]] = []
    unmatched_keys: list[tuple[str, KeyEvent]] = []
    for document in sorted(set(proposals_by_doc) | set(answer_key_by_doc)):
        proposals = list(proposals_by_doc.get(document, ()))
        keys = list(answer_key_by_doc.get(document, ()))
        text = texts_by_doc.get(document) if texts_by_doc else None
        sentences = [(s.start, s.end) for s in split_sentences(text)] if text else None
        candidates = []
        for p_index, proposal in enumerate(proposals):
            for k_index, key in enumerate(keys):
                if _matches(proposal, key, sentences):
                    exact_date = proposal.date_start == key.date_start
                    candidates.append((not exact_date, -proposal.confidence, p_index, k_index))
        candidates.sort()
        used_p: set[int] = set()
        used_k: set[int] = set()
        for _, _, p_index, k_index in candidates:
            if p_index in used_p or k_index in used_k:
                continue
            used_p.add(p_index)
            used_k.add(k_index)
            matches.append(Match(document, proposals[p_index], keys[k_index]))
        unmatched_proposals += [(document, p) for i, p in enumerate(proposals) if i not in used_p]
        unmatched_keys += [(document, k) for i, k in enumerate(keys) if i not in used_k]
    return _report(matches, unmatched_proposals, unmatched_keys)


def _matches(proposal: Proposal, key: KeyEvent, sentences: list[tuple[int, int]] | None) -> bool:
    if proposal.event_type != key.event_type:
        return False
    if proposal.date_start > key.date_last or key.date_start > proposal.date_last:
        return False
    for evidence in proposal.evidence:
        for start, end in key.evidence_spans:
            if sentences is None:
                if evidence.start < end and start < evidence.end:
                    return True
            elif _sentence_of(sentences, evidence.start) == _sentence_of(sentences, start):
                return True
    return False


def _sentence_of(sentences: list[tuple[int, int]], offset: int) -> int:
    for index, (_, end) in enumerate(sentences):
        if offset < end:
            return index
    return len(sentences) - 1


def _report(
    matches: list[Match],
    unmatched_proposals: list[tuple[str, Proposal]],
    unmatched_keys: list[tuple[str, KeyEvent]],
) -> Report:
    types = [
        t
        for t in EVENT_TYPES
        if any(m.key.event_type == t for m in matches)
        or any(p.event_type == t for _, p in unmatched_proposals)
        or any(k.event_type == t for _, k in unmatched_keys)
    ]
    per_type = tuple(
        TypeScore(
            t,
            sum(1 for m in matches if m.key.event_type == t),
            sum(1 for _, p in unmatched_proposals if p.event_type == t),
            sum(1 for _, k in unmatched_keys if k.event_type == t),
        )
        for t in types
    )
    overall = TypeScore("overall", len(matches), len(unmatched_proposals), len(unmatched_keys))
    with_figures = [m for m in matches if m.key.figures]
    figure_agreements = sum(
        1
        for m in with_figures
        if set(m.key.figures) <= {(f.kind, f.low) for f in m.proposal.figures}
    )
    return Report(
        per_type=per_type,
        overall=overall,
        matches=tuple(matches),
        unmatched_proposals=tuple(unmatched_proposals),
        unmatched_keys=tuple(unmatched_keys),
        figure_pairs=len(with_figures),
        figure_agreements=figure_agreements,
        date_pairs=len(matches),
        date_agreements=sum(1 for m in matches if m.proposal.date_start == m.key.date_start),
    )


def _ratio(numerator: int, denominator: int) -> str:
    if not denominator:
        return "n/a"
    return f"{numerator}/{denominator} = {numerator / denominator:.2f}"


# --- ACLED's coding of its own notes as an answer key ------------------------------------


@dataclass
class AcledAgreement:
    """How often the extractor, reading an ACLED row's notes, agrees with ACLED's coding.

    Every row counts in every denominator; a row with no proposal disagrees on all three.
    - type: a proposal has ACLED's type (mapped to ours by timeline/acled.py); ``top_type``
      is the stricter reading, the most confident proposal has it;
    - date: the proposal of ACLED's type (else the first) overlaps ACLED's date span and,
      for a day-precise row, starts on ACLED's day;
    - fatalities: the killed figures of all proposals add up (``fatality_total``) to
      ACLED's fatalities.

    Read as an answer key (one event per row), the same counts give precision (proposals
    of the row's type and dates, at most one per row, over all proposals), recall (rows
    so matched), F1, the exact-date rate and figure accuracy of the matched rows.
    """

    rows: int = 0
    rows_without_proposal: int = 0
    proposals: int = 0
    type_agreements: int = 0
    top_type_agreements: int = 0
    date_agreements: int = 0
    fatality_agreements: int = 0
    rows_by_type: Counter = field(default_factory=Counter)
    type_agreements_by_type: Counter = field(default_factory=Counter)
    matched_rows: int = 0
    matched_exact_dates: int = 0
    matched_fatalities: int = 0
    problems: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def as_score(self) -> TypeScore:
        """Rows as key events: a row is matched by a proposal of its type and dates."""
        return TypeScore(
            "ACLED notes",
            self.matched_rows,
            self.proposals - self.matched_rows,
            self.rows - self.matched_rows,
        )

    def share(self, count: int) -> float:
        return count / self.rows if self.rows else 0.0

    @property
    def type_agreement(self) -> float:
        return self.share(self.type_agreements)

    @property
    def top_type_agreement(self) -> float:
        return self.share(self.top_type_agreements)

    @property
    def date_agreement(self) -> float:
        return self.share(self.date_agreements)

    @property
    def fatality_agreement(self) -> float:
        return self.share(self.fatality_agreements)

    def format(self) -> str:
        """A printable table: the three agreements, then type agreement per ACLED type."""
        lines = [
            f"rows: {self.rows} ({len(self.problems)} unreadable rows left out), "
            f"proposals: {self.proposals}, rows with no proposal: {self.rows_without_proposal}",
            f"date agreement:     {_ratio(self.date_agreements, self.rows)}",
            f"type agreement:     {_ratio(self.type_agreements, self.rows)}"
            f"   (most confident proposal: {_ratio(self.top_type_agreements, self.rows)})",
            f"fatality agreement: {_ratio(self.fatality_agreements, self.rows)}",
            f"as an answer key: precision {self.as_score.precision:.2f}, recall "
            f"{self.as_score.recall:.2f}, F1 {self.as_score.f1:.2f}, exact date "
            f"{_ratio(self.matched_exact_dates, self.matched_rows)}, figures "
            f"{_ratio(self.matched_fatalities, self.matched_rows)}",
            f"{'ACLED type (ours)':<26} {'rows':>6} {'type agrees':>12}",
        ]
        for type_slug, rows in sorted(self.rows_by_type.items()):
            agreed = self.type_agreements_by_type[type_slug]
            lines.append(f"{type_slug:<26} {rows:>6} {agreed / rows:>12.2f}")
        lines.extend(f"left out: {problem}" for problem in self.problems[:10])
        return "\n".join(lines)


def score_acled_row(
    agreement: AcledAgreement,
    *,
    type_slug: str,
    date_start: date,
    date_end: date | None,
    deaths: int,
    proposals: Sequence[Proposal],
) -> None:
    """Count one ACLED row (its type, dates and fatalities) against the proposals made
    from its notes."""
    agreement.rows += 1
    agreement.proposals += len(proposals)
    agreement.rows_by_type[type_slug] += 1
    if not proposals:
        agreement.rows_without_proposal += 1
        return
    figures = {(f.start, f.end): f for p in proposals for f in p.figures}.values()
    if fatality_total(figures) == deaths:
        agreement.fatality_agreements += 1
    typed = [p for p in proposals if p.event_type == type_slug]
    if typed:
        agreement.type_agreements += 1
        agreement.type_agreements_by_type[type_slug] += 1
    if max(proposals, key=lambda p: p.confidence).event_type == type_slug:
        agreement.top_type_agreements += 1
    proposal = typed[0] if typed else proposals[0]
    row_last = date_end or date_start
    overlaps = proposal.date_start <= row_last and date_start <= proposal.date_last
    if overlaps and (date_end is not None or proposal.date_start == date_start):
        agreement.date_agreements += 1
    if typed and overlaps:
        agreement.matched_rows += 1
        agreement.matched_exact_dates += proposal.date_start == date_start
        agreement.matched_fatalities += fatality_total(figures) == deaths
