"""Quality filters for generated question/answer candidates: pure functions, no I/O, no teacher.

The generate pipeline adapts its own records to the small ones defined here::

    from labtax import filters

    kept, rejected = filters.apply(
        [filters.Candidate(key, question, answer, context), ...],
        seeds=[filters.Seed(question, answer, context), ...],  # the leaf's own seed examples
        allowed_text=qna_yaml_text + documents_text,           # PII that appears here is allowed
        settings=filters.FilterSettings(),                     # thresholds, see the class
        context_scoped=leaf.kind is LeafKind.GROUNDED_SKILL,
    )
    # kept:     list[Candidate], in `Candidate.order` order
    # rejected: list[Rejected(key, stage="filter", reason, detail)], same order
    filters.REASONS            # every reason id, in the order the checks run

Each candidate gets at most one rejection: the first failing check in `REASONS` order. Candidates
are processed sorted by `Candidate.order` (key first), so the result does not depend on input
order; of two near-duplicate siblings the one that sorts first is kept, and a candidate is only
compared with siblings that were kept. Details name a seed as `seed N` (1-based, in the order
given) and a sibling as `sibling <key>`.

Checks: `empty` (question, answer, or a given context blank); `malformed` (control characters,
U+FFFD, an unclosed ``` fence, a leaked prompt section tag line or `labtax-stage:` header, no
words at all); `too_short` / `too_long` (stripped characters, `FilterSettings`); `pii` in question,
answer or context; `exact_duplicate` of a seed or kept sibling (case, Unicode form and whitespace
ignored); `verbatim_seed_copy`; `near_duplicate_seed` / `near_duplicate_sibling` (ROUGE-L F of the
questions, or of question + answer, at least `rouge_threshold`).

`context_scoped`: in a grounded skill the question is an instruction applied to its context, so
the same instruction over two different contexts is two different samples. When true, an exact
duplicate needs the same context and a near duplicate a near-identical one (ROUGE-L of the
contexts at least the same threshold). When false (freeform skills, knowledge), contexts are
ignored for duplicates.

PII kinds: email (not in the reserved documentation domains example.com/.net/.org, .example,
.test, .invalid, .localhost), phone (North American with area code, except the fictional
555-0100..0199, or international with a leading +), credit_card (issuer prefix and length, and
Luhn), us_ssn (valid area/group/serial), iban (mod-97 checksum), api_key (provider key formats,
private-key headers, JWTs, and long random-looking base64 or hex tokens, which includes git
commit ids). A match is allowed when that exact string occurs in `allowed_text`.

Helpers the pipeline may use on its own: `find_pii(text, allowed_text)` lists PII spans,
`redact(text, allowed_text)` masks them (for storing a `pii` rejection without the PII itself),
`words(text)` is the ROUGE-L tokenisation and `rouge_l(candidate, reference)` the F-measure.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction

from rapidfuzz.distance import LCSseq

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


@dataclass(frozen=True)
class Candidate:
    """One generated sample before filtering; `key` identifies it (the sample id)."""

    key: str
    question: str
    answer: str
    context: str | None = None

    @property
    def order(self) -> tuple[str, str, str, bool, str]:
        """Total order used for processing and output: key, then content as a tie-break."""
        return (self.key, self.question, self.answer, self.context is not None, self.context or "")


@dataclass(frozen=True)
class Seed:
    """One of the leaf's seed examples (a knowledge leaf's seed gives one per question/answer)."""

    question: str
    answer: str
    context: str | None = None


@dataclass(frozen=True)
class Rejected:
    """Why a candidate was dropped. `reason` is one of `REASONS`; `detail` is for humans."""

    key: str
    stage: str
    reason: str
    detail: str


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


class _Similarity:
    """ROUGE-L >= threshold decided in integers, so the boundary is exact (0.9 means 9/10)."""

    def __init__(self, threshold: float) -> None:
        # repr() is the shortest decimal that round-trips: 0.9 becomes exactly 9/10.
        t = Fraction(repr(threshold))
        self._num, self._den = t.numerator, 2 * t.denominator

    def needed(self, la: int, lb: int) -> int:
        """The smallest LCS length that reaches the threshold for these lengths."""
        return -(-self._num * (la + lb) // self._den)

    def reaches(self, a: Sequence[int], b: Sequence[int]) -> tuple[bool, float]:
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
# PII


@dataclass(frozen=True)
class PiiMatch:
    """One PII span in a text; `kind` is email, phone, credit_card, us_ssn, iban or api_key."""

    kind: str
    start: int
    end: int
    text: str


# RFC 2606 / 6761 reserved names: addresses there are documentation, not anybody's.
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_RESERVED_TLDS = (".example", ".test", ".invalid", ".localhost")

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![\w-])"
)
# North American numbers need the area code, and area/exchange codes never start with 0 or 1,
# which keeps dates, ranges and version numbers out.
_PHONE_NANP = re.compile(
    r"(?<![\w+.-])(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])([2-9]\d{2})[ .-](\d{4})"
    r"(?![\w-]|[.,]\d)"
)
# International numbers need the leading + and 8..15 digits (E.164).
_PHONE_INTL = re.compile(r"(?<![\w+])\+[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w-]|[.,]\d)")
_PHONE_GROUP = re.compile(r"\(?\d+\)?")
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
_CARD = re.compile(
    r"(?<![\w.,-])(?:\d{13,19}"
    r"|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?"
    r"|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?![\w-]|[.,]\d)"
)
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,40}")
# Provider key formats, one alternation so each text is scanned once.
_KEY = re.compile(
    "|".join(
        (
            r"(?<![\w-])sk-[A-Za-z0-9_-]{20,}",  # OpenAI, Anthropic and look-alikes
            r"(?<![\w-])[rsp]k_(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
            r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])",  # AWS access key id
            r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,}",  # GitHub tokens
            r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{30,}",
            r"(?<![A-Za-z0-9_])glpat-[A-Za-z0-9_-]{20,}",  # GitLab
            r"(?<![A-Za-z0-9_])xox[abposr]-[A-Za-z0-9-]{10,}",  # Slack
            r"(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{35}",  # Google API key
            r"(?<![\w-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",  # JWT
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----",
        )
    )
)
_TOKEN = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{32,}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"[0-9a-f]+|[0-9A-F]+")


def luhn_valid(digits: str) -> bool:
    """The Luhn check used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _card_issuer(d: str) -> bool:
    """Whether the number has a real issuer prefix and a length that issuer uses."""
    n = len(d)
    two, four, six = int(d[:2]), int(d[:4]), int(d[:6])
    return (
        (d[0] == "4" and n in (13, 16, 19))  # Visa
        or ((51 <= two <= 55 or 2221 <= four <= 2720) and n == 16)  # Mastercard
        or (two in (34, 37) and n == 15)  # American Express
        or ((four == 6011 or two == 65 or 644 <= int(d[:3]) <= 649) and 16 <= n <= 19)  # Discover
        or (622126 <= six <= 622925 and 16 <= n <= 19)  # Discover / UnionPay co-brand
        or (two == 62 and 16 <= n <= 19)  # UnionPay
        or (3528 <= four <= 3589 and 16 <= n <= 19)  # JCB
        or ((300 <= int(d[:3]) <= 305 or two in (36, 38, 39)) and 14 <= n <= 19)  # Diners
    )


def iban_valid(compact: str) -> bool:
    """ISO 13616: country letters, two check digits, 11..30 alphanumerics, mod 97 == 1."""
    if not 15 <= len(compact) <= 34 or not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _entropy(text: str) -> float:
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _class_changes(text: str) -> float:
    """Share of adjacent pairs that switch between upper, lower, digit and symbol."""

    def cls(ch: str) -> int:
        return 0 if ch.isupper() else 1 if ch.islower() else 2 if ch.isdigit() else 3

    kinds = [cls(ch) for ch in text]
    return sum(a != b for a, b in itertools.pairwise(kinds)) / (len(kinds) - 1)


def _random_token(token: str) -> bool:
    """A long token that looks random (a secret), not a word, identifier, path or number."""
    body = token.strip("=")
    if len(body) < 32 or not any(ch.isdigit() for ch in body):
        return False
    if _HEX.fullmatch(body):
        # Hex digests and hex secrets: mixed digits and letters, near-uniform characters.
        return any(ch.isalpha() for ch in body) and _entropy(body) >= 3.0
    has_upper = any(ch.isupper() for ch in body)
    has_lower = any(ch.islower() for ch in body)
    # camelCase identifiers switch character class at word boundaries only; random base64
    # switches on about two pairs in three.
    return has_upper and has_lower and _entropy(body) >= 4.0 and _class_changes(body) >= 0.45


def _emails(text: str) -> Iterable[tuple[int, int]]:
    for m in _EMAIL.finditer(text):
        domain = m.group(1).lower()
        reserved = domain in _RESERVED_DOMAINS or any(
            domain.endswith("." + r) for r in _RESERVED_DOMAINS
        )
        if not reserved and not domain.endswith(_RESERVED_TLDS):
            yield m.span()


def _phones(text: str) -> Iterable[tuple[int, int]]:
    for m in _PHONE_NANP.finditer(text):
        # 555-0100 .. 555-0199 are reserved for fiction.
        if not (m.group(1) == "555" and 100 <= int(m.group(2)) <= 199):
            yield m.span()
    for m in _PHONE_INTL.finditer(text):
        groups = list(_PHONE_GROUP.finditer(m.group()))
        # A greedy match may run into a following number: drop trailing groups past 15 digits.
        while groups and sum(len(re.sub(r"\D", "", g.group())) for g in groups) > 15:
            groups.pop()
        digits = sum(len(re.sub(r"\D", "", g.group())) for g in groups)
        if len(groups) >= 2 and 8 <= digits <= 15:
            yield m.start(), m.start() + groups[-1].end()


def _ssns(text: str) -> Iterable[tuple[int, int]]:
    for m in _SSN.finditer(text):
        yield m.span()


def _cards(text: str) -> Iterable[tuple[int, int]]:
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _card_issuer(digits) and luhn_valid(digits):
            yield m.span()


def _ibans(text: str) -> Iterable[tuple[int, int]]:
    for m in _IBAN.finditer(text):
        s = m.group()
        # The match may run on into following capitalised words: try each group boundary,
        # longest first.
        ends = [i for i in range(len(s), 3, -1) if i == len(s) or s[i] == " "]
        for end in ends:
            if iban_valid(s[:end].replace(" ", "")):
                yield m.start(), m.start() + end
                break


def _keys(text: str) -> Iterable[tuple[int, int]]:
    for m in _KEY.finditer(text):
        body = m.group()
        # "sk-" also starts ordinary hyphenated words: a key mixes letters and digits.
        if body.startswith("sk-") and not (
            any(ch.isdigit() for ch in body[3:]) and any(ch.isalpha() for ch in body[3:])
        ):
            continue
        yield m.span()
    for m in _TOKEN.finditer(text):
        if _random_token(m.group()):
            yield m.span()


_DETECTORS: tuple[tuple[str, Callable[[str], Iterable[tuple[int, int]]]], ...] = (
    ("api_key", _keys),
    ("email", _emails),
    ("iban", _ibans),
    ("credit_card", _cards),
    ("us_ssn", _ssns),
    ("phone", _phones),
)


def find_pii(text: str, allowed_text: str = "") -> list[PiiMatch]:
    """PII spans in `text`, in order, not overlapping; a span found verbatim in `allowed_text`
    (the leaf's own seeds and documents) is not reported."""
    found: list[PiiMatch] = []
    for kind, detect in _DETECTORS:
        for start, end in detect(text):
            span = text[start:end]
            if span not in allowed_text:
                found.append(PiiMatch(kind, start, end, span))
    # Earlier detectors win overlaps (a key containing digits is a key, not a phone number).
    rank = {kind: i for i, (kind, _) in enumerate(_DETECTORS)}
    found.sort(key=lambda p: (rank[p.kind], p.start))
    chosen: list[PiiMatch] = []
    for p in found:
        if all(p.end <= q.start or p.start >= q.end for q in chosen):
            chosen.append(p)
    return sorted(chosen, key=lambda p: (p.start, p.end))


def redact(text: str, allowed_text: str = "") -> str:
    """`text` with each PII span replaced by `[pii:<kind>]`."""
    out: list[str] = []
    at = 0
    for p in find_pii(text, allowed_text):
        out.append(text[at : p.start])
        out.append(f"[pii:{p.kind}]")
        at = p.end
    out.append(text[at:])
    return "".join(out)


def _mask(s: str) -> str:
    return s if len(s) <= 6 else f"{s[:2]}…{s[-2:]}"


# ---------------------------------------------------------------------------------------------
# Per-candidate checks

# C0/C1 controls other than tab and newlines, lone surrogates, and the replacement character
# that marks undecodable bytes.
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffd]")


def _fields(c: Candidate) -> list[tuple[str, str]]:
    fields = [("question", c.question), ("answer", c.answer)]
    if c.context is not None:
        fields.append(("context", c.context))
    return fields


def check_empty(c: Candidate) -> str | None:
    for name, value in _fields(c):
        if not value.strip():
            return f"{name} is empty"
    return None


def check_malformed(c: Candidate) -> str | None:
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


def check_too_short(c: Candidate, settings: FilterSettings) -> str | None:
    for name, value, least in (
        ("question", c.question, settings.min_question_chars),
        ("answer", c.answer, settings.min_answer_chars),
    ):
        n = len(value.strip())
        if n < least:
            return f"{name} has {n} characters, fewer than {least}"
    return None


def check_too_long(c: Candidate, settings: FilterSettings) -> str | None:
    for name, value, most in (
        ("question", c.question, settings.max_question_chars),
        ("answer", c.answer, settings.max_answer_chars),
    ):
        n = len(value.strip())
        if n > most:
            return f"{name} has {n} characters, more than {most}"
    return None


def check_pii(
    c: Candidate, allowed_text: str, memo: dict[str, list[PiiMatch]] | None = None
) -> str | None:
    """`memo` caches scans by text: a grounded context is shared by many candidates."""
    for name, value in _fields(c):
        if memo is None:
            found = find_pii(value, allowed_text)
        else:
            if value not in memo:
                memo[value] = find_pii(value, allowed_text)
            found = memo[value]
        if found:
            first = found[0]
            return f"{name} contains {first.kind.replace('_', ' ')} {_mask(first.text)}"
    return None


# ---------------------------------------------------------------------------------------------
# Checks against seeds and kept siblings


@dataclass(frozen=True)
class _Item:
    """Precomputed forms of a seed or candidate: token ids and normalised texts."""

    label: str
    q: tuple[int, ...]
    qa: tuple[int, ...]
    answer: tuple[int, ...]
    exact: tuple[str, str]
    context: str | None


class _Index:
    """Token ids shared by every item of one `apply` call, and context similarity memo."""

    def __init__(self, similarity: _Similarity) -> None:
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

    def item(self, label: str, question: str, answer: str, context: str | None) -> _Item:
        q, a = self.ids(question), self.ids(answer)
        ctx = None if context is None else normalized(context)
        if ctx is not None and ctx not in self._contexts:
            self._contexts[ctx] = self.ids(context or "")
        return _Item(label, q, q + a, a, (normalized(question), normalized(answer)), ctx)

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
        seeds: Sequence[Seed],
        allowed_text: str,
        settings: FilterSettings,
        context_scoped: bool,
    ) -> None:
        self.settings = settings
        self.allowed_text = allowed_text
        self.pii_memo: dict[str, list[PiiMatch]] = {}
        self.scoped = context_scoped
        self.similarity = _Similarity(settings.rouge_threshold)
        self.index = _Index(self.similarity)
        self.seeds = [
            self.index.item(f"seed {i}", s.question, s.answer, s.context)
            for i, s in enumerate(seeds, start=1)
        ]
        n = settings.verbatim_span_words
        self.seed_spans: dict[tuple[int, ...], str] = {}
        for seed in self.seeds:
            for span in _shingles(seed.answer, n):
                self.seed_spans.setdefault(span, seed.label)
        self.kept: list[_Item] = []
        self.exact_seen: dict[tuple[str, str, str | None], str] = {}
        for seed in reversed(self.seeds):
            self.exact_seen[self.exact_key(seed)] = seed.label

    def comparable(self, a: _Item, b: _Item) -> bool:
        return not self.scoped or self.index.same_context(a, b)

    def exact_key(self, item: _Item) -> tuple[str, str, str | None]:
        return (*item.exact, item.context if self.scoped else None)

    def exact_duplicate(self, item: _Item) -> str | None:
        other = self.exact_seen.get(self.exact_key(item))
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
            for what, a, b in (
                ("question", item.q, other.q),
                ("question+answer", item.qa, other.qa),
            ):
                reached, score = self.similarity.reaches(a, b)
                # Contexts are long: compare them only for pairs that are otherwise similar.
                if reached and self.comparable(item, other):
                    return f"{what} ROUGE-L {score:.3f} with {other.label}"
        return None

    def own_findings(self, c: Candidate) -> Iterator[tuple[str, str | None]]:
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

    def check(self, c: Candidate) -> tuple[str, str] | None:
        for reason, detail in self.own_findings(c):
            if detail is not None:
                return reason, detail
        item = self.index.item(f"sibling {c.key}", c.question, c.answer, c.context)
        for reason, detail in self.relational_findings(item):
            if detail is not None:
                return reason, detail
        self.kept.append(item)
        self.exact_seen.setdefault(self.exact_key(item), item.label)
        return None


def apply(
    candidates: Sequence[Candidate],
    *,
    seeds: Sequence[Seed],
    allowed_text: str,
    settings: FilterSettings | None = None,
    context_scoped: bool = False,
) -> tuple[list[Candidate], list[Rejected]]:
    """Split `candidates` into kept and rejected; both lists are in `Candidate.order` order."""
    checker = _Checker(seeds, allowed_text, settings or FilterSettings(), context_scoped)
    kept: list[Candidate] = []
    rejected: list[Rejected] = []
    for c in sorted(candidates, key=lambda c: c.order):
        verdict = checker.check(c)
        if verdict is None:
            kept.append(c)
        else:
            rejected.append(Rejected(c.key, STAGE, *verdict))
    return kept, rejected
