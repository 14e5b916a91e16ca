"""The fake teacher's canned answers: one builder per prompt stage, deterministic per request.

The stage comes from the request's system message and the material from its tagged sections, both
read with the prompt protocol (`labtax.prompts`). Each builder writes an answer of the shape its
stage asks for from the prompt's own words and the phrase lists in `phrases`, with a random
generator seeded by a hash of the request: the same prompt always gets the same answer. A judge
answers for every item of its `<items>`, each with its own verdict.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence

from labtax.fake_teacher import phrases, student
from labtax.prompts import (
    STAGES,
    Message,
    Stage,
    answer_grade,
    atomic_facts,
    detailed_summary,
    extractive_summary,
    faithfulness,
    grounded_contexts,
    knowledge_qa,
    pair_rating,
    question_judge,
    read_items,
    relevance,
    sections_of,
    skill_answer,
    skill_questions,
    stage_of,
    standalone,
)

MAX_COUNT = 50
GENERIC_ANSWER = (
    "This is the labtax fake teacher, an offline stand-in and not a model. "
    "It only understands labtax prompts, so here is a placeholder reply."
)

Sections = Mapping[str, str]
Builder = Callable[[Sections, random.Random], str]


def respond(
    messages: Sequence[Message],
    *,
    seed: int = 0,
    model: str = "",
    knowledge: student.Knowledge | None = None,
) -> str:
    """The fake teacher's answer to a chat request: deterministic in `messages` and `seed`.

    Asked for the fake student's `model`, it answers as the student taught `knowledge`.
    """
    rng = random.Random(request_digest(messages, seed))  # noqa: S311 - variety, not secrecy
    if student.is_student(model):
        return student.answer(messages, knowledge or student.Knowledge(), rng)
    stage = STAGES.get(stage_of(messages) or "")
    sections = sections_of(messages)
    builder = _BUILDERS.get(stage) if stage is not None else None
    text = builder(sections, rng) if builder else GENERIC_ANSWER
    # Real models sometimes fence their JSON; a minority of fenced answers keeps parsers honest.
    if stage is not None and stage.json_answer and rng.random() < 0.2:
        return f"```json\n{text}\n```"
    return text


def request_digest(messages: Sequence[Message], seed: int = 0) -> int:
    """The number every answer and fault for `messages` is derived from."""
    # Not util.canonical_json: this serialisation (ASCII escapes) seeds every answer the fake has
    # ever given, so changing it would change all data generated with it.
    canonical = json.dumps(
        [seed, [dict(m) for m in messages]], sort_keys=True, separators=(",", ":")
    )
    return int.from_bytes(hashlib.sha256(canonical.encode("utf-8")).digest()[:8], "big")


def _words(*texts: str) -> list[str]:
    """Distinct plain words of a prompt, in order: the material answers are built from."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in re.findall(r"[A-Za-z][a-z]{3,13}\b", text):
            lower = word.lower()
            # Adverbs and past forms make odd topics ("a poem about reported"); skip them.
            if lower not in phrases.STOPWORDS and not lower.endswith(("ly", "ed")):
                seen.setdefault(lower, None)
    return list(seen)


def _topics(sections: Sections, rng: random.Random, n: int = 3) -> list[str]:
    pool = _words(sections.get("task", ""), sections.get("examples", ""))
    pool += _words(sections.get("context", ""), sections.get("domain", ""))
    pool = list(dict.fromkeys(pool)) or list(phrases.FALLBACK_TOPICS)
    if len(pool) < n:
        pool += [t for t in phrases.FALLBACK_TOPICS if t not in pool]
    return rng.sample(pool, n)


def _fill(template: str, topics: Sequence[str], rng: random.Random) -> str:
    text = template.format(
        a=topics[0],
        b=topics[1],
        c=topics[2],
        form=rng.choice(phrases.FORMS),
        audience=rng.choice(phrases.AUDIENCES),
        situation=rng.choice(phrases.SITUATIONS),
        verb=rng.choice(phrases.VERBS),
    )
    return text[0].upper() + text[1:]


def _count(sections: Sections, default: int = 5) -> int:
    match = re.search(r"\d+", sections.get("count", ""))
    return min(MAX_COUNT, max(1, int(match.group()))) if match else default


def _skill_questions(sections: Sections, rng: random.Random) -> str:
    wanted = _count(sections)
    questions: list[str] = []
    used: set[tuple[str, str]] = set()
    for _ in range(wanted * 20):
        if len(questions) >= wanted:
            break
        template = rng.choice(phrases.QUESTION_TEMPLATES)
        topics = _topics(sections, rng)
        if (template, topics[0]) in used:
            continue
        used.add((template, topics[0]))
        question = _fill(template, topics, rng)
        if question not in questions:
            questions.append(question)
    return _json({"questions": questions})


def _items(sections: Sections) -> list[dict[str, object]]:
    return read_items(sections.get("items", ""))


def _question_judge(sections: Sections, rng: random.Random) -> str:
    verdicts = []
    for item in _items(sections):
        verdict = {"relevant": True, "harmless": True, "answerable": True}
        if rng.random() < 0.12:
            verdict[rng.choice(sorted(verdict))] = False
        failed = [name for name, ok in verdict.items() if not ok]
        explanation = (
            f"The question is not {failed[0]} enough for this task."
            if failed
            else "The question asks for the skill in the task, is harmless and can be answered."
        )
        verdicts.append({"id": item.get("id"), "explanation": explanation, **verdict})
    return _json({"verdicts": verdicts})


def _skill_answer(sections: Sections, rng: random.Random) -> str:
    question_words = _words(sections.get("question", ""))
    topics = _topics(sections, rng)
    if question_words:
        topics[0] = rng.choice(question_words)
    opening = f"Here is a clear answer about {topics[0]}."
    chosen = rng.sample(phrases.ANSWER_SENTENCES, rng.randint(3, 6))
    return " ".join([opening, *(_fill(t, topics, rng) for t in chosen)])


def _pair_rating(sections: Sections, rng: random.Random) -> str:
    ratings = []
    for item in _items(sections):
        roll = rng.random()
        score = 3 if roll < 0.55 else 2 if roll < 0.85 else 1
        explanation = {
            3: "The answer is correct, complete and follows the task closely.",
            2: "The answer is useful and mostly correct, with small gaps in detail.",
            1: "The answer misses what the question asks for.",
        }[score]
        ratings.append({"id": item.get("id"), "explanation": explanation, "score": score})
    return _json({"ratings": ratings})


def _grounded_contexts(sections: Sections, rng: random.Random) -> str:
    contexts = []
    for _ in range(_count(sections)):
        topics = _topics(sections, rng)
        chosen = rng.sample(phrases.CONTEXT_SENTENCES, rng.randint(3, 5))
        contexts.append(" ".join(_fill(t, topics, rng) for t in chosen))
    return _json({"contexts": contexts})


def _document_sentences(document: str) -> list[str]:
    sentences = []
    for line in document.splitlines():
        body = line.strip().lstrip("#>*-|0123456789. ").strip()
        for sentence in re.split(r"(?<=[.!?])\s+", body):
            words = sentence.split()
            if 6 <= len(words) <= 60 and sentence[-1:] in ".!?" and sentence in document:
                sentences.append(sentence)
    return list(dict.fromkeys(sentences))


def _knowledge_qa(sections: Sections, rng: random.Random) -> str:
    sentences = _document_sentences(sections.get("document", ""))
    chosen = rng.sample(sentences, min(_count(sections), len(sentences)))
    pairs = []
    for sentence in chosen:
        # Keywords of the quoted sentence itself, so sibling questions share few words.
        words = _words(sentence)
        words += [t for t in phrases.FALLBACK_TOPICS if t not in words][: max(0, 3 - len(words))]
        a, b, c = rng.sample(words, 3)
        question = rng.choice(phrases.KNOWLEDGE_QUESTIONS).format(a=a, b=b, c=c)
        pairs.append({"question": question, "answer": sentence})
    return _json({"pairs": pairs})


def _faithfulness(sections: Sections, rng: random.Random) -> str:
    document = " ".join(sections.get("document", "").split())
    known = set(_words(document))
    verdicts = []
    for item in _items(sections):
        answer = " ".join(str(item.get("answer", "")).split())
        answer_words = _words(answer)
        overlap = (
            sum(word in known for word in answer_words) / len(answer_words) if answer_words else 0.0
        )
        faithful = bool(answer) and (answer in document or overlap >= 0.8)
        if faithful and rng.random() < 0.08:
            faithful = False
            explanation = "The answer overstates what the document says."
        elif faithful:
            explanation = "Every claim in the answer is stated in the document."
        else:
            explanation = "The answer makes claims the document does not support."
        verdicts.append({"id": item.get("id"), "explanation": explanation, "faithful": faithful})
    return _json({"verdicts": verdicts})


# Words that point at a text a closed-book reader cannot see.
_POINTING = re.compile(r"\b(passage|text|document|author|above)\b", re.IGNORECASE)


def _standalone(sections: Sections, rng: random.Random) -> str:
    verdicts = []
    for item in _items(sections):
        pointing = _POINTING.search(str(item.get("question", "")))
        explanation = (
            f"The question refers to {pointing.group()!r}, which a reader without it cannot see."
            if pointing
            else "The question names what it is about and makes sense on its own."
        )
        verdicts.append(
            {"id": item.get("id"), "explanation": explanation, "stands_alone": not pointing}
        )
    return _json({"verdicts": verdicts})


def _relevance(sections: Sections, rng: random.Random) -> str:
    scores = []
    for item in _items(sections):
        asked = set(_words(str(item.get("question", ""))))
        said = set(_words(str(item.get("answer", ""))))
        covered = len(asked & said) / len(asked) if asked else 0.0
        score = 3 if covered >= 0.6 else 2 if covered > 0 else 1
        if score == 3 and rng.random() < 0.1:
            score = 2
        explanation = {
            3: "The answer addresses exactly what the question asks.",
            2: "The answer addresses the question, with some material it did not ask for.",
            1: "The answer does not address what the question asks.",
        }[score]
        scores.append({"id": item.get("id"), "explanation": explanation, "score": score})
    return _json({"scores": scores})


def _detailed_summary(sections: Sections, rng: random.Random) -> str:
    sentences = _document_sentences(sections.get("document", ""))
    return " ".join(sentences)


def _extractive_summary(sections: Sections, rng: random.Random) -> str:
    sentences = _document_sentences(sections.get("document", ""))
    chosen = sorted(rng.sample(range(len(sentences)), (len(sentences) + 1) // 2))
    return "\n".join(sentences[i] for i in chosen)


def _atomic_facts(sections: Sections, rng: random.Random) -> str:
    facts = [
        part.strip()
        for sentence in _document_sentences(sections.get("document", ""))
        for part in sentence.split("; ")
    ]
    return _json({"facts": [f if f.endswith((".", "!", "?")) else f + "." for f in facts]})


def _answer_grade(sections: Sections, rng: random.Random) -> str:
    # Scored by overlap: the share of the reference's words the answer has, on a 1-10 scale.
    reference = set(_plain_words(sections.get("reference", "")))
    answer = set(_plain_words(sections.get("answer", "")))
    covered = len(reference & answer)
    score = max(1, min(10, round(1 + 9 * covered / len(reference)))) if reference else 1
    explanation = (
        f"The answer has {covered} of the {len(reference)} words of the reference that matter."
    )
    return _json({"explanation": explanation, "score": score})


def _plain_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]{4,}|[0-9]+", text.lower()) if w not in phrases.STOPWORDS]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


_BUILDERS: Mapping[Stage, Builder] = {
    skill_questions.STAGE: _skill_questions,
    question_judge.STAGE: _question_judge,
    skill_answer.STAGE: _skill_answer,
    pair_rating.STAGE: _pair_rating,
    grounded_contexts.STAGE: _grounded_contexts,
    knowledge_qa.STAGE: _knowledge_qa,
    standalone.STAGE: _standalone,
    faithfulness.STAGE: _faithfulness,
    relevance.STAGE: _relevance,
    detailed_summary.STAGE: _detailed_summary,
    extractive_summary.STAGE: _extractive_summary,
    atomic_facts.STAGE: _atomic_facts,
    answer_grade.STAGE: _answer_grade,
}
