"""The fact categories on a small library: defaults and constants, behaviour, relations and documentation
pairs say the repository's real values in plain sentences, cite real lines, and come in several phrasings."""

from __future__ import annotations

import re
from pathlib import Path

from goose_studio.tools.pairs import behaviour, defaults, docs, relations
from goose_studio.tools.pairs.docs import doc_files, doc_texts
from goose_studio.tools.pairs.grounding import Vocabulary
from facts_helpers import brewlog, repo_of  # noqa: F401  (fixtures)


def _pairs(module, root: Path, phrasings: int = 8):
    return list(module.pairs(repo_of(root, phrasings), set()))


def _answer(pairs, *needles: str) -> str:
    hits = [p for p in pairs if all(n in p.instruction + "\n" + p.output for n in needles)]
    assert hits, needles
    return hits[0].output


def test_defaults_cover_constants_tables_enums_fields_parameters_and_the_cli(brewlog: Path) -> None:
    pairs = _pairs(defaults, brewlog)
    assert "`18`" in _answer(pairs, "MAX_RATIO")
    assert "grams of water per gram of coffee" in _answer(pairs, "MAX_RATIO", "It is used by").lower()  # comment
    assert "`200`" in _answer(pairs, "`fine` map")  # an item of the GRIND_MICRONS table
    assert "`Grind.MEDIUM`" in _answer(pairs, "default `grind` of a `Brew`")
    assert "`250.0`" in _answer(pairs, "default `water`")
    assert "a new empty list" in _answer(pairs, "`notes`")
    assert "`dose`" in _answer(pairs, "Which fields must I give to create a `Brew`")
    assert "1.5" in _answer(pairs, "`scale`", "strength")
    assert "`medium`" in _answer(pairs, "--grind", "default")
    assert "`--all`" in _answer(pairs, "How do I include brews older than a week")
    assert "`BREWLOG_FILE`" in _answer(pairs, "environment variable", "log_path")
    assert "2.1.0" in _answer(pairs, "version")
    assert "`FINE` (fine)" in _answer(pairs, "members")


def test_every_fact_is_asked_in_several_phrasings_sharing_one_fact_key(brewlog: Path) -> None:
    pairs = _pairs(defaults, brewlog, phrasings=4)
    family = [p for p in pairs if p.fact.endswith(":MAX_RATIO")]
    assert len(family) == 4 and len({p.instruction for p in family}) == 4
    assert [p.variant for p in family] == [0, 1, 2, 3]
    assert len({p.output for p in family}) == 2  # a short and a long answer, in turn
    assert len([p for p in _pairs(defaults, brewlog, phrasings=1) if p.fact.endswith(":MAX_RATIO")]) == 1


def test_behaviour_says_what_functions_do_return_and_raise(brewlog: Path) -> None:
    pairs = _pairs(behaviour, brewlog)
    assert "`Brew.ratio` returns the grams of water" in _answer(pairs, "What does `Brew.ratio` do")
    assert "if the ratio is above the limit" in _answer(pairs, "raise `RatioError`", "Brew.check")
    assert "a strength between 0 and 10" in _answer(pairs, "return", "strength")
    assert "Multiplier of the result" in _answer(pairs, "`scale`", "parameter")
    assert "Grams of water" in _answer(pairs, "`Brew.water`")
    assert "weak, sour cup" in _answer(pairs, "Why does `Brew.check` do")  # the comment above the line


def test_relations_give_parents_children_the_error_root_and_overrides(brewlog: Path) -> None:
    pairs = _pairs(relations, brewlog)
    assert "`MemoryStore`" in _answer(pairs, "What does `FileStore` inherit from")
    assert "also a `Store`" in _answer(pairs, "`FileStore` extend")
    assert "`BrewError`" in _answer(pairs, "catch to handle every brewlog error")
    assert "`StaleBeansError`" in _answer(pairs, "catch to handle every brewlog error")
    assert "`add` (from `MemoryStore`)" in _answer(pairs, "override", "FileStore")
    assert "`FileStore`" in _answer(pairs, "derive from `MemoryStore`")


def test_docs_turn_sections_tables_sentences_and_examples_into_pairs(brewlog: Path) -> None:
    pairs = _pairs(docs, brewlog)
    assert all(p.origin == "docs" for p in pairs)
    assert "pip install brewlog" in _answer(pairs, "How do I install brewlog?")
    assert "espresso, about 200 microns" in _answer(pairs, "fine", "mean")
    assert "`brews.json`" in _answer(pairs, "Where are brews stored?")
    assert "grams of water per gram of coffee" in _answer(pairs, "docs/ratios.rst")
    assert "How do I brew a stronger cup?" in {p.instruction for p in pairs}  # "Use X to brew a stronger cup."
    groups = {p.group for p in pairs}
    assert {"README.md", "docs/ratios.rst"} <= groups  # split by file like code pairs


def test_fact_answers_cite_real_lines_and_name_only_what_the_repository_has(brewlog: Path) -> None:
    repo = repo_of(brewlog)
    vocabulary = Vocabulary(repo, doc_texts(doc_files(repo)[0]))
    for module in (defaults, behaviour, relations, docs):
        for p in module.pairs(repo, set()):
            m = re.search(r"\(see ([^:)]+):(\d+)(?:-(\d+))?\)", p.output)
            assert m, p.output
            path = brewlog / m.group(1)
            lines = path.read_text().split("\n")
            assert 1 <= int(m.group(2)) <= int(m.group(3) or m.group(2)) <= len(lines)
            assert vocabulary.grounded(p.output, p.instruction), (p.instruction, vocabulary.unknown(p.output))
            assert p.group and not p.group.startswith("tests/")  # facts come from the library, not its tests
