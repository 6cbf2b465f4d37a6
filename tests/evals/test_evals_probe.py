"""The knowledge probe's questions: made from the held-out files' symbols and from held-out pairs, wrong
answers of the same kind from the same repository, one right answer each, deterministic; the pick is the
choice with the lowest mean per-token loss (the shared end of turn left out)."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_sample_repo
from goose_studio.evals.probe import build_probe, common_suffix, index_questions, pair_questions, pick
from goose_studio.tools.code_index import IndexCodeArgs
from goose_studio.tools.index_models import load_index
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    repo = write_sample_repo(tmp_path_factory.mktemp("probe") / "inventory", git=False)
    call_tool("index_code", IndexCodeArgs(repo_path=str(repo)), ToolContext(workspace=Workspace(tmp_path_factory.mktemp("h"))))
    return load_index(repo)


def rows(category: str, *qa: tuple[str, str], group: str = "inventory/pricing.py") -> list[dict]:
    return [{"instruction": q, "input": "", "output": a, "category": category, "group": group, "id": f"{category}{i}"}
            for i, (q, a) in enumerate(qa)]


def test_index_questions_are_about_held_out_files_with_wrong_answers_of_the_same_kind(index):
    questions = index_questions(index, {"inventory/pricing.py"}, "inventory", seed=0)
    kinds = {q.kind for q in questions}
    assert kinds == {"defined_in", "parameters", "purpose"}
    paths = {f.path for f in index.files}
    for q in questions:
        assert len(q.choices) == 4 and len(set(q.choices)) == 4 and 0 <= q.answer < 4
        assert q.source == "inventory/pricing.py"
        if q.kind == "defined_in":
            assert q.choices[q.answer] == "inventory/pricing.py" and set(q.choices) <= paths
        if q.kind == "parameters":
            assert all(c.startswith("(") for c in q.choices)
    purpose = next(q for q in questions if q.kind == "purpose" and "decimal string" in q.question)
    assert purpose.choices[purpose.answer] == "to_cents"


def test_pair_questions_take_wrong_answers_from_pairs_of_the_same_category():
    held = rows("defaults", ("What is the default currency of format_price?", "EUR."),
                ("What tax rate unit does add_tax use?", "Tenths of a percent."))
    others = rows("defaults", ("Default batch?", "No default."), ("Default threshold?", "Zero."),
                  ("Default name?", "inventory.")) + rows("code", ("Show code", "x" * 20))
    questions = pair_questions(held, others, seed=0)
    assert len(questions) == 2
    for q in questions:
        assert q.kind == "pair:defaults" and "x" * 20 not in q.choices
    assert questions[0].choices[questions[0].answer] == "EUR."


def test_long_answers_and_thin_categories_make_no_question():
    held = rows("explain", ("Explain", "y" * 2000)) + rows("lonely", ("Q?", "A."))
    assert pair_questions(held, [], seed=0) == []


def test_the_probe_mixes_kinds_up_to_the_limit_and_is_deterministic(index):
    held = rows("facts", *[(f"Fact {i}?", f"Value {i}.") for i in range(6)])
    first = build_probe(held, [], index, "inventory", limit=8, seed=3)
    assert len(first) == 8 and len({q.kind for q in first}) == 4
    assert [q.model_dump() for q in build_probe(held, [], index, "inventory", limit=8, seed=3)] == [
        q.model_dump() for q in first]
    assert [q.question for q in build_probe(held, [], index, "inventory", limit=8, seed=4)] != [q.question for q in first]
    assert build_probe(held, [], None, "inventory", limit=50, seed=0) != []


def test_the_pick_is_the_lowest_mean_loss_without_the_shared_end_of_turn():
    assert common_suffix([[1, 2, 9, 9], [3, 9, 9], [4, 5, 6, 9, 9]]) == 2
    assert common_suffix([[9], [9]]) == 0  # never a whole choice
    seen = {}

    def encode(prompt, answer):
        return [0, 1], [ord(c) for c in answer] + [99, 98]

    def losses(prompt_ids, choices):
        seen["choices"] = choices
        return [10.0 / len(c) for c in choices]

    best, values = pick(losses, encode, "Q", ["a", "bbb", "cc"])
    assert best == 1 and seen["choices"] == [[97], [98, 98, 98], [99, 99]] and len(values) == 3
