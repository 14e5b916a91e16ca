"""`labtax generate` as text: the dry-run listing, the run summary, why a run stopped."""

from __future__ import annotations

import sampleleaves
from labtax.generation.estimate import LeafEstimate
from labtax.generation.plan import Plan
from labtax.generation.run import LeafResult, RunSummary
from labtax.render import figures, generation_text
from labtax.usage import Usage


def test_cost_label_and_usage_line() -> None:
    assert figures.cost(None) == "price unknown"
    assert figures.cost(0.01234) == "$0.0123"
    usage = Usage(calls=3, cached_calls=2, prompt_tokens=1_000, completion_tokens=234, cost_usd=0)
    assert figures.run_usage(usage) == (
        "3 calls (+2 answered from the cache), 1,234 tokens, cost: $0.0000"
    )
    one = Usage(calls=1, prompt_tokens=1, cost_usd=None)
    assert figures.run_usage(one) == (
        "1 call (+0 answered from the cache), 1 token, cost: price unknown"
    )


def test_skipped_line_lists_only_what_was_skipped() -> None:
    assert generation_text.skipped_line(Plan(())) == ""
    plan = Plan((), fresh=("a", "b"), metadata_only=("c",), other_shards=4)
    assert generation_text.skipped_line(plan) == (
        "skipped: 2 up to date, 1 with metadata-only changes, 4 in other shards"
    )


def test_dry_run_lists_estimates_moves_removals_and_upper_bound_totals() -> None:
    plan = Plan((), fresh=("x",), moves=(("old/a", "new/a"),), removals=("gone/b",))
    estimates = [
        LeafEstimate("knowledge/a", "knowledge", 8, 12_345, 0.5),
        LeafEstimate("compositional_skills/b", "freeform_skill", 6, 2_000, 0.25),
    ]
    assert generation_text.dry_run(plan, estimates).splitlines() == [
        "would generate:",
        "  knowledge/a (knowledge): <= 8 calls, ~12,345 prompt tokens, at most $0.5000",
        "  compositional_skills/b (freeform_skill): <= 6 calls, ~2,000 prompt tokens, "
        "at most $0.2500",
        "would move generated data: old/a -> new/a",
        "would remove generated data: gone/b",
        "total: 2 leaves, <= 14 calls, at most $0.7500 (upper bounds; cached answers cost nothing)",
        "skipped: 1 up to date",
    ]


def test_dry_run_with_an_unknown_price_or_nothing_to_do() -> None:
    unpriced = [LeafEstimate("k/a", "knowledge", 8, 10, None), LeafEstimate("k/b", "x", 1, 1, 1.0)]
    listing = generation_text.dry_run(Plan(()), unpriced)
    assert "k/a (knowledge): <= 8 calls, ~10 prompt tokens, price unknown" in listing
    assert listing.endswith(
        "total: 2 leaves, <= 9 calls, price unknown (upper bounds; cached answers cost nothing)"
    )
    assert generation_text.dry_run(Plan(()), []) == "nothing to generate"


def test_summary_of_a_run() -> None:
    leaves = sampleleaves.sample_leaves()
    plan = Plan((leaves["freeform"], leaves["knowledge"]), fresh=("z",))
    run = RunSummary(
        (
            LeafResult("a", "generated", kept=10, rejected=2),
            LeafResult("b", "failed", message="b: error: broken"),
        ),
        moved=(("c", "d"),),
        removed=("e",),
    )
    usage = Usage(calls=5, prompt_tokens=10, completion_tokens=5, cost_usd=None)
    assert generation_text.summary(plan, run, usage).splitlines() == [
        "generated 1 of 2 leaves: 10 samples kept, 2 rejected",
        "teacher: 5 calls (+0 answered from the cache), 15 tokens, cost: price unknown",
        "moved data of 1 renamed leaf",
        "removed data of 1 deleted leaf",
        "skipped: 1 up to date",
        "failed: b",
    ]


def test_problems_explain_a_budget_stop_or_list_the_failures() -> None:
    assert generation_text.problems(RunSummary((LeafResult("a", "generated"),))) == ""
    failed = RunSummary(
        (LeafResult("a", "failed", message="a: one"), LeafResult("b", "failed", message="b: two"))
    )
    assert generation_text.problems(failed) == "a: one\nb: two"
    one_left = RunSummary((LeafResult("a", "unfinished"),), budget_message="call budget reached")
    text = generation_text.problems(one_left)
    assert text.startswith("error: stopped by the budget: call budget reached\n")
    assert "1 leaf was not generated" in text
    assert "Run again" in text
    two_left = RunSummary(
        (LeafResult("a", "unfinished"), LeafResult("b", "unfinished")), budget_message="cost"
    )
    assert "2 leaves were not generated" in generation_text.problems(two_left)


def test_the_teacher_line_names_model_and_servers_without_credentials() -> None:
    from labtax.config import TeacherConfig

    assert generation_text.teacher_line(TeacherConfig(model="openai/m")) == (
        "teacher: openai/m at the provider's default endpoint"
    )
    # Nothing configured: no teacher is named as if it had been chosen.
    assert generation_text.teacher_line(TeacherConfig()) == (
        "teacher: none configured (no model, no API base)"
    )
    one = TeacherConfig(model="hosted_vllm/m", api_base="https://u:p@h.example/v1?token=t")
    assert (
        generation_text.teacher_line(one)
        == "teacher: hosted_vllm/m at https://h.example/v1?token=***"
    )
    many = TeacherConfig(model="m", api_bases=("http://a:1/v1", "http://b:1/v1"))
    assert generation_text.teacher_line(many) == (
        "teacher: m at http://a:1/v1, http://b:1/v1 (load-balanced)"
    )


def test_refused_leaves_are_named_with_their_first_diagnostic() -> None:
    from labtax.diagnostics import Diagnostic, Level
    from labtax.generation.plan import RefusedLeaf

    error = Diagnostic("t/k/a/qna.yaml", 4, 7, Level.ERROR, "schema", "needs 5 items", "add")
    plan = Plan((), refused=(RefusedLeaf("k/a", "t/k/a/qna.yaml", error),))
    assert generation_text.refused(plan) == (
        "refused k/a: t/k/a/qna.yaml:4:7: [schema] needs 5 items (run `labtax validate` and fix "
        "the leaf; no teacher call was made for it)"
    )
    assert generation_text.refused(Plan(())) == ""


def test_a_dry_run_without_prices_says_how_to_get_them() -> None:
    estimates = [LeafEstimate("k/a", "knowledge", 1, 10, None)]
    assert generation_text.dry_run(Plan(()), estimates, priced=False).splitlines() == [
        "would generate:",
        "  k/a (knowledge): <= 1 call, ~10 prompt tokens",
        "total: 1 leaf, <= 1 call (upper bounds; cached answers cost nothing)",
        "cost: not estimated (add --price to price the calls from litellm's price table)",
    ]


def test_the_usage_shows_what_the_server_served_from_its_prefix_cache() -> None:
    from labtax.render.figures import run_usage

    usage = Usage(calls=3, prompt_tokens=1_000, completion_tokens=234, cached_prompt_tokens=640)
    assert run_usage(usage) == (
        "3 calls (+0 answered from the cache), 1,234 tokens (640 prompt tokens from the"
        " server's prefix cache), cost: $0.0000"
    )


def test_each_failure_names_its_leaf_and_one_cause_is_said_once() -> None:
    down = "error: cannot reach the teacher at http://x/v1: the connection was refused"
    run = RunSummary(
        (
            LeafResult("k/a", "failed", message=down),
            LeafResult("k/b", "generated"),
            LeafResult("k/c", "failed", message="taxonomy/k/c/qna.yaml:3:5: error: bad commit"),
            LeafResult("k/d", "failed", message=down),
            LeafResult("k/e", "failed", message="error: stage skill_answer failed"),
        )
    )
    assert generation_text.problems(run).splitlines() == [
        down,
        "  (2 leaves: k/a, k/d)",
        "taxonomy/k/c/qna.yaml:3:5: error: bad commit",
        "k/e: error: stage skill_answer failed",
    ]


def test_a_priced_dry_run_shows_prompt_prices_full_and_from_a_prefix_cache() -> None:
    from labtax.transport import PromptPrices

    priced = [LeafEstimate("k/a", "knowledge", 8, 10, 0.25)]
    with_cache = PromptPrices(1.5e-7, 7.5e-8)
    assert generation_text.dry_run(Plan(()), priced, prices=with_cache).splitlines()[-1] == (
        "prompt tokens: $0.15 per 1M, $0.075 per 1M from the server's prefix cache"
        " (the bounds above count every prompt token at the full price)"
    )
    no_cache_price = PromptPrices(1e-6, None)
    assert generation_text.dry_run(Plan(()), priced, prices=no_cache_price).endswith(
        "prompt tokens: $1 per 1M (no separate price is known for tokens from a prefix cache)"
    )
