"""Personal data in generated text: detectors for each kind, and redaction.

Kinds: email (not in the reserved documentation domains example.com/.net/.org, .example, .test,
.invalid, .localhost), phone (North American with area code, except the fictional
555-0100..0199, or international with a leading +), credit_card (issuer prefix and length, and
Luhn), us_ssn (valid area/group/serial), iban (mod-97 checksum), api_key (provider key formats,
private-key headers, JWTs, and long random-looking base64 or hex tokens, which includes git
commit ids). A match is allowed when that exact string occurs in `allowed_text` (the leaf's own
seeds and documents): a leaf about a company may well quote its published support address.

`find_pii(text, allowed_text)` lists the spans, `redact(text, allowed_text)` masks them (so a
rejected sample can be stored without the personal data), `mask(span)` shows one in a message.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass


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


def mask(s: str) -> str:
    """A PII string shown without giving it away: its first and last two characters."""
    return s if len(s) <= 6 else f"{s[:2]}…{s[-2:]}"
