"""Coverage trees for the gap map's tests: leaves with figures and stored evaluations, built by
hand (no project, no teacher), including a leaf the student was not evaluated on and a hostile
leaf name."""

from __future__ import annotations

from labtax.coverage import LeafCoverage, TreeNode, build_tree
from labtax.evaluation.records import HeldOutQuestion, LeafEvaluation, ModelParams, QuestionOutcome

STUDENT = "openai/labtax-fake-student"
JUDGE = "openai/labtax-fake-teacher"
HOSTILE = 'evil_<img src=x onerror="window.__pwned=1">'
# Questions may hold anything, even what would end a script block.
HOSTILE_QUESTION = "Why?</script><script>window.__pwned=2</script>"
VARIED = (
    "Write a haiku about the first snow on a quiet mountain village.",
    "Compose a haiku describing a busy harbour at dawn.",
    "How would you turn a grocery list into a haiku?",
    "Give a haiku that mentions a bicycle, rain and a red umbrella.",
    "Write a haiku for a child who lost a tooth today.",
    "Describe autumn leaves in a haiku without naming the colour.",
)
SAME = tuple(f"What is the capital of country number {n} in the list?" for n in range(8))


def evaluation(leaf: str, scores: list[int | None]) -> LeafEvaluation:
    def asked(n: int) -> HeldOutQuestion:
        text = HOSTILE_QUESTION if n == 1 else f"Question {n} of {leaf}?"
        return HeldOutQuestion("seed", None, text, f"Reference {n}.")

    outcomes = tuple(
        QuestionOutcome(
            asked(n),
            f"Student answer {n} of {leaf}",
            f"Judge note {n}.",
            score,
        )
        if score is not None
        else QuestionOutcome(
            asked(n),
            failure="no answer from the student: connection refused",
        )
        for n, score in enumerate(scores)
    )
    params = ModelParams(STUDENT, 0.0, 1024, 42)
    judge = ModelParams(JUDGE, 0.0, 1024, 42)
    return LeafEvaluation(leaf, params, judge, {}, "f" * 64, outcomes)


def leaf(
    leaf_id: str,
    *,
    seeds: int = 6,
    questions: tuple[str, ...] = VARIED,
    rejected: int = 1,
    status: str = "fresh",
    scores: list[int | None] | None = None,
) -> LeafCoverage:
    return LeafCoverage(
        leaf_id,
        f"taxonomy/{leaf_id}/qna.yaml",
        "freeform_skill",
        seeds,
        len(questions),
        rejected,
        status,  # type: ignore[arg-type]
        questions=questions,
        evaluation=evaluation(leaf_id, scores) if scores is not None else None,
    )


def sample_tree() -> TreeNode:
    """Four leaves: one known well, one new to the student (and repetitive), one the student
    could not answer, one without data or evaluation (with a hostile name)."""
    return build_tree(
        [
            leaf("compositional_skills/writing/haiku", scores=[9, 8, 10, 9]),
            leaf("compositional_skills/writing/capitals", questions=SAME, scores=[2, 3, 1]),
            leaf("knowledge/science/water", seeds=5, scores=[None, None]),
            leaf(f"knowledge/history/{HOSTILE}", seeds=3, questions=(), status="missing"),
        ]
    )
