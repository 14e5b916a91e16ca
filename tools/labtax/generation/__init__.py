"""Generation as a whole, in steps that each have a module.

`plan` decides what a run does without calling anyone: leaves to generate (skipping those whose
manifest already records their current inputs), data to move for renamed leaves and to remove for
deleted ones. `estimate` bounds a plan's calls, prompt tokens and cost for `--dry-run`. `run`
executes a plan with a teacher: every leaf's pipeline (looked up by kind in `labtax.pipelines`)
runs concurrently, in `rounds` until the leaf keeps its target (filtered across all of them),
calls pass a priority gate so earlier leaves finish first, and each leaf is written as soon as it
is done. A budget stop (or a failing leaf) therefore never loses
a finished leaf, and a rerun picks up from the response cache where the previous run stopped.
"""
