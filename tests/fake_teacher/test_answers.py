"""The fake teacher's canned answers: protocol-shaped per stage, deterministic, on-topic."""

from __future__ import annotations

import json
import re
from importlib import import_module

import pytest

from labtax import fake_teacher, prompts
from labtax.fake_teacher import respond

TASK = "Give a synonym for the word, then use it in a sentence about everyday life."
EXAMPLES = """Example 1
Question:
Give a synonym for happy.
Answer:
Joyful. She felt joyful when the garden finally bloomed.

Example 2
Question:
Give a synonym for quick.
Answer:
Rapid. The rapid river carried the leaves downstream."""
DOCUMENT = """# Honey bees

Honey bees live in colonies that can hold tens of thousands of workers.
The queen lays all the eggs, while workers gather nectar and pollen from flowers.
Drones are male bees whose main role is to mate with a queen from another colony.
Bees communicate the direction of food with a movement called the waggle dance.
In winter the colony clusters together and shivers to keep the queen warm."""

PII = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),  # email
    re.compile(r"\d{3}[\s.-]?\d{3}[\s.-]?\d{4}"),  # phone
    re.compile(r"\d{3}-\d{2}-\d{4}"),  # SSN
    re.compile(r"\b(?:\d[ -]?){13,19}\b"),  # card
    re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"),  # IBAN
    re.compile(r"\b(?:sk|pk|ghp|xox[bp])[-_][A-Za-z0-9]{10,}"),  # API key
    re.compile(r"\b[A-Za-z0-9_\-]{32,}\b"),  # long token
]


def _system(stage: str) -> str:
    """The stage's own system message (how the fake knows the stage), or a foreign one."""
    known = prompts.STAGES.get(stage)
    return known.system_text if known else "You are a careful teacher."


def prompt(stage: str, **sections: str) -> list[dict[str, str]]:
    user = "\n\n".join(prompts.section(name, text) for name, text in sections.items())
    return [
        {"role": "system", "content": _system(stage)},
        {"role": "user", "content": user + "\n\nAnswer with JSON only.\n"},
    ]


def parse_json(text: str) -> dict:
    fenced = re.fullmatch(r"```(?:json)?\n(.*)\n```", text, flags=re.DOTALL)
    value = json.loads(fenced.group(1) if fenced else text)
    assert isinstance(value, dict)
    return value


def assert_no_pii(text: str) -> None:
    for pattern in PII:
        assert not pattern.search(text), (pattern.pattern, text)


def test_skill_questions_are_many_distinct_and_new():
    answer = parse_json(
        respond(prompt("skill_questions", task=TASK, examples=EXAMPLES, count="12"))
    )
    questions = answer["questions"]
    assert len(questions) == 12
    assert len(set(questions)) == 12
    assert all(isinstance(q, str) and q.endswith(("?", ".")) and len(q) > 15 for q in questions)
    assert not {"Give a synonym for happy.", "Give a synonym for quick."} & set(questions)
    # Built from the prompt's own material.
    assert any(word in " ".join(questions).lower() for word in ("synonym", "sentence", "joyful"))
    assert_no_pii(" ".join(questions))


def test_questions_are_not_near_duplicates_of_each_other():
    from rapidfuzz.distance import LCSseq

    questions = parse_json(
        respond(prompt("skill_questions", task=TASK, examples=EXAMPLES, count="20"))
    )["questions"]
    close = 0
    for i, first in enumerate(questions):
        for second in questions[i + 1 :]:
            a, b = first.lower().split(), second.lower().split()
            lcs = LCSseq.similarity(a, b)
            f1 = 2 * lcs / (len(a) + len(b))
            close += f1 >= 0.9
    assert close == 0


def test_grounded_contexts_honour_the_count_and_differ():
    contexts = parse_json(
        respond(prompt("grounded_contexts", task=TASK, examples=EXAMPLES, count="4"))
    )["contexts"]
    assert len(contexts) == 4
    assert len(set(contexts)) == 4
    assert all(len(c.split()) >= 25 for c in contexts)
    assert_no_pii(" ".join(contexts))


def test_knowledge_pairs_quote_the_document():
    pairs = parse_json(
        respond(
            prompt(
                "knowledge_qa",
                domain="biology",
                outline="Honey bee colonies",
                examples=EXAMPLES,
                document=DOCUMENT,
                count="3",
            )
        )
    )["pairs"]
    assert len(pairs) == 3
    for pair in pairs:
        assert pair["question"].endswith("?")
        assert pair["answer"] in DOCUMENT
    assert len({p["answer"] for p in pairs}) == 3


def judged(stage: str, key: str, items: list[dict[str, str]], **sections: str) -> list[dict]:
    """The fake judge's entries for `items`, asked ten to a call, checked to answer every id."""
    out = []
    for start in range(0, len(items), 10):
        batch = items[start : start + 10]
        answer = parse_json(respond(prompt(stage, items=prompts.format_items(batch), **sections)))
        entries = answer[key]
        assert [e["id"] for e in entries] == list(range(1, len(batch) + 1))
        out.extend(entries)
    return out


QUEEN = "The queen lays all the eggs, while workers gather nectar and pollen from flowers."


def test_faithfulness_accepts_quotes_and_rejects_inventions():
    items = [{"question": f"What about bees? ({i})", "answer": QUEEN} for i in range(40)]
    verdicts = judged("faithfulness", "verdicts", items, document=DOCUMENT)
    assert all(isinstance(v["explanation"], str) and v["explanation"] for v in verdicts)
    faithful = sum(v["faithful"] for v in verdicts)
    assert 30 <= faithful < 40  # mostly faithful, a deterministic minority not
    invented = {
        "question": "Where do bees migrate?",
        "answer": "Bees migrate to tropical islands every autumn on cargo ships.",
    }
    assert judged("faithfulness", "verdicts", [invented], document=DOCUMENT)[0]["faithful"] is False


def test_judge_verdicts_are_mostly_positive_with_a_minority_negative():
    items = [{"question": f"Synonym for {i}?"} for i in range(200)]
    verdicts = judged("question_judge", "verdicts", items, task=TASK)
    for verdict in verdicts:
        assert list(verdict)[:2] == ["id", "explanation"]
        assert all(isinstance(verdict[k], bool) for k in ("relevant", "harmless", "answerable"))
    positive = sum(all(v[k] for k in ("relevant", "harmless", "answerable")) for v in verdicts)
    assert 150 <= positive <= 195


def test_pair_ratings_are_mostly_two_or_three_with_some_ones():
    items = [{"question": f"Q{i}?", "answer": "Rapid. It ran."} for i in range(200)]
    scores = [r["score"] for r in judged("pair_rating", "ratings", items, task=TASK)]
    assert set(scores) == {1, 2, 3}
    assert scores.count(1) < 60
    assert scores.count(3) > scores.count(1)


def test_the_standalone_judge_catches_questions_pointing_at_a_passage():
    items = [
        {"question": "What does the queen of a honey bee colony do?"},
        {"question": "According to the passage, what does the queen do?"},
        {"question": "What does the text say about drones?"},
    ]
    verdicts = judged("standalone", "verdicts", items, domain="biology")
    assert [v["stands_alone"] for v in verdicts] == [True, False, False]


def test_relevance_scores_answers_that_address_the_question_higher():
    items = [
        {"question": "What does the queen lay?", "answer": QUEEN},
        {"question": "How do bees dance?", "answer": "Flowers bloom in spring."},
    ]
    scores = [s["score"] for s in judged("relevance", "scores", items)]
    assert scores[0] >= 2
    assert scores[1] == 1


def test_auxiliary_texts_are_made_of_the_documents_sentences():
    sentences = list(re.split(r"(?<=[.!?])\s+", DOCUMENT.replace("# Honey bees\n\n", "")))
    detailed = respond(prompt("detailed_summary", document=DOCUMENT))
    extractive = respond(prompt("extractive_summary", document=DOCUMENT))
    facts = parse_json(respond(prompt("atomic_facts", document=DOCUMENT)))["facts"]
    assert detailed == " ".join(sentences)
    assert set(extractive.splitlines()) < set(sentences)
    assert facts == sentences


def test_skill_answers_are_plain_text_of_reasonable_length():
    answers = [
        respond(prompt("skill_answer", task=TASK, examples=EXAMPLES, question=f"Synonym for {w}?"))
        for w in ("bright", "calm", "brave", "gentle")
    ]
    assert len(set(answers)) == 4
    for answer in answers:
        assert 20 <= len(answer.split()) <= 200
        assert not answer.startswith(("{", "```"))
        assert_no_pii(answer)


def test_answers_are_deterministic_and_depend_on_the_messages_and_seed():
    messages = prompt("skill_questions", task=TASK, examples=EXAMPLES, count="5")
    assert respond(messages) == respond([dict(m) for m in messages])
    assert respond(messages) != respond(prompt("skill_questions", task=TASK, count="5"))
    assert respond(messages, seed=1) != respond(messages, seed=2)


def test_unknown_prompts_get_a_generic_answer():
    text = respond([{"role": "user", "content": "What is the capital of France?"}])
    assert "not a model" in text
    assert respond(prompt("no_such_stage", task=TASK)) == fake_teacher.GENERIC_ANSWER
    # A stage's system message with anything added is not that stage's.
    messages = prompt("skill_answer", task=TASK, question="Q?")
    messages[0]["content"] += " Be brief."
    assert respond(messages) == fake_teacher.GENERIC_ANSWER


SECTION_TEXT = {
    "task": TASK,
    "domain": "biology",
    "outline": "Honey bee colonies",
    "examples": EXAMPLES,
    "context": "Honey bees live in colonies.",
    "document": DOCUMENT,
    "question": "What does the queen do?",
    "answer": "The queen lays all the eggs, while workers gather nectar and pollen from flowers.",
    "reference": "The queen lays all the eggs of the colony.",
    "count": "3",
    "items": prompts.format_items(
        [{"question": "What does the queen do?", "answer": QUEEN}, {"question": "Why dance?"}]
    ),
}
# The student's prompt carries no markup: the fake answers it only as the fake student
# (tests/fake_teacher/test_student.py).
MARKED = {name: stage for name, stage in prompts.STAGES.items() if stage.markup}


@pytest.mark.parametrize("stage", list(MARKED.values()), ids=list(MARKED))
def test_every_stage_gets_an_answer_its_parser_accepts(stage):
    parse = import_module(f"labtax.prompts.{stage.name}").parse
    fenced = 0
    for i in range(30):
        sections = {name: SECTION_TEXT[name] for name in stage.sections}
        if "items" in sections:  # items stay JSON: vary one of them
            item = {"question": f"What does the queen do? ({i})", "answer": QUEEN}
            sections["items"] = prompts.format_items([item, {"question": "Why dance?"}])
        else:
            sections[stage.sections[0]] += f"\n({i})"
        text = respond(prompt(stage.name, **sections))
        assert text != fake_teacher.GENERIC_ANSWER
        parsed = parse(text)
        assert parsed, (stage.name, text)
        fenced += text.startswith("```json\n")
    # JSON answers are sometimes fenced, as real models do; plain-text answers never are.
    assert (fenced > 0) is stage.json_answer


def test_the_answer_grade_scores_by_overlap_with_the_reference():
    def grade(answer: str) -> int:
        sections = {
            "question": "What does the queen do?",
            "reference": "The queen lays all the eggs of the colony, while workers gather nectar.",
            "answer": answer,
        }
        return prompts.answer_grade.parse(respond(prompt("answer_grade", **sections))).score

    close = grade("The queen lays all the eggs of the colony, while workers gather nectar.")
    half = grade("The queen lays all the eggs.")
    off = grade("Bees like flowers.")
    assert close == 10
    assert off == 1
    assert off < half < close
