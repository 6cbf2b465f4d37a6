"""The evaluate and index_retrieval tools on a tiny real model and a real indexed repository: every metric,
the probe closed-book and with retrieval, the regression check, the quality report, lm-eval task files,
eval_results.json, and typed failures for missing inputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import write_sample_repo
from evals_helpers import TEMPLATE, tiny_model_and_adapter
from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.tools.code_index import IndexCodeArgs
from goose_studio.tools.registry import ToolContext, call_tool
from goose_studio.workspace import Workspace


def pairs(n: int, group: str) -> list[dict]:
    out = []
    for i in range(n):
        out.append({"instruction": f"What does helper number {i} in {group} return?", "input": "",
                    "output": f"It returns {i * 7} for the stock of item {i}.", "category": "facts",
                    "group": group, "id": f"p{i}"})
    return out


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    model, adapter = tiny_model_and_adapter(tmp_path_factory.getbasetemp() / "evals-shared")
    repo = write_sample_repo(root / "inventory", git=False)
    ws = Workspace(root / "home")
    ctx = ToolContext(workspace=ws)
    call_tool("index_code", IndexCodeArgs(repo_path=str(repo)), ctx)
    data = root / "data"
    data.mkdir()
    (data / "eval.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pairs(6, "inventory/pricing.py")))
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in pairs(12, "inventory/stock.py")))
    built = call_tool("index_retrieval", {"repo_path": str(repo), "index_path": str(repo / ".studio-index.json"),
                                          "out_dir": str(root / "retrieval")}, ctx)
    args = {"model_path": str(model), "adapter_dir": str(adapter), "eval_file": str(data / "eval.jsonl"),
            "train_file": str(data / "train.jsonl"), "index_path": str(repo / ".studio-index.json"),
            "retrieval_dir": built.retrieval_dir, "repo_name": "inventory", "template": TEMPLATE,
            "out_path": str(root / "eval_results.json"), "max_generate_samples": 3, "max_new_tokens": 8,
            "probe_questions": 6, "general_questions": 4, "cutoff_len": 256}
    result = call_tool("evaluate", args, ctx)
    return {"root": root, "args": args, "result": result, "built": built, "ctx": ctx}


def test_the_retrieval_index_tool_writes_the_folder(setup):
    built = setup["built"]
    assert built.passages > 20 and built.counts["method"] >= 5 and not built.embeddings
    assert (Path(built.retrieval_dir) / "index.json").is_file()


def test_evaluate_measures_base_and_core_on_every_part(setup):
    r = setup["result"]
    assert r.n_perplexity == 6 and r.n_generate == 3
    assert r.base.perplexity > 0 and r.lora.perplexity > 0 and r.base.perplexity != r.lora.perplexity
    assert r.improved == (r.lora.perplexity < r.base.perplexity)
    for s in (r.base, r.lora):
        assert s.rouge_l is not None and s.bleu is not None and -1 <= s.semantic_similarity <= 1
        assert 0 <= s.stopped <= 1 and 0 <= s.form_match <= 1
    probe = r.probe
    assert probe.questions == 6 and probe.retrieval_k == 2
    assert all(0 <= getattr(probe, k) <= 1 for k in ("base_closed", "core_closed", "base_retrieval", "core_retrieval"))
    assert r.general.questions == 4 and r.general.margin == 0.1
    assert r.quality.overall == r.quality_score and r.quality.vs_base == r.quality.overall - r.quality.base_overall
    assert {p.name for p in r.quality.parts} == {"accuracy", "helpfulness", "instruction", "code_quality", "consistency"}
    assert set(r.timings) >= {"load", "perplexity", "generation", "probe", "general"}
    assert r.precision["perplexity"] == "float32"


def test_eval_results_and_lm_eval_task_files_are_written(setup):
    saved = json.loads(Path(setup["args"]["out_path"]).read_text())
    r = setup["result"]
    assert saved["quality_score"] == r.quality_score and len(saved["samples"]) == 3
    assert len(saved["probe_samples"]) == 6 and all("passages" in s for s in saved["probe_samples"])
    harness = r.harness
    assert not harness.ran and harness.skipped_reason
    assert harness.tasks == ["gs_inventory_heldout", "gs_inventory_probe", "gs_general"]
    assert all((Path(harness.tasks_dir) / f"{t}.yaml").is_file() for t in harness.tasks)
    assert {s.task for s in harness.standard} == {"humaneval", "mmlu", "gsm8k", "ifeval"}


def test_without_a_retrieval_index_the_probe_is_closed_book(setup):
    args = {**setup["args"], "retrieval_dir": None, "general_questions": 0, "max_generate_samples": 0,
            "probe_questions": 3, "out_path": str(setup["root"] / "closed.json")}
    r = call_tool("evaluate", args, setup["ctx"])
    assert r.probe.base_retrieval is None and r.probe.retrieval_k == 0 and r.general is None
    assert r.lora.rouge_l is None


@pytest.mark.parametrize("change,kind", [
    ({"eval_file": "/nonexistent/eval.jsonl"}, FailureKind.not_found),
    ({"adapter_dir": "/nonexistent"}, FailureKind.not_found),
])
def test_missing_inputs_are_typed_failures(setup, change, kind):
    with pytest.raises(ToolFailure) as failed:
        call_tool("evaluate", {**setup["args"], **change}, setup["ctx"])
    assert failed.value.kind is kind
