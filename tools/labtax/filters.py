"""Quality filters for generated samples: pure functions, no I/O, no teacher.

A pipeline's candidates go in as the dataset's own records and come out split::

    from labtax import filters

    kept, rejected = filters.apply(
        candidates,                       # Sequence[Sample], in the pipeline's order
        seeds=leaf.seed_pairs,            # the leaf's own (context, question, answer) seeds
        allowed_text=leaf.text + documents_text,  # PII that appears here is allowed
        settings=filters.FilterSettings(),        # thresholds, see the class
        context_scoped=True,              # grounded skills: see below
        source_text=documents_text,       # knowledge: what samples may quote (see below)
    )
    # kept:     list[Sample], in processing order
    # rejected: list[Rejection] at stage "filter", same order
    filters.REASONS            # every reason id, in the order the checks run

Each candidate gets at most one rejection: the first failing check in `REASONS` order. A candidate's
key is its sample id and which identical copy it is (`<id>.0`, `<id>.1`, ... in input order, so
identical candidates stay apart and all but the first are exact duplicates). Candidates are
processed sorted by key, so the result depends on input order only through which of identical
copies comes first (a copy's score may differ); of two near-duplicate siblings the one that sorts
first is kept, and a candidate is only compared with siblings that were kept. Details name a seed
as `seed N` (1-based, in the order given) and a sibling as `sibling <key>`. A `pii` rejection is
stored with the personal data redacted (`pii.redact`).

Checks: `empty` (question, answer, or the context of a form that has one, blank); `malformed`
(control characters, U+FFFD, an unclosed ``` fence, a leaked prompt section tag line, no words
at all); `too_short` / `too_long` (stripped characters,
`FilterSettings`); `pii` in question, answer or context (see `labtax.pii`); `exact_duplicate` of
a seed or kept sibling (case, Unicode form and whitespace ignored); `verbatim_seed_copy`;
`near_duplicate_seed` / `near_duplicate_sibling` (ROUGE-L F of the questions, or of question +
answer, at least `rouge_threshold`). Siblings are compared within their form only: a detailed
summary and a list of facts about one passage are two different examples, however much they
share.

`context_scoped`: in a grounded skill the question is an instruction applied to its context, so
the same instruction over two different contexts is two different samples. When true, an exact
duplicate needs the same context and a near duplicate a near-identical one (ROUGE-L of the
contexts at least the same threshold). When false (freeform skills, knowledge), contexts are
ignored for duplicates, except for the forms whose user turn holds their context (knowledge's
auxiliary summaries and facts, which share a few instructions across many passages).

`source_text` (a knowledge leaf's documents): samples are grounded in it and may quote it, so a
run of a seed answer's words that it also holds is the document's wording, not a copy of the
seed.

`words(text)` is the ROUGE-L tokenisation, `rouge_l(candidate, reference)` the F-measure and
`Similarity(threshold)` decides "at least the threshold" exactly, on token sequences.

The module is one piece (a little over 400 lines): every check of one `apply` call shares its
token index, the exact integer form of the similarity threshold and the siblings kept so far, and
splitting them would only pass that state between modules.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

from rapidfuzz.distance import LCSseq

from labtax import pii
from labtax.dataset.records import CONTEXT_IN_TURN, Rejection, Sample, has_context
from labtax.prompts import protocol_markup

STAGE = "filter"

EMPTY = "empty"
MALFORMED = "malformed"
TOO_SHORT = "too_short"
TOO_LONG = "too_long"
PII = "pii"
EXACT_DUPLICATE = "exact_duplicate"
VERBATIM_SEED_COPY = "verbatim_seed_copy"
NEAR_DUPLICATE_SEED = "near_duplicate_seed"
NEAR_DUPLICATE_SIBLING = "near_duplicate_sibling"

REASONS: tuple[str, ...] = (
    EMPTY,
    MALFORMED,
    TOO_SHORT,
    TOO_LONG,
    PII,
    EXACT_DUPLICATE,
    VERBATIM_SEED_COPY,
    NEAR_DUPLICATE_SEED,
    NEAR_DUPLICATE_SIBLING,
)

# One seed as `Leaf.seed_pairs` gives it: (context, question, answer).
SeedPair = tuple[str | None, str, str]


@dataclass(frozen=True)
class FilterSettings:
    """Thresholds. Lengths are characters of the stripped text, limits inclusive."""

    min_question_chars: int = 10
    max_question_chars: int = 4000
    min_answer_chars: int = 2
    max_answer_chars: int = 8000
    # Near-duplicate when ROUGE-L F-measure >= this (questions, or question + answer).
    rouge_threshold: float = 0.9
    # A run of this many consecutive words (`words`: case and punctuation ignored) of a seed
    # answer, in a question or answer, is a verbatim copy.
    verbatim_span_words: int = 20

    def __post_init__(self) -> None:
        for name in ("min_question_chars", "min_answer_chars", "verbatim_span_words"):
            if getattr(self, name) < 1:
                raise ValueError(f"FilterSettings.{name} must be at least 1")
        if self.max_question_chars < self.min_question_chars:
            raise ValueError("FilterSettings.max_question_chars is below min_question_chars")
        if self.max_answer_chars < self.min_answer_chars:
            raise ValueError("FilterSettings.max_answer_chars is below min_answer_chars")
        if not 0.0 < self.rouge_threshold <= 1.0:
            raise ValueError("FilterSettings.rouge_threshold must be in (0, 1]")


# ---------------------------------------------------------------------------------------------
# Text normalisation and ROUGE-L

# Han, kana and hangul are written without spaces: each character is its own token.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_SPACE = re.compile(r"\s+")


def words(text: str) -> list[str]:
    """ROUGE-L tokens: NFKC, case-folded runs of letters and digits; punctuation is dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def normalized(text: str) -> str:
    """Text as compared for exact duplicates: NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def lcs_length(a: Sequence[Hashable], b: Sequence[Hashable]) -> int:
    """Length of the longest common subsequence of two token sequences (exact, bit-parallel)."""
    if not a or not b:
        return 0
    return int(LCSseq.similarity(a, b))


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F-measure over `words`: F = 2PR/(P+R), P = lcs/|candidate|, R = lcs/|reference|."""
    a, b = words(candidate), words(reference)
    lcs = lcs_length(a, b)
    # 2PR/(P+R) simplifies to 2*lcs/(|a|+|b|), which is also 0 when either side is empty.
    return 2 * lcs / (len(a) + len(b)) if lcs else 0.0


class Similarity:
    """ROUGE-L >= threshold decided in integers, so the boundary is exact (0.9 means 9/10).

    Works on token id sequences (`_Index.ids`, or any sequences of hashable tokens).
    """

    def __init__(self, threshold: float) -> None:
        # repr() is the shortest decimal that round-trips: 0.9 becomes exactly 9/10.
        self.threshold = Fraction(repr(threshold))
        self._num, self._den = self.threshold.numerator, 2 * self.threshold.denominator

    def needed(self, la: int, lb: int) -> int:
        """The smallest LCS length that reaches the threshold for these lengths."""
        return -(-self._num * (la + lb) // self._den)

    def reaches(self, a: Sequence[Hashable], b: Sequence[Hashable]) -> tuple[bool, float]:
        if not a or not b:
            return False, 0.0
        need = self.needed(len(a), len(b))
        # LCS is at most the shorter length: most pairs are decided without computing it.
        if need > min(len(a), len(b)):
            return False, 0.0
        lcs = int(LCSseq.similarity(a, b, score_cutoff=need))
        if lcs < need:
            return False, 0.0
        return True, 2 * lcs / (len(a) + len(b))


# ---------------------------------------------------------------------------------------------
# Per-candidate checks

# C0/C1 controls other than tab and newlines, lone surrogates, and the replacement character
# that marks undecodable bytes.
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")


def _fields(c: Sample) -> list[tuple[str, str]]:
    fields = [("question", c.question), ("answer", c.answer)]
    if has_context(c.form):
        fields.append(("context", c.context))
    return fields


def _context(c: Sample) -> str | None:
    """The context duplicates are compared with: none for a form without one, like seeds."""
    return c.context if has_context(c.form) else None


def check_empty(c: Sample) -> str | None:
    for name, value in _fields(c):
        if not value.strip():
            return f"{name} is empty"
    return None


def check_malformed(c: Sample) -> str | None:
    for name, value in _fields(c):
        bad = _BAD_CHAR.search(value)
        if bad:
            code = ord(bad.group())
            return f"{name} contains the control or invalid character U+{code:04X}"
        if value.count("```") % 2:
            return f"{name} has an unclosed ``` code fence"
        markup = protocol_markup(value)
        if markup:
            return f"{name} contains {markup}"
    for name, value in (("question", c.question), ("answer", c.answer)):
        if not words(value):
            return f"{name} has no words"
    return None


def check_too_short(c: Sample, settings: FilterSettings) -> str | None:
    for name, value, least in (
        ("question", c.question, settings.min_question_chars),
        ("answer", c.answer, settings.min_answer_chars),
    ):
        n = len(value.strip())
        if n < least:
            return f"{name} has {n} characters, fewer than {least}"
    return None


def check_too_long(c: Sample, settings: FilterSettings) -> str | None:
    for name, value, most in (
        ("question", c.question, settings.max_question_chars),
        ("answer", c.answer, settings.max_answer_chars),
    ):
        n = len(value.strip())
        if n > most:
            return f"{name} has {n} characters, more than {most}"
    return None


def check_pii(
    c: Sample, allowed_text: str, memo: dict[str, list[pii.PiiMatch]] | None = None
) -> str | None:
    """`memo` caches scans by text: a grounded context is shared by many candidates."""
    for name, value in _fields(c):
        if memo is None:
            found = pii.find_pii(value, allowed_text)
        else:
            if value not in memo:
                memo[value] = pii.find_pii(value, allowed_text)
            found = memo[value]
        if found:
            first = found[0]
            return f"{name} contains {first.kind.replace('_', ' ')} {pii.mask(first.text)}"
    return None


# ---------------------------------------------------------------------------------------------
# Checks against seeds and kept siblings


@dataclass(frozen=True)
class _Item:
    """Precomputed forms of a seed or candidate: token ids and normalised texts. `form` is None
    for a seed, which every form is compared with; `scoped`: compared per context."""

    label: str
    q: tuple[int, ...]
    qa: tuple[int, ...]
    answer: tuple[int, ...]
    exact: tuple[str, str]
    context: str | None
    form: str | None = None
    scoped: bool = False


class _Index:
    """Token ids shared by every item of one `apply` call, and context similarity memo."""

    def __init__(self, similarity: Similarity) -> None:
        self._ids: dict[str, int] = {}
        self._words: list[str] = []
        self._similarity = similarity
        self._contexts: dict[str, tuple[int, ...]] = {}
        self._same: dict[tuple[str, str], bool] = {}

    def ids(self, text: str) -> tuple[int, ...]:
        out = []
        for w in words(text):
            i = self._ids.get(w)
            if i is None:
                i = self._ids[w] = len(self._words)
                self._words.append(w)
            out.append(i)
        return tuple(out)

    def text(self, ids: Iterable[int]) -> str:
        return " ".join(self._words[i] for i in ids)

    def item(
        self,
        label: str,
        question: str,
        answer: str,
        context: str | None,
        *,
        form: str | None = None,
        scoped: bool = False,
    ) -> _Item:
        q, a = self.ids(question), self.ids(answer)
        ctx = None if context is None else normalized(context)
        if ctx is not None and ctx not in self._contexts:
            self._contexts[ctx] = self.ids(context or "")
        exact = (normalized(question), normalized(answer))
        return _Item(label, q, q + a, a, exact, ctx, form, scoped)

    def same_context(self, a: _Item, b: _Item) -> bool:
        if a.context is None or b.context is None:
            return a.context is b.context
        if a.context == b.context:
            return True
        pair = (min(a.context, b.context), max(a.context, b.context))
        if pair not in self._same:
            reached, _ = self._similarity.reaches(self._contexts[pair[0]], self._contexts[pair[1]])
            self._same[pair] = reached
        return self._same[pair]


def _shingles(tokens: Sequence[int], n: int) -> Iterable[tuple[int, ...]]:
    return (tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


class _Checker:
    def __init__(
        self,
        seeds: Iterable[SeedPair],
        allowed_text: str,
        settings: FilterSettings,
        context_scoped: bool,
        source_text: str = "",
    ) -> None:
        self.settings = settings
        self.allowed_text = allowed_text
        self.pii_memo: dict[str, list[pii.PiiMatch]] = {}
        self.scoped = context_scoped
        self.similarity = Similarity(settings.rouge_threshold)
        self.index = _Index(self.similarity)
        self.seeds = [
            self.index.item(f"seed {i}", question, answer, context)
            for i, (context, question, answer) in enumerate(seeds, start=1)
        ]
        n = settings.verbatim_span_words
        self.seed_spans: dict[tuple[int, ...], str] = {}
        # Padded with spaces so a span matches whole words only.
        source = f" {' '.join(words(source_text))} "
        for seed in self.seeds:
            for span in _shingles(seed.answer, n):
                if source_text and f" {self.index.text(span)} " in source:
                    continue  # the documents' wording, which samples may quote
                self.seed_spans.setdefault(span, seed.label)
        self.kept: list[_Item] = []
        self.exact_seen: dict[tuple[str | None, str, str, str | None], str] = {}
        self.seed_exact: dict[tuple[str, str, str | None], str] = {}
        for seed in reversed(self.seeds):
            self.seed_exact[(*seed.exact, seed.context if self.scoped else None)] = seed.label

    def comparable(self, a: _Item, b: _Item) -> bool:
        return not a.scoped or self.index.same_context(a, b)

    def exact_key(self, item: _Item) -> tuple[str | None, str, str, str | None]:
        return (item.form, *item.exact, item.context if item.scoped else None)

    def exact_duplicate(self, item: _Item) -> str | None:
        other = self.exact_seen.get(self.exact_key(item))
        if other is None:
            other = self.seed_exact.get((*item.exact, item.context if item.scoped else None))
        return None if other is None else f"same text as {other}"

    def verbatim_copy(self, item: _Item) -> str | None:
        n = self.settings.verbatim_span_words
        for name, tokens in (("question", item.q), ("answer", item.answer)):
            for span in _shingles(tokens, n):
                seed = self.seed_spans.get(span)
                if seed is not None:
                    start = self.index.text(span[:6])
                    return f"{name} copies {n} consecutive words of {seed}'s answer: {start} …"
        return None

    def near_duplicate(self, item: _Item, others: Iterable[_Item]) -> str | None:
        for other in others:
            if other.form is not None and other.form != item.form:
                continue
            for what, a, b in (
                ("question", item.q, other.q),
                ("question+answer", item.qa, other.qa),
            ):
                reached, score = self.similarity.reaches(a, b)
                # Contexts are long: compare them only for pairs that are otherwise similar.
                if reached and self.comparable(item, other):
                    return f"{what} ROUGE-L {score:.3f} with {other.label}"
        return None

    def own_findings(self, c: Sample) -> Iterator[tuple[str, str | None]]:
        """Checks of the candidate alone, lazily in `REASONS` order; None means it passed."""
        yield EMPTY, check_empty(c)
        yield MALFORMED, check_malformed(c)
        yield TOO_SHORT, check_too_short(c, self.settings)
        yield TOO_LONG, check_too_long(c, self.settings)
        yield PII, check_pii(c, self.allowed_text, self.pii_memo)

    def relational_findings(self, item: _Item) -> Iterator[tuple[str, str | None]]:
        """Checks against the seeds and the siblings kept so far."""
        yield EXACT_DUPLICATE, self.exact_duplicate(item)
        yield VERBATIM_SEED_COPY, self.verbatim_copy(item)
        yield NEAR_DUPLICATE_SEED, self.near_duplicate(item, self.seeds)
        yield NEAR_DUPLICATE_SIBLING, self.near_duplicate(item, self.kept)

    def check(self, key: str, c: Sample) -> tuple[str, str] | None:
        for reason, detail in self.own_findings(c):
            if detail is not None:
                return reason, detail
        scoped = self.scoped or c.form in CONTEXT_IN_TURN
        label = f"sibling {key}"
        item = self.index.item(label, c.question, c.answer, _context(c), form=c.form, scoped=scoped)
        for reason, detail in self.relational_findings(item):
            if detail is not None:
                return reason, detail
        self.kept.append(item)
        self.exact_seen.setdefault(self.exact_key(item), item.label)
        return None


def keyed(candidates: Iterable[Sample]) -> list[tuple[str, Sample]]:
    """Each candidate with its key (`<id>.<copy>`), sorted by key: the processing order."""
    copies: Counter[str] = Counter()
    out = []
    for sample in candidates:
        sample_id = sample.id
        out.append((f"{sample_id}.{copies[sample_id]}", sample))
        copies[sample_id] += 1
    return sorted(out, key=lambda pair: pair[0])


def apply(
    candidates: Sequence[Sample],
    *,
    seeds: Iterable[SeedPair],
    allowed_text: str,
    settings: FilterSettings | None = None,
    context_scoped: bool = False,
    source_text: str = "",
) -> tuple[list[Sample], list[Rejection]]:
    """Split `candidates` into kept samples and rejections, both in key order."""
    checker = _Checker(
        seeds, allowed_text, settings or FilterSettings(), context_scoped, source_text
    )
    kept: list[Sample] = []
    rejected: list[Rejection] = []
    for key, sample in keyed(candidates):
        verdict = checker.check(key, sample)
        if verdict is None:
            kept.append(sample)
            continue
        reason, detail = verdict
        stored = _redacted(sample, allowed_text) if reason == PII else sample
        rejected.append(stored.reject(STAGE, reason, detail))
    return kept, rejected


def _redacted(sample: Sample, allowed_text: str) -> Sample:
    """`sample` without its personal data: a rejection record must not store it either."""
    return replace(
        sample,
        context=pii.redact(sample.context, allowed_text),
        question=pii.redact(sample.question, allowed_text),
        answer=pii.redact(sample.answer, allowed_text),
    )
