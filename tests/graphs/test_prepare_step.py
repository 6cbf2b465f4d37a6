"""No dead ends in PREPARE, through the step's body: a small dataset gets more phrasings and every category
(and says so), mixed languages stop for the user's choice, an empty result offers the Quick Recipes, a
corrupt pairs file is skipped with its reason, format errors are fixed and reported."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from goose_studio.agents.guide import choices_for
from goose_studio.errors import Failure, FailureKind, ToolFailure
from goose_studio.graphs.steps import prepare as step
from goose_studio.options import RunOptions
from goose_studio.tools.code_index import build_index
from goose_studio.tools.index_models import INDEX_FILENAME
from goose_studio.tools.registry import ToolContext
from goose_studio.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "pairs"))
from facts_helpers import BREWLOG, brewlog  # noqa: E402,F401  (fixtures)
from pairs_helpers import write_files  # noqa: E402


@pytest.fixture(autouse=True)
def no_brain(monkeypatch) -> None:
    monkeypatch.setenv("GOOSE_STUDIO_BRAIN", "rules")
    # Token counts are estimated here (exact counts with the model's tokenizer are tested with the pairs):
    # each test's fresh workspace would otherwise convert the embedded model first.
    monkeypatch.setattr(step, "tokenizer_for", lambda model, ws: None)


def _run(root: Path, tmp_path: Path, pairs_file: str | None = None, **options):
    ws = Workspace(tmp_path / "ws")
    ws.ensure()
    build_index(root, allow_empty=True)
    state = {"source": SimpleNamespace(repo_path=str(root), name=root.name, pairs_file=pairs_file),
             "build": SimpleNamespace(report=None, index=SimpleNamespace(index_path=str(root / INDEX_FILENAME)))}
    opts = RunOptions(source=str(root), **{"min_pairs": 5, **options})
    return step.body(state, opts, ToolContext(workspace=ws), ws.run_paths("prep-run-1"))


def _failure(body) -> ToolFailure:
    with pytest.raises(ToolFailure) as caught:
        body()
    return caught.value


TINY = {
    "tiny/util.py": '''
        """Small helpers."""

        import requests

        LIMIT = 3  # retries


        def fetch(url: str, tries: int = LIMIT) -> str:
            """Return the body of the page at url."""
            return requests.get(url).text
    ''',
    "tiny/more.py": '''
        def double(x: int = 2) -> int:
            """Return twice x."""
            return 2 * x
    ''',
}


def test_a_small_dataset_gets_more_phrasings_and_every_category(tmp_path: Path) -> None:
    root = write_files(tmp_path / "tiny", TINY)
    result = _run(root, tmp_path)
    total = result.train_pairs + result.eval_pairs
    assert result.stats.phrasings == step.MORE_PHRASINGS and 0 < total < step.SMALL_DATASET
    assert any(str(step.MORE_PHRASINGS) in a and "phrasings" in a for a in result.actions)  # said what was done
    assert any("small" in a and "requests" in a for a in result.actions)  # a related source suggested
    first = _run(root, tmp_path / "first", phrasings=step.MORE_PHRASINGS)
    assert first.train_pairs + first.eval_pairs == total and not any("phrasings" in a for a in first.actions)


def test_mixed_languages_stop_for_the_users_choice(brewlog: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.jsonl"
    rows = [{"instruction": f"How do I grind beans for cup {i} with the mill?", "output": f"Use the fine grind {i}."}
            for i in range(10)] + [
        {"instruction": f"Wie mahle ich die Bohnen für Tasse {i} mit der Mühle?", "output": f"Nimm die feine Mahlung {i}."}
        for i in range(6)]
    mine.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    failure = _failure(lambda: _run(brewlog, tmp_path, str(mine)))
    assert failure.kind is FailureKind.needs_user
    assert failure.details == {"languages": {"de": 6, "en": 10}, "main_language": "en"}
    ids = [c.id for c in choices_for(Failure.of(failure, "prepare"), {"source": "x"}, {})]
    assert ids[:2] == ["keep-main-language", "keep-all-languages"]
    kept = _run(brewlog, tmp_path / "en", str(mine), language="en")
    assert kept.stats.user_pairs == 10
    both = _run(brewlog, tmp_path / "all", str(mine), language="all")
    assert both.stats.user_pairs == 16


def test_an_empty_result_offers_the_quick_recipes(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "notes.bin").write_bytes(b"\x00\x01")
    failure = _failure(lambda: _run(root, tmp_path))
    assert failure.kind is FailureKind.insufficient_data and failure.details["pairs"] == 0
    assert failure.details["tried"]  # more phrasings and every category were tried first
    choices = choices_for(Failure.of(failure, "prepare"), {"source": str(root)}, {})
    recipes = [c for c in choices if c.id.startswith("recipe-")]
    assert len(recipes) >= 5 and all(c.fix.goto == "source" for c in recipes)
    assert "accept-fewer" not in [c.id for c in choices]


def test_a_corrupt_pairs_file_is_skipped_and_format_errors_fixed(brewlog: Path, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.jsonl"
    corrupt.write_bytes(b"\x00\xff\x00garbage")
    result = _run(brewlog, tmp_path / "a", str(corrupt))
    assert result.stats.user_file_error == "binary" and result.train_pairs > 0  # the rest is used
    messy = tmp_path / "messy.jsonl"
    messy.write_text('{"Instruction": " What is brewlog? ", "Output": "A coffee log."},\nnot json\n')
    fixed = _run(brewlog, tmp_path / "b", str(messy))
    assert fixed.stats.user_pairs == 1
    assert {"key_names", "whitespace", "trailing_comma"} <= set(fixed.stats.user_fixed)
    assert fixed.stats.user_skipped == [{"line": 2, "reason": "not_json"}]
