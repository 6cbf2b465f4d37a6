"""`goose-studio prepare SOURCE --out data.jsonl` and the `prepare` tool: SOURCE and PREPARE alone write the
pairs in LLaMA-Factory's format with dataset_info.json, and print the dashboard as JSON or as a table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import studio_cli
from goose_studio.tools.prepare import PrepareArgs, prepare
from goose_studio.tools.registry import REGISTRY, ToolContext, load_all
from goose_studio.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "pairs"))
from facts_helpers import BREWLOG  # noqa: E402
from pairs_helpers import write_files  # noqa: E402


def _repo(tmp_path: Path) -> Path:
    return write_files(tmp_path / "brewlog", BREWLOG)


def test_the_prepare_tool_writes_llama_factory_files(tmp_path: Path, studio_home: Path) -> None:
    load_all()
    assert REGISTRY["prepare"].tab == "prepare" and REGISTRY["prepare"].args_model is PrepareArgs
    out = tmp_path / "out" / "data.jsonl"
    result = prepare(PrepareArgs(sources=[str(_repo(tmp_path))], out=str(out)), ToolContext(workspace=Workspace(studio_home)))
    info = json.loads((out.parent / "dataset_info.json").read_text())
    assert info == {"data": {"file_name": "data.jsonl", "formatting": "alpaca",
                             "columns": {"prompt": "instruction", "query": "input", "response": "output"}},
                    "data_eval": {"file_name": "data.eval.jsonl", "formatting": "alpaca",
                                  "columns": {"prompt": "instruction", "query": "input", "response": "output"}}}
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == result.train_pairs > 0 and {"instruction", "input", "output"} <= set(rows[0])
    assert (out.parent / "data.eval.jsonl").read_text().count("\n") == result.eval_pairs
    stats = json.loads((out.parent / "data.stats.json").read_text())
    assert stats["per_category"] == result.stats.per_category and stats["grounded_share"] >= 0.95


def test_the_command_prints_the_dashboard(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    env = {**os.environ, "GOOSE_STUDIO_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1", "COLUMNS": "120"}
    out = tmp_path / "data.jsonl"
    proc = subprocess.run([*studio_cli(), "prepare", str(repo), "--out", str(out), "--json"], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    stats = data["stats"]
    assert data["out"] == str(out.resolve()) and data["train_pairs"] > 0
    assert set(stats) >= {"per_category", "per_origin", "per_source", "grounded_share", "secrets_redacted",
                          "avg_tokens", "est_train_minutes", "quality_score", "quality_parts", "throughput"}
    table = subprocess.run([*studio_cli(), "prepare", str(repo), "--out", str(out)], env=env, capture_output=True,
                           text=True, timeout=300)
    assert table.returncode == 0 and "Quality score" in table.stdout and "defaults" in table.stdout
    bad = subprocess.run([*studio_cli(), "prepare", str(repo), "--out", str(tmp_path / "data.txt"), "--json"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and json.loads(bad.stdout)["failure"]["kind"] == "invalid_input"
