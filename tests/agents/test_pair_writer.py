"""The brain pass of PREPARE against a real OpenAI-compatible server on 127.0.0.1: grounded answers are
kept, answers naming files, symbols or values the repository lacks are dropped and counted, a broken reply
costs its chunk only, and without a brain there is no pass."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from llm_server import completion
from goose_studio.agents.brain import OpenAIBrain, RulesBrain
from goose_studio.agents.pair_writer import chunks_of, write_brain_pairs
from goose_studio.tools.pairs import GeneratePairsArgs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "pairs"))
from facts_helpers import brewlog, repo_of  # noqa: E402,F401  (fixtures)

GOOD = {"question": "What is the most water per gram of coffee?", "answer": "At most 18 grams (`MAX_RATIO`)."}
INVENTED = {"question": "Where are limits kept?", "answer": "In `brewlog/limits.py`, as `MAX_STRENGTH = 99`."}


def _args(root: Path, tmp_path: Path) -> GeneratePairsArgs:
    return GeneratePairsArgs(repo_path=str(root), out_dir=str(tmp_path / "out"), repo_name="brewlog")


def test_grounded_answers_are_kept_and_invented_ones_dropped(brewlog: Path, tmp_path: Path, local_server) -> None:
    calls = []

    def reply(body: dict):
        calls.append(body)
        if len(calls) == 2:
            return 200, "application/json", completion("not json at all")
        return 200, "application/json", completion(json.dumps({"pairs": [GOOD, INVENTED]}))

    server = local_server(reply)
    brain = OpenAIBrain(server.base_url, "sk-test", "tiny", timeout_s=5)
    out = tmp_path / "brain.jsonl"
    report = write_brain_pairs(_args(brewlog, tmp_path), out, brain=brain, max_chunks=4)
    assert report is not None and report.chunks == 4 == len(calls)
    assert report.answered == 3  # the chunk answered with prose is skipped
    assert (report.kept, report.dropped) == (3, 3)
    flagged = [u for ex in report.dropped_examples for u in ex["unknown"]]
    assert "brewlog/limits.py" in flagged and any("MAX_STRENGTH" in u for u in flagged)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3 and all("MAX_RATIO" in r["output"] and "(see " in r["output"] for r in rows)
    assert all(r["group"] and r["source"].startswith(r["group"] + ":") for r in rows)
    system = calls[0]["messages"][0]["content"]
    assert "JSON" in system and "brewlog" in calls[0]["messages"][1]["content"]


def test_no_brain_means_no_pass(brewlog: Path, tmp_path: Path) -> None:
    assert write_brain_pairs(_args(brewlog, tmp_path), tmp_path / "b.jsonl", brain=RulesBrain()) is None
    assert not (tmp_path / "b.jsonl").exists()


def test_chunks_alternate_documentation_and_code(brewlog: Path) -> None:
    chunks = chunks_of(repo_of(brewlog), 6)
    assert [c.kind for c in chunks][:4] == ["docs", "code", "docs", "code"]
    assert chunks == chunks_of(repo_of(brewlog), 6)  # a stable order
