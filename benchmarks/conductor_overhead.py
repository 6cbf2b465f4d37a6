"""Conductor overhead per step: the run graph plus its durable SQLite checkpoint, events and run.json.

Runs the real conductor graph (real StateGraph, real SqliteSaver with durability "sync", real event bus
and run folder) with each tab's tool work taken out, so that what is left is the machinery a step costs.
Also times a failing step's detour (failure → repair → step again), which is three nodes.

Target: <= 50 ms per step on this box.
Usage: .venv/bin/python benchmarks/conductor_overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from pydantic import BaseModel

from goose_studio.errors import FailureKind, ToolFailure
from goose_studio.events import TABS, EventBus
from goose_studio.graphs.conductor import Conductor
from goose_studio.options import RunOptions
from goose_studio.runner import start_run
from goose_studio.runstore import RunStore
from goose_studio.workspace import Workspace

RESULTS: dict[str, BaseModel] = {}

def _results() -> dict[str, BaseModel]:
    """A ready result for each tab, as its tool (and the Step agent) would return it."""
    from goose_studio.graphs.state import BuildStep, EvalStep, TrainStep
    from goose_studio.tools.code_index import IndexCodeResult
    from goose_studio.tools.evaluate import EvaluateResult
    from goose_studio.tools.models import PrepareModelResult
    from goose_studio.tools.package import PackageResult
    from goose_studio.tools.pairs import GeneratePairsResult
    from goose_studio.tools.source import CloneResult
    from goose_studio.tools.train import TrainResult

    stats = {"per_category": {}, "per_category_train": {}, "per_category_eval": {}, "candidates": 2,
             "dedup_removed": 0, "capped_removed": 0, "avg_tokens": 10.0, "max_tokens": 10, "long_pairs": 0,
             "token_counter": "chars/4", "train_tokens": 10, "est_train_minutes": 0.1, "epochs": 1.0,
             "seconds_per_1k_tokens": 10.0, "quality_score": 50, "split_by": "file", "files_indexed": 1,
             "files_used": 1, "train_files": 1, "eval_files": 1}
    stats = {k: v for k, v in stats.items() if k in GeneratePairsResult.model_fields["stats"].annotation.model_fields}
    return {
        "source": CloneResult(repo_path="x", name="x", source="x", source_type="local", commit="0" * 40, files=1,
                              bytes=1, duration_s=0.0),
        "build": BuildStep(index=IndexCodeResult(index_path="x", files=1, symbols=1, languages={}, skipped=[],
                                                 skipped_total=0, tests_excluded=0, files_with_parse_errors=0,
                                                 reparsed=0, cached=1, duration_s=0.0), reason="none"),
        "prepare": GeneratePairsResult(dataset_dir="x", train_file="x", eval_file="x", dataset_info_path="x",
                                       stats_path="x", dataset_name_train="t", dataset_name_eval="e", train_pairs=1,
                                       eval_pairs=1, stats=stats),
        "train": TrainStep(model=PrepareModelResult(model_path="x", model_id="x", template="x", model_hash="0",
                                                    params_millions=1.0, source="x"),
                           trained=TrainResult(adapter_dir="x", recipe_path="x", trainer_log="x", steps=1, total_steps=1,
                                               final_loss=1.0, first_loss=2.0, duration_s=0.0, device="cpu",
                                               log_path="x")),
        "test": EvalStep(scores=EvaluateResult(results_path="x", base={"perplexity": 2.0}, lora={"perplexity": 1.0},
                                               n_perplexity=1, n_generate=0, improved=True, quality_score=50,
                                               duration_s=0.0), adapter_dir="x"),
        "publish": PackageResult(path="x", size_bytes=1, sha256="0", version=1,
                                 validation={"ok": True, "path": "x"}),
    }


class Bare(Conductor):
    """The real graph with each tab's tool calls replaced by returning a ready result."""

    fail_once: set[str] = set()
    results: dict[str, BaseModel] = {}

    def _node(self, tab, body):
        def ready(state, opts, ctx, paths):
            if tab in self.fail_once:
                self.fail_once.discard(tab)
                raise ToolFailure(FailureKind.corrupted, "benchmark failure")
            return self.results[tab]

        return super()._node(tab, ready)


def one_run(ws: Workspace, fail: str | None = None) -> float:
    run_id = start_run(ws, "/nowhere", {})
    conductor = Bare(ws, run_id, EventBus(run_id, ws.run_dir(run_id) / "events.jsonl"), brain=_Rules())
    conductor.fail_once = {fail} if fail else set()
    conductor.results = RESULTS
    started = time.perf_counter()
    state, waiting = conductor.run({"run_id": run_id, "options": RunOptions.model_validate(RunStore(ws).read(run_id).options)})
    elapsed = time.perf_counter() - started
    assert not waiting and state.get("publish"), state
    return elapsed


class _Rules:
    name = "rules"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GOOSE_STUDIO_HOME"] = tmp
        ws = Workspace(Path(tmp))
        ws.ensure()
        RESULTS.update(_results())
        one_run(ws)  # warm-up: imports, graph compile paths
        clean, detour = [], []
        for _ in range(args.runs):  # alternate, so that drift hits both the same
            plain = one_run(ws)
            clean.append(plain / len(TABS))
            detour.append(one_run(ws, fail="build") - plain)
    ms = lambda xs: f"median {statistics.median(xs) * 1000:.1f} ms, max {max(xs) * 1000:.1f} ms"  # noqa: E731
    print(f"conductor overhead per step (graph + sync SQLite checkpoint + events + run.json), {args.runs} runs: "
          f"{ms(clean)}  (target <= 50 ms)")
    print(f"a failed step's detour (failure -> repair -> step again), extra time per detour: {ms(detour)}")


if __name__ == "__main__":
    main()
