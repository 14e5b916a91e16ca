"""Tests can be found from the module they test: the convention of tests/README.md, enforced.

- `tools/labtax/<name>.py` -> `tests/test_<name>.py`, or a folder `tests/<name>/` of test files;
- `tools/labtax/<pkg>/<name>.py` -> `tests/<pkg>/test_<name>.py`;
- `__init__.py` and `__main__.py` need none; a package's own `__init__.py`, when tested, is tested
  in `tests/<pkg>/test_<pkg>.py`; more files for one module are `test_<name>_<topic>.py`;
- cross-module, end-to-end suites live in the topic folders below, and only there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PACKAGE = TESTS.parent / "tools" / "labtax"
README = TESTS / "README.md"

# Modules that need no test file of their own. Keep this short: a module with behaviour gets a test.
EXEMPT = {
    "fake_teacher/phrases.py": "word and phrase lists only; the answers built from them are "
    "tested in tests/fake_teacher/test_answers.py",
}

# Folders of cross-module, end-to-end tests, which mirror no module.
TOPICS = {
    "compat": "the same verdicts as instructlab-schema on real InstructLab leaves",
    "precommit": "the published pre-commit hooks through `pre-commit try-repo`",
    "workflows": "the GitHub workflows: policy, linters, the teacher job end to end",
}


def modules() -> list[str]:
    """Every module of the package as a path relative to it (`cli.py`, `rules/subject.py`)."""
    return sorted(
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name not in {"__init__.py", "__main__.py"}
    )


def packages() -> set[str]:
    return {p.parent.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*/__init__.py")}


def all_test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if "__pycache__" not in p.parts)


def expected_tests(module: str) -> list[Path]:
    """Where the convention puts the tests of `module`; any one of them is enough."""
    path = Path(module)
    if path.parent == Path():
        return [TESTS / f"test_{path.stem}.py", TESTS / path.stem]
    return [TESTS / path.parent / f"test_{path.stem}.py"]


def has_tests(place: Path) -> bool:
    return place.is_file() or (place.is_dir() and any(place.glob("test_*.py")))


def test_every_module_has_tests_where_the_convention_says() -> None:
    missing = [
        f"{module}: expected {' or '.join(str(p.relative_to(TESTS)) for p in places)}"
        for module in modules()
        if module not in EXEMPT
        for places in [expected_tests(module)]
        if not any(has_tests(p) for p in places)
    ]
    assert missing == [], "modules without tests:\n" + "\n".join(missing)


def test_exemptions_name_existing_modules_without_tests() -> None:
    for module, reason in EXEMPT.items():
        assert module in modules(), f"{module} is exempt but does not exist"
        assert reason
        places = expected_tests(module)
        assert not any(has_tests(p) for p in places), f"{module} has tests: drop its exemption"


def test_every_test_folder_mirrors_a_package_or_a_module_or_is_a_topic() -> None:
    tops = {Path(m).stem for m in modules() if "/" not in m}
    allowed = packages() | tops | set(TOPICS)
    stray = sorted(
        {
            p.parent.relative_to(TESTS).as_posix()
            for p in all_test_files()
            if p.parent != TESTS and p.parent.relative_to(TESTS).as_posix() not in allowed
        }
    )
    assert stray == [], f"test folders that mirror nothing: {stray}"


def owner(test_file: Path, names: set[str], own: str | None = None) -> bool:
    """Whether a test file's name says which of `names` it tests (`test_<name>[_<topic>].py`)."""
    stem = test_file.stem.removeprefix("test_")
    return stem == own or any(stem == n or stem.startswith(f"{n}_") for n in names)


def test_every_test_file_in_a_package_folder_names_its_module() -> None:
    by_package: dict[str, set[str]] = {}
    for module in modules():
        if "/" in module:
            by_package.setdefault(str(Path(module).parent), set()).add(Path(module).stem)
    unnamed = [
        p.relative_to(TESTS).as_posix()
        for p in all_test_files()
        for package in [p.parent.relative_to(TESTS).as_posix()]
        if package in by_package and not owner(p, by_package[package], Path(package).name)
    ]
    assert unnamed == [], f"test files named after no module of their package: {unnamed}"


def test_every_test_file_at_the_top_names_a_top_level_module() -> None:
    tops = {Path(m).stem for m in modules() if "/" not in m}
    unnamed = [
        p.name
        for p in all_test_files()
        if p.parent == TESTS and p.name != Path(__file__).name and not owner(p, tops)
    ]
    assert unnamed == [], f"top-level test files named after no module: {unnamed}"


@pytest.mark.parametrize("folder", sorted(TOPICS))
def test_the_readme_lists_every_topic_folder(folder: str) -> None:
    assert (TESTS / folder).is_dir()
    assert f"`tests/{folder}/`" in README.read_text(encoding="utf-8")
