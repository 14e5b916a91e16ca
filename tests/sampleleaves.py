"""Sample leaves of every kind as YAML text, and their documents, for any test area.

Importable from any test module or conftest (`pythonpath = ["tests"]`). The rendered-prompt
goldens (`tests/prompts/golden/`) are made from these leaves: changing a seed changes them.
"""

from __future__ import annotations

from labtax.leaves import Leaf, load_text

SKILL = """\
version: 3
task_description: Answer riddles about everyday objects with a short explanation.
created_by: tester
seed_examples:
{examples}
"""

FREEFORM_SEEDS = [
    ("What has keys but cannot open locks?", "A piano: it has keys but they play notes."),
    ("What has hands but cannot clap?", "A clock: its hands point at the hours."),
    ("What has a neck but no head?", "A bottle: its narrow top is called the neck."),
    ("What gets wetter the more it dries?", "A towel: it takes the water from you."),
    ("What has teeth but cannot bite?", "A comb: its teeth untangle hair."),
]

GROUNDED = """\
version: 3
task_description: Summarise the given paragraph in one sentence.
created_by: tester
seed_examples:
{examples}
"""

GROUNDED_SEEDS = [
    (
        "The town library opened a new reading room with large windows, quiet desks and a "
        "shelf of local history books donated by residents.",
        "Summarise this paragraph in one sentence.",
        "The library opened a bright, quiet reading room stocked with donated history books.",
    ),
    (
        "Volunteers planted two hundred oak saplings along the river last spring, and most of "
        "them survived the dry summer thanks to weekly watering.",
        "Give a one-sentence summary of the paragraph.",
        "Volunteers planted oak saplings by the river and kept most alive with weekly watering.",
    ),
    (
        "The bakery on Main Street now opens at six in the morning so that commuters can buy "
        "fresh bread and coffee before their trains leave.",
        "Summarise the paragraph briefly.",
        "The Main Street bakery opens at six so commuters can get bread and coffee early.",
    ),
]

KNOWLEDGE = """\
version: 3
domain: {domain}
created_by: tester
document_outline: {outline}
seed_examples:
{examples}
document:
  repo: {repo}
  commit: {commit}
  patterns:
    - "*.md"
"""

# A valid version 3 freeform skill with five seeds, as the validate tests start from.
HAIKU = """\
version: 3
created_by: labtax-tests
task_description: Write a short, friendly haiku about an everyday object.
seed_examples:
  - question: Write a haiku about a teapot.
    answer: Steam curls from the spout, a small storm in porcelain.
  - question: Write a haiku about an umbrella.
    answer: Folded by the door, it waits for the sky to break.
  - question: Write a haiku about a bicycle.
    answer: Two wheels and a bell; the hill rushes up to meet me.
  - question: Compose a haiku describing a library card.
    answer: Thin blue rectangle, a key to ten thousand rooms.
  - question: Give me a haiku on the subject of a lighthouse.
    answer: One eye on the sea, it counts the ships through the fog.
"""
HAIKU_DIR = "taxonomy/compositional_skills/writing/poetry/haiku"

WATER_DOC = """\
# The water cycle

Water evaporates from oceans, lakes and rivers when the sun warms their surface. The vapour rises
into the atmosphere, where it cools and condenses into tiny droplets that form clouds.

When the droplets in a cloud grow heavy enough, they fall as precipitation: rain, snow, sleet or
hail, depending on the temperature of the air they fall through.

Precipitation that reaches the ground either soaks into the soil as infiltration, feeding
groundwater, or flows over the surface as runoff into streams, rivers and eventually the ocean.

Plants return water to the atmosphere through transpiration, releasing vapour from small pores in
their leaves. Together with evaporation this is called evapotranspiration.
"""

PRESS_DOC = """\
# The printing press

Johannes Gutenberg introduced a movable-type printing press in Mainz around 1450. His system
combined metal type cast in a hand mould, an oil-based ink and a wooden screw press.

The Gutenberg Bible, printed in the 1450s, was one of the first major books produced with movable
type in Europe. About 180 copies were made, on paper and on vellum.

Printing spread quickly: by 1500 presses operated in more than two hundred European cities, and
millions of books had been printed. Cheaper books helped literacy and the spread of new ideas.
"""


def freeform_yaml(seeds: list[tuple[str, str]] = FREEFORM_SEEDS, created_by: str = "tester") -> str:
    items = "\n".join(f"  - question: {q!r}\n    answer: {a!r}" for q, a in seeds)
    return SKILL.format(examples=items).replace("created_by: tester", f"created_by: {created_by}")


def grounded_yaml() -> str:
    items = "\n".join(
        f"  - context: {c!r}\n    question: {q!r}\n    answer: {a!r}" for c, q, a in GROUNDED_SEEDS
    )
    return GROUNDED.format(examples=items)


def knowledge_yaml(domain: str, document: str, repo: str, commit: str) -> str:
    paragraphs = [p for p in document.split("\n\n") if not p.startswith("#")]
    items = []
    for paragraph in paragraphs[:3]:
        first = paragraph.replace("\n", " ").split(". ")[0]
        items.append(
            f"  - context: {paragraph.replace(chr(10), ' ')!r}\n"
            "    questions_and_answers:\n"
            f"      - question: {('What does the text say about ' + first[:40] + '?')!r}\n"
            f"        answer: {(first + '.')!r}\n"
        )
    return KNOWLEDGE.format(
        domain=domain,
        outline=f"Facts about {domain}",
        examples="".join(items).rstrip("\n"),
        repo=repo,
        commit=commit,
    )


def sample_leaves() -> dict[str, Leaf]:
    """One loaded leaf of each kind, by kind: freeform, grounded, knowledge."""
    return {
        "freeform": load_text("f/qna.yaml", "compositional_skills/riddles", freeform_yaml()),
        "grounded": load_text(
            "g/qna.yaml", "compositional_skills/grounded/summaries", grounded_yaml()
        ),
        "knowledge": load_text(
            "k/qna.yaml",
            "knowledge/science/water",
            knowledge_yaml("hydrology", WATER_DOC, "documents/water", "local"),
        ),
    }
