"""Time `filters.apply` on synthetic leaves: prints seconds per leaf for a few candidate counts.

Run: .venv/bin/python bench/filters.py
"""

from __future__ import annotations

import random
import time
from dataclasses import replace

from labtax import filters
from labtax.dataset.records import Call, Provenance, Sample


def sentence(rng: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(n)).capitalize() + "."


def leaf(
    rng: random.Random, n: int, contexts: int
) -> tuple[list[Sample], list[tuple[str | None, str, str]]]:
    vocab = [
        "".join(rng.choice("etaoinshrdlucm") for _ in range(rng.randint(2, 9))) for _ in range(4000)
    ]
    ctx = [sentence(rng, vocab, 400) for _ in range(contexts)]
    made = Provenance((Call("skill_answer", "0" * 64),))
    out = []
    for _ in range(n):
        q = sentence(rng, vocab, rng.randint(8, 30))[:-1] + "?"
        a = sentence(rng, vocab, rng.randint(40, 200))
        if ctx:
            out.append(
                Sample("b/leaf", "grounded_skill", "grounded", rng.choice(ctx), q, a, 3, made)
            )
        else:
            out.append(Sample("b/leaf", "freeform_skill", "instruction", "", q, a, 3, made))
    # One in ten is a lightly edited copy of an earlier one.
    for i in range(n // 10):
        c = out[i]
        out.append(replace(c, question="Well, " + c.question))
    seeds = [(None, sentence(rng, vocab, 15), sentence(rng, vocab, 120)) for _ in range(5)]
    return out, seeds


def main() -> None:
    rng = random.Random(0)
    for n, contexts, scoped in (
        (100, 0, False),
        (300, 0, False),
        (1000, 0, False),
        (300, 10, True),
    ):
        candidates, seeds = leaf(rng, n, contexts)
        start = time.perf_counter()
        kept, rejected = filters.apply(
            candidates, seeds=seeds, allowed_text="", context_scoped=scoped
        )
        took = time.perf_counter() - start
        print(
            f"candidates={len(candidates):5d} contexts={contexts:3d} scoped={scoped!s:5} "
            f"kept={len(kept):5d} rejected={len(rejected):4d} seconds={took:.3f}"
        )


if __name__ == "__main__":
    main()
