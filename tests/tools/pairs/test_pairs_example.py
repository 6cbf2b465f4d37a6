"""The bundled example repository end to end: enough pairs in enough categories, grounded, without
duplicates or held-out leakage, facts and docs a large share; and none of the hand-written knowledge
questions (benchmarks/data/) ever appears in a generated pair."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from goose_studio.examples import example_path
from goose_studio.tools.code_index import build_index
from goose_studio.tools.pairs import GENERATORS, GeneratePairsArgs, generate_pairs
from goose_studio.tools.pairs.generators import KNOWLEDGE_CATEGORIES
from goose_studio.tools.pairs.text import norm
from goose_studio.tools.registry import ToolContext
from goose_studio.workspace import Workspace

QUESTIONS = Path(__file__).resolve().parents[3] / "benchmarks" / "data"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("example") / "minitask"
    shutil.copytree(example_path(), root)
    build_index(root)
    return root


@pytest.fixture(scope="module")
def written(example: Path, tmp_path_factory):
    out = tmp_path_factory.mktemp("example-out")
    ctx = ToolContext(workspace=Workspace(out / "ws"))
    result = generate_pairs(GeneratePairsArgs(repo_path=str(example), out_dir=str(out / "data"), repo_name="minitask"),
                            ctx)
    rows = {side: [json.loads(line) for line in Path(path).read_text().splitlines()]
            for side, path in (("train", result.train_file), ("eval", result.eval_file))}
    return result, rows


def test_the_example_gives_a_large_grounded_balanced_dataset(written) -> None:
    result, rows = written
    everything = rows["train"] + rows["eval"]
    assert len(everything) >= 300
    assert sum(1 for n in result.stats.per_category.values() if n) >= 5
    assert result.stats.grounded_share >= 0.95
    knowledge = sum(1 for r in everything if r["category"] in KNOWLEDGE_CATEGORIES)
    assert knowledge >= 0.5 * len(everything)
    assert len({norm(r["instruction"]) for r in everything}) == len(everything)  # no exact duplicates
    assert not {r["group"] for r in rows["train"] if r["group"]} & {r["group"] for r in rows["eval"] if r["group"]}
    assert result.stats.doc_files == 2 and result.stats.per_origin["docs"] > 0


def test_no_knowledge_question_is_ever_generated(example: Path) -> None:
    from goose_studio.tools.index_models import load_index
    from goose_studio.tools.pairs.repo import Repo

    questions = [json.loads(line)["question"] for path in sorted(QUESTIONS.glob("*.jsonl"))
                 for line in path.read_text().splitlines() if line.strip()]
    assert len(questions) >= 25
    repo = Repo(load_index(example), example, "minitask", 900, 25)
    repo.phrasings = 8  # every phrasing of every fact, not only those a run keeps
    texts = [norm(p.instruction + "\n" + p.output) for generate in GENERATORS.values()
             for p in generate(repo, set(GENERATORS))]
    assert len(texts) > 1000
    blob = "\n".join(texts)
    assert [q for q in questions if norm(q) in blob] == []
