"""The fake teacher's material: fixed word and phrase lists its canned answers are built from.

Answers fill these templates with words taken from the prompt itself (see `answers`), so they read
as on-topic without any model. Changing a list changes every answer the fake gives, and with them
the data of tests that compare generated files across runs.
"""

from __future__ import annotations

# Words never used as topics: too common, or words of the prompts' own instructions.
STOPWORDS = frozenset(
    """
    about above after again against also although always among another answer answers anyone
    anything asked based because been before being below best better between both brief
    briefly came clear come comes context could does doing down during each either even
    every everyone everything example examples first five follow following follows four from
    further gets give given gives goes going good great have having here however instead
    into itself just keep keeps kept kind kindly least less like little long made make many
    more most much must need needs neither never number numbers often only other ought over
    people please question questions quite rather really reported said same says second seem
    seems sentence short should simply some someone something still such take takes task
    tell than that their them then there therefore these they thing things third this those
    three through told took under until upon used using very want wants well were what when
    where whether which while whom whose will with within without word words would write
    your yours
    """.split()  # noqa: SIM905 - a word list reads better as prose
)

FORMS = (
    "short poem",
    "brief story",
    "friendly letter",
    "dialogue",
    "haiku",
    "checklist",
    "summary",
    "riddle",
    "limerick",
    "product description",
    "diary entry",
    "news headline",
)
AUDIENCES = (
    "a beginner",
    "a curious child",
    "a new colleague",
    "a busy manager",
    "a retired teacher",
    "a visiting friend",
    "a first-year student",
    "a small business owner",
)
SITUATIONS = (
    "time is short",
    "the weather turns bad",
    "resources are limited",
    "working in a large team",
    "starting from scratch",
    "travelling abroad",
    "the deadline moves earlier",
    "nobody has tried it before",
)
VERBS = ("organise", "improve", "compare", "plan", "teach", "measure", "simplify", "review")
FALLBACK_TOPICS = (
    "gardening",
    "river boats",
    "mountain trails",
    "baking bread",
    "city libraries",
    "old maps",
    "night trains",
    "bicycle repair",
    "bird songs",
    "tea ceremonies",
    "winter markets",
    "paper kites",
)
QUESTION_TEMPLATES = (
    "Write a {form} about {a} for {audience}.",
    "How would you explain {a} to {audience}, and why does it matter for {b}?",
    "Give three practical tips to {verb} {a} when {situation}.",
    "What is the difference between {a} and {b}? Illustrate it with an example.",
    "Describe a situation where {a} causes trouble with {b}, and suggest a fix.",
    "Compose a {form} that mentions {a}, {b} and {c}.",
    "List the main steps to {verb} {a}, in order, for {audience}.",
    "Summarise what someone should know about {a} before {situation}.",
    "Create a {form} in which {audience} learns something about {a}.",
    "Why might {a} be confused with {b}? Explain briefly.",
    "Rewrite the idea of {a} as advice for {audience} when {situation}.",
    "Suggest a title and an opening line for a {form} about {a} and {b}.",
    "Which mistakes do people make with {a}, and how can {audience} avoid them?",
    "Plan a short lesson on {a} and {b} for {audience}.",
)
ANSWER_SENTENCES = (
    "The key point about {a} is that it rewards patience and a clear plan.",
    "Start with {a}, then connect it to {b} so the idea feels concrete.",
    "A simple way to see it: {a} is the goal, while {b} is how you get there.",
    "For {audience}, it helps to describe {a} with an everyday comparison.",
    "When {situation}, focus on {a} first and leave {b} for later.",
    "Many people overlook {b}, yet it shapes how {a} turns out.",
    "Try to {verb} {a} in small steps and check the result after each one.",
    "An honest summary is that {a} and {b} work best together.",
    "If something goes wrong, look again at {b} before changing {a}.",
    "It is worth writing down what you learn about {a} along the way.",
    "In short, {a} becomes easier once {b} is under control.",
    "A good first exercise is to {verb} {b} and notice how {a} changes.",
    "Keep the language plain so that {audience} can follow every step.",
    "The result should feel natural, with {a} at the centre of it.",
    "Remember that {b} can look different depending on the setting.",
    "Finally, share the outcome and ask for feedback on {a}.",
)
CONTEXT_SENTENCES = (
    "The {a} committee met on a quiet morning to review plans for {b}.",
    "Everyone agreed that {a} had improved since the spring, although {b} still lagged behind.",
    "A short note from the coordinator listed {a}, {b} and {c} as the main topics.",
    "Volunteers described {a} as the most demanding part of the season.",
    "The report suggested moving {b} to the afternoon so that {a} could start earlier.",
    "Several visitors asked how {a} related to {b}, and the guide explained it patiently.",
    "By the end of the week, the team had a clear picture of {a}.",
    "One open question remained: whether {b} should replace {c} next year.",
    "The summary closed with thanks to everyone who helped with {a}.",
    "Records kept in the office showed that {c} had been tried once before.",
)
# Closed-book questions name what they are about; the two that point at "the passage" or "the
# text" are there for the standalone judge to catch.
KNOWLEDGE_QUESTIONS = (
    "What is known about {a} and {b}?",
    "How are {a} and {b} connected?",
    "Which fact about {a} is given in connection with {b}?",
    "How can {a}, {b} and {c} be explained?",
    "Why does {a} matter for {b}?",
    "What role does {a} play for {b} and {c}?",
    "What happens to {a} when {b} is involved?",
    "Describe what is known about {a}.",
    "What is the link between {a} and {c}?",
    "Name one fact about {b} and {a}.",
    "According to the passage, how are {a} and {b} connected?",
    "What does the text say about {a}?",
)
